"""`scc-sync sync` and `scc-sync items`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn

import click

from scc_sync.commands.app import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    AppContext,
    fail,
    parse_since,
    pass_app,
    require_sources,
)
from scc_sync.commands.output import echo_json, echo_table
from scc_sync.pipeline.sync import SourceReport, run_sync
from scc_sync.store.items import list_items
from scc_sync.store.locks import LockBusy


@click.command("sync")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@pass_app
def sync_command(app: AppContext, sources: tuple[str, ...]) -> None:
    """Fetch the sources now and store what is new or changed.

    Exit 0 when every source is fine, 1 when at least one failed (all others still synced),
    2 for usage or config errors, 3 when another sync is running.
    """
    config = app.config
    require_sources(config, sources)
    total = len(sources) or sum(1 for s in config.sources if s.enabled)
    finished: list[SourceReport] = []
    show = _progress(total) if app.verbosity >= 0 else (lambda _report: None)

    def on_done(report: SourceReport) -> None:
        finished.append(report)
        show(report)

    try:
        with (
            app.store() as store,
            app.effects.http_client(config.http) as client,
        ):
            try:
                report = run_sync(config, store, client, now=app.effects.clock, only=sources, on_done=on_done)
            except LockBusy as exc:
                fail(f"{exc}; try again when it has finished", EXIT_BUSY)
    except KeyboardInterrupt:
        _interrupted(len(finished), total)
    click.echo(report.line())  # failed sources were logged as errors while it ran
    sys.exit(EXIT_FAILED if report.failed else 0)


def _interrupted(finished: int, total: int) -> NoReturn:
    """Ctrl-C: what is stored stays stored; leave now rather than wait for fetches in flight."""
    click.echo(
        f"\nsync: interrupted: {finished} of {total} sources finished and are stored; "
        "the others are synced on the next run",
        err=True,
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def _progress(total: int) -> Callable[[SourceReport], None]:
    """A progress line on a terminal; otherwise one plain line per source, for logs and cron mail."""
    if not sys.stderr.isatty():
        return _plain_line
    done = 0

    def show(report: SourceReport) -> None:
        nonlocal done
        done += 1
        click.echo(
            f"\r[{done}/{total}] {report.name[:40]:<40} {report.status:<12}", err=True, nl=done == total
        )

    return show


def _plain_line(report: SourceReport) -> None:
    if not report.failed:  # failures are logged as errors by the sync itself
        counts = f"{report.new} new, {report.updated} updated"
        counts += f" ({report.rechecked} articles re-checked)" if report.rechecked else ""
        click.echo(f"sync: {report.name}: {report.status}: {counts}", err=True)


@click.command("items")
@click.option("--since", metavar="DATE", help="Only items new or changed since this ISO date/datetime.")
@click.option("--source", metavar="NAME", help="Only items of this source.")
@click.option("--limit", type=int, default=None, help="At most this many (newest first).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def items_command(
    app: AppContext, since: str | None, source: str | None, limit: int | None, fmt: str
) -> None:
    """List stored items, newest first."""
    with app.store(must_exist=True) as store, store.read() as conn:
        found = list_items(conn, since=parse_since(since, app.config.zone), source=source, limit=limit)
    if fmt == "json":
        echo_json([item.as_json() for item in found])
    else:
        rows = [
            {"published": i.published, "source": i.source, "revision": i.revision, "title": i.title}
            for i in found
        ]
        echo_table(rows, ["published", "source", "revision", "title"], app.config.zone)
