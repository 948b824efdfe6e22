"""`scc-sync digest`, `remind` and `preview`: the mailings, run once."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import click

from scc_sync.commands.app import EXIT_BUSY, EXIT_FAILED, EXIT_USAGE, AppContext, fail, pass_app
from scc_sync.config import Config
from scc_sync.models import Frequency
from scc_sync.pipeline.deliver import DeliveryReport
from scc_sync.pipeline.digest import digest_period, preview_digest, run_digest
from scc_sync.pipeline.remind import preview_reminder, run_remind
from scc_sync.service.scheduler import next_digest_run
from scc_sync.store.locks import LockBusy
from scc_sync.store.outbox import waiting_retries
from scc_sync.store.subscribers import get_subscriber

EXIT_CODES = """Exit codes: 0 every message was sent (or nothing was due); 1 a message failed, was deferred
for a later retry, has an unknown outcome, could not be built (see the log), or sending stopped because the
mail server could not be reached (see `status`); 2 usage or config error, or a broken mail template; 3 another
run of the same job is in progress. Mail that expired unsent (a reminder after its day, mail queued by an
`--as-of` run) is counted in the summary but is no failure of this run."""

AS_OF_HELP = (
    "Run as if it were this time (ISO; local zone if no offset; a date alone means that day at "
    "[digest] reminder_time). What it leaves queued is not sent by later runs on another clock."
)


def _run(app: AppContext, job: Callable[..., DeliveryReport], **kwargs: object) -> None:
    config = app.config
    try:
        transport = app.effects.transport(config)
    except OSError as exc:  # a Maildir that cannot be made
        fail(str(exc), EXIT_USAGE)
    try:
        with closing(transport):
            kit = app.effects.mail_kit(config)
            with app.store() as store:
                report = job(config, store, transport, kit, **kwargs)
                with store.read() as conn:
                    waiting, next_try = waiting_retries(conn, "digest" if job is run_digest else "reminder")
    except LockBusy as exc:
        fail(f"{exc}; try again when it has finished", EXIT_BUSY)
    for line in report.planned:
        click.echo(f"  would send to {line}")
    click.echo(report.line())
    earlier = waiting - report.deferred
    if earlier > 0 and next_try is not None:  # else a rerun that found nothing due looks like all is well
        at = next_try.astimezone(config.zone).strftime("%Y-%m-%d %H:%M %Z")
        click.echo(f"  {earlier} deferred from earlier runs wait for a retry, the next at {at} (`status`)")
    sys.exit(EXIT_FAILED if report.problems else 0)


@click.command("digest", epilog=EXIT_CODES)
@click.option("--as-of", metavar="DATETIME", help=AS_OF_HELP)
@click.option("--dry-run", is_flag=True, help="Show who would get a digest; queue and send nothing.")
@click.option("--subscriber", metavar="EMAIL", help="Only this subscriber's digest.")
@pass_app
def digest_command(app: AppContext, as_of: str | None, dry_run: bool, subscriber: str | None) -> None:
    """Mail the digest of the last closed period: yesterday (daily) and last week (weekly).

    Each item reaches each subscriber once; every message is recorded before it is sent, so a rerun after
    a crash never sends it twice. Deferred messages from earlier runs are retried when due.
    """
    as_of_given = as_of is not None
    _run(app, run_digest, now=app.clock(as_of), dry_run=dry_run, subscriber=subscriber, as_of=as_of_given)


@click.command("remind", epilog=EXIT_CODES)
@click.option("--as-of", metavar="DATETIME", help=AS_OF_HELP)
@click.option("--dry-run", is_flag=True, help="Show who would get a reminder; queue and send nothing.")
@pass_app
def remind_command(app: AppContext, as_of: str | None, dry_run: bool) -> None:
    """Mail the event reminders that are due (with a calendar file), once per subscriber and offset."""
    _run(app, run_remind, now=app.clock(as_of), dry_run=dry_run)


@click.command("preview")
@click.argument("kind", type=click.Choice(["digest", "reminder"]))
@click.option("--subscriber", "address", required=True, metavar="EMAIL")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="HTML file to write."
)
@click.option("--as-of", metavar="DATETIME", help="Preview as of this time (default: now).")
@pass_app
def preview_command(app: AppContext, kind: str, address: str, out: Path, as_of: str | None) -> None:
    """Write the HTML of the digest or reminder this subscriber would get, for a browser. Sends nothing.

    Exit 1 when there is nothing to show (no items in the period, no upcoming event).
    """
    config = app.config
    now = app.clock(as_of)()
    render = preview_digest if kind == "digest" else preview_reminder
    kit = app.effects.mail_kit(config)
    person = None
    with app.store(must_exist=True) as store:
        mail = render(config, store, kit, address, now=now)
        if mail is None and kind == "digest":
            with store.read() as conn:
                person = get_subscriber(conn, address)
    if mail is None:
        what = _empty_digest(config, person.frequency, now) if person else "no upcoming event"
        fail(f"{address}: nothing to preview: {what}", EXIT_FAILED)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(mail.html, encoding="utf-8")
    except OSError as exc:
        fail(f"--out {out}: cannot write: {exc.strerror or exc}", EXIT_USAGE)
    click.echo(f"{mail.subject}\nwritten to {out}")


def _empty_digest(config: Config, frequency: Frequency, now: datetime) -> str:
    """Why a digest preview is empty, and the `--as-of` that shows what the next run will send."""
    zone = config.zone
    period = digest_period(frequency, now, zone)
    first_day = period.start.astimezone(zone).date()
    last_day = (period.end.astimezone(zone) - timedelta(days=1)).date()
    covered = f"{first_day}" if first_day == last_day else f"{first_day} to {last_day}"
    upcoming = next_digest_run(config, frequency, now)
    assert upcoming is not None  # a cron expression that was valid at load fires again
    return (
        f"no items for this {frequency} subscriber in the last closed period ({covered}); "
        f"items found since go out with the next digest: try --as-of {upcoming.isoformat(timespec='minutes')}"
    )
