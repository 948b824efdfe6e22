"""The errors scc-sync raises on purpose, in the three kinds the command line turns into exit codes.

Each message says what failed, where (a source, a config key, a file) and what to do, so the CLI prints it
as it is: `scc-sync: error: MESSAGE`. An exception of any other class that escapes is a bug.

- `SccSyncError`: something the user or operator can act on went wrong while a command ran (exit 1);
- `InputError`: what the user gave is wrong: the config, an option, a template, a file, a link (exit 2);
- `BusyError`: another process is doing the same work right now (exit 3).

Errors about a bad value (an address, a token, a template) are `ValueError`s too, so that code that reads
values can treat them alike.
"""

from __future__ import annotations


class SccSyncError(Exception):
    exit_code = 1


class InputError(SccSyncError):
    exit_code = 2


class BusyError(SccSyncError):
    exit_code = 3
