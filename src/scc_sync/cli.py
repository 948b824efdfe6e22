"""The command line: parse arguments, load config, call the pipeline, print. No business logic here.

Exit codes: 0 success; 1 the command ran but something failed (a source, a delivery; each command says);
2 usage or configuration error; 3 another process holds the lock for the same work.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, NoReturn

import click

from scc_sync import __version__
from scc_sync.config import Config, ConfigError, load_config, resolve_config_path
from scc_sync.logs import setup_logging
from scc_sync.store import Store, StoreError, open_store
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
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(resolve_config_path(self.config_path))
            except ConfigError as exc:
                fail(str(exc), EXIT_USAGE)
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
        try:
            store = open_store(self.config.state.url)
        except StoreError as exc:
            fail(str(exc), EXIT_FAILED)
        try:
            yield store
        finally:
            store.close()


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


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_when(value: str | None, config: Config) -> Callable[[], datetime]:
    """`--as-of`: an ISO date or datetime (local to the configured zone when it has no offset)."""
    if value is None:
        return utc_now
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--as-of: not an ISO date or datetime: {value!r} (e.g. 2021-10-19T10:00:00+02:00)", EXIT_USAGE)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=config.zone)
    fixed = parsed.astimezone(UTC)
    return lambda: fixed


pass_app = click.make_pass_decorator(AppContext)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="scc-sync")
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file [default: $SCC_SYNC_CONFIG, else config/scc-sync.toml].",
)
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_format: str, verbose: int, quiet: bool) -> None:
    """scc-sync: sync news sources, extract event facts, mail digests and reminders.

    Exit codes: 0 success, 1 something failed (see each command), 2 usage or config error,
    3 the same work is already running in another process.
    """
    verbosity = -1 if quiet else verbose
    setup_logging(log_format, verbosity)
    ctx.obj = AppContext(config_path, log_format, verbosity)


def main() -> None:
    cli(prog_name="scc-sync")


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_value))


def _json_value(value: Any) -> Any:
    """Times as ISO 8601 (`2021-10-19T08:00:00+00:00`), like `items --format json`; the rest as text."""
    return value.isoformat() if isinstance(value, date) else str(value)


def echo_table(rows: list[dict[str, Any]], columns: list[str], zone: tzinfo = UTC) -> None:
    """A plain text table; times are shown in `zone` (the configured time zone)."""
    if not rows:
        click.echo("(none)")
        return
    cells = [[_cell(row.get(col), zone) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]
    click.echo("  ".join(col.upper().ljust(w) for col, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: Any, zone: tzinfo) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_since(value: str | None, zone: tzinfo = UTC) -> datetime | None:
    """`--since`: an ISO date or datetime, in `zone` when it names no offset."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since: not an ISO date or datetime: {value!r}", EXIT_USAGE)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


# Commands live in their own modules to keep this file thin; importing them registers them on `cli`.
from scc_sync import commands  # noqa: E402, F401
