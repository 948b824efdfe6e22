"""What every command shares: the loaded config, the store, the effects; failing with an exit code; the
options several commands parse alike.

Exit codes: 0 success; 1 the command ran but something failed (a source, a delivery; each command says);
2 usage or configuration error; 3 another process holds the lock for the same work. An error of ours
(`scc_sync.errors`) that a command lets through ends it with its kind's code (see `scc_sync.cli`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import NoReturn

import click

from scc_sync.clock import Clock
from scc_sync.config import Config, ConfigError, load_config, resolve_config_path
from scc_sync.effects import Effects
from scc_sync.store import Store, open_store
from scc_sync.store.engine import sqlite_file

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


@dataclass
class AppContext:
    config_path: str | None
    log_format: str
    verbosity: int
    effects: Effects = field(default_factory=Effects.here)
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(resolve_config_path(self.config_path))
        return self._config

    @contextmanager
    def store(self, *, must_exist: bool = False) -> Iterator[Store]:
        """The state store. `must_exist` (commands that only read or change what is there): a missing
        SQLite file is an error rather than a new, empty database in the wrong folder."""
        file = sqlite_file(self.config.state.url)
        if file is not None and not file.exists():
            if must_exist:
                fail(missing_database(file, self.config.state.database), EXIT_USAGE)
            if self.verbosity >= 0:
                click.echo(f"scc-sync: creating a new database at {file.resolve()}", err=True)
        with open_store(self.config.state.url) as store:
            yield store

    def clock(self, as_of: str | None) -> Clock:
        """`--as-of`: an ISO date or datetime (local to the configured zone when it has no offset), as a
        clock that stands still there; without it, the effects' clock."""
        if as_of is None:
            return self.effects.clock
        try:
            parsed = datetime.fromisoformat(as_of)
        except ValueError:
            fail(
                f"--as-of: not an ISO date or datetime: {as_of!r} (e.g. 2021-10-19T10:00:00+02:00)",
                EXIT_USAGE,
            )
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.config.zone)
        fixed = parsed.astimezone(UTC)
        return lambda: fixed


pass_app = click.make_pass_decorator(AppContext)


def missing_database(file: Path, configured: str) -> str:
    relative = (
        ""
        if Path(configured).is_absolute() or "://" in configured
        else (f"; [state] database = {configured!r} is relative to the working directory ({Path.cwd()})")
    )
    return (
        f"no database at {file.resolve()}{relative}. Run scc-sync where the state lives, make the "
        "path absolute, or run `scc-sync sync` to start a new database there"
    )


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"scc-sync: error: {message}", err=True)
    sys.exit(code)


def require_sources(config: Config, names: Iterable[str]) -> None:
    """`--source NAME` options must name configured sources (usage error otherwise)."""
    try:
        for name in names:
            config.source(name)
    except ConfigError as exc:
        fail(f"--source: {exc}", EXIT_USAGE)


def parse_since(value: str | None, zone: tzinfo = UTC) -> datetime | None:
    """`--since`: an ISO date or datetime, in `zone` when it names no offset."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since: not an ISO date or datetime: {value!r}", EXIT_USAGE)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
