"""`scc-sync digest`, `remind`, `preview` and `subscribers` (the newsletter side)."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import click
from apscheduler.triggers.cron import CronTrigger

from scc_sync.cli import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_USAGE,
    AppContext,
    cli,
    echo_json,
    echo_table,
    fail,
    parse_when,
    pass_app,
    utc_now,
)
from scc_sync.config import Config, ConfigError
from scc_sync.models import Frequency
from scc_sync.newsletter.render import RenderError
from scc_sync.newsletter.tokens import InvalidToken, TokenSigner
from scc_sync.pipeline.deliver import DeliveryReport, make_transport
from scc_sync.pipeline.digest import digest_period, preview_digest, run_digest
from scc_sync.pipeline.remind import preview_reminder, run_remind
from scc_sync.store.locks import LockBusy
from scc_sync.store.outbox import waiting_retries
from scc_sync.store.subscribers import (
    SubscriberError,
    SubscriberExists,
    add_subscriber,
    get_subscriber,
    list_subscribers,
    remove_subscriber,
    unsubscribe,
)

EXIT_CODES = """Exit codes: 0 every message was sent (or nothing was due); 1 a message failed, was deferred
for a later retry, has an unknown outcome, could not be built (see the log), or sending stopped because the
mail server could not be reached (see `status`); 2 usage or config error, or a broken mail template; 3 another
run of the same job is in progress."""


def _run(app: AppContext, job: Callable[..., DeliveryReport], **kwargs: object) -> None:
    config = app.config
    try:
        transport = make_transport(config)
    except (ConfigError, OSError) as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        with app.store() as store, closing(transport):
            report = job(config, store, transport, **kwargs)
            with store.read() as conn:
                waiting, next_try = waiting_retries(conn, "digest" if job is run_digest else "reminder")
    except (ConfigError, SubscriberError, RenderError) as exc:
        fail(str(exc), EXIT_USAGE)
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


@cli.command("digest", epilog=EXIT_CODES)
@click.option(
    "--as-of", metavar="DATETIME", help="Run as if it were this time (ISO; local zone if no offset)."
)
@click.option("--dry-run", is_flag=True, help="Show who would get a digest; queue and send nothing.")
@click.option("--subscriber", metavar="EMAIL", help="Only this subscriber's digest.")
@pass_app
def digest_command(app: AppContext, as_of: str | None, dry_run: bool, subscriber: str | None) -> None:
    """Mail the digest of the last closed period: yesterday (daily) and last week (weekly).

    Each item reaches each subscriber once; every message is recorded before it is sent, so a rerun after
    a crash never sends it twice. Deferred messages from earlier runs are retried when due.
    """
    now = parse_when(as_of, app.config)
    _run(app, run_digest, now=now, dry_run=dry_run, subscriber=subscriber)


@cli.command("remind", epilog=EXIT_CODES)
@click.option(
    "--as-of", metavar="DATETIME", help="Run as if it were this time (ISO; local zone if no offset)."
)
@click.option("--dry-run", is_flag=True, help="Show who would get a reminder; queue and send nothing.")
@pass_app
def remind_command(app: AppContext, as_of: str | None, dry_run: bool) -> None:
    """Mail the event reminders that are due (with a calendar file), once per subscriber and offset."""
    _run(app, run_remind, now=parse_when(as_of, app.config), dry_run=dry_run)


@cli.command("preview")
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
    now = parse_when(as_of, config)()
    render = preview_digest if kind == "digest" else preview_reminder
    try:
        with app.store(must_exist=True) as store:
            mail = render(config, store, address, now=now)
            if mail is None and kind == "digest":
                with store.read() as conn:
                    person = get_subscriber(conn, address)
    except (ConfigError, SubscriberError, RenderError) as exc:
        fail(str(exc), EXIT_USAGE)
    if mail is None:
        what = _empty_digest(config, person.frequency, now) if kind == "digest" else "no upcoming event"
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
    cron = config.digest.daily if frequency == "daily" else config.digest.weekly
    upcoming = CronTrigger.from_crontab(cron, timezone=zone).get_next_fire_time(None, now.astimezone(zone))
    return (
        f"no items for this {frequency} subscriber in the last closed period ({covered}); "
        f"items found since go out with the next digest: try --as-of {upcoming.isoformat(timespec='minutes')}"
    )


@cli.group("subscribers")
def subscribers_group() -> None:
    """Manage subscribers (config `[[subscribers]]` are added automatically on each digest/remind run)."""


@subscribers_group.command("list")
@click.option("--status", type=click.Choice(["pending", "confirmed", "unsubscribed", "bounced"]))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def subscribers_list(app: AppContext, status: str | None, fmt: str) -> None:
    """List subscribers."""
    with app.store(must_exist=True) as store, store.read() as conn:
        found = list_subscribers(conn, status=status)  # type: ignore[arg-type]
    rows = [
        {
            "email": s.email,
            "name": s.name,
            "status": s.status,
            "locale": s.locale,
            "frequency": s.frequency,
            "reminders": s.reminders,
            "since": s.subscribed_at,
        }
        for s in found
    ]
    if fmt == "json":
        echo_json(rows)
    else:
        echo_table(
            rows, ["email", "name", "status", "locale", "frequency", "reminders", "since"], app.config.zone
        )


@subscribers_group.command("add")
@click.argument("email")
@click.option("--name")
@click.option("--locale", type=click.Choice(["de", "en"]), default="de", show_default=True)
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), default="weekly", show_default=True)
@click.option("--no-reminders", is_flag=True, help="No event reminders, only digests.")
@pass_app
def subscribers_add(
    app: AppContext, email: str, name: str | None, locale: str, frequency: str, no_reminders: bool
) -> None:
    """Add a confirmed subscriber (you, the operator, vouch for their consent)."""
    try:
        with app.store() as store, store.write() as conn:
            sub = add_subscriber(
                conn,
                email,
                now=utc_now(),
                origin="cli",
                name=name,
                locale=locale,
                frequency=frequency,
                reminders=not no_reminders,
                status="confirmed",
            )
    except SubscriberError as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(f"added {sub.email} ({sub.frequency}, {sub.locale})")


@subscribers_group.command("remove")
@click.argument("email")
@pass_app
def subscribers_remove(app: AppContext, email: str) -> None:
    """Delete a subscriber and their delivery history (to stop mail but keep the record, use unsubscribe)."""
    try:
        with app.store(must_exist=True) as store, store.write() as conn:
            sub = remove_subscriber(conn, email)
    except SubscriberError as exc:
        fail(str(exc), EXIT_FAILED)
    click.echo(f"removed {sub.email}")


@subscribers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def subscribers_import(app: AppContext, file: Path) -> None:
    """Add confirmed subscribers from a CSV file with the columns email,name,locale,frequency.

    Comma, semicolon or tab separated (Excel's "CSV" exports work), UTF-8 or Windows-1252. Good rows are
    added even when others are bad; each bad row is reported with its line number. Addresses already in
    the database are left as they are (an unsubscribed person stays unsubscribed). Exit 1 when any row
    was bad.
    """
    reader = _csv_rows(file)
    added, known, bad = 0, 0, 0
    with app.store() as store:
        for row in reader:
            row = {_column(k): (v or "").strip() for k, v in row.items() if k is not None}
            if not any(row.values()):
                continue  # Excel leaves empty rows (";;;") at the end
            try:
                with store.write() as conn:
                    add_subscriber(
                        conn,
                        row.get("email", ""),
                        now=utc_now(),
                        origin="import",
                        name=row.get("name") or None,
                        locale=(row.get("locale") or "de").lower(),
                        frequency=(row.get("frequency") or "weekly").lower(),
                        status="confirmed",
                        consent_source=f"import {file.name}",
                    )
                added += 1
            except SubscriberExists:
                known += 1
            except SubscriberError as exc:
                bad += 1
                click.echo(f"{file}: line {reader.line_num}: {exc}", err=True)
    kept = f", {known} already subscribed (left as they are)" if known else ""
    click.echo(f"subscribers import: {added} added, {bad} rejected{kept}")
    sys.exit(EXIT_FAILED if bad else 0)


def _csv_rows(file: Path) -> csv.DictReader[str]:
    """A reader over the file's rows, whatever Excel made of it: BOM, Windows-1252, `;` as separator."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        fail(f"{file}: cannot read: {exc.strerror}", EXIT_USAGE)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            fail(f'{file}: neither UTF-8 nor Windows-1252 text; save it as "CSV UTF-8"', EXIT_USAGE)
        click.echo(f"{file}: not UTF-8; read as Windows-1252 (Excel's default)", err=True)
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if "email" not in [_column(f) for f in reader.fieldnames or []]:
        fail(
            f"{file}: line 1: the first line must name the columns email,name,locale,frequency "
            f"(found: {header.strip()[:80]!r})",
            EXIT_USAGE,
        )
    return reader


def _column(name: str) -> str:
    """Header cells as people type them: `Email`, ` E-Mail `."""
    key = name.strip().lower()
    return "email" if key in ("e-mail", "mail") else key


@subscribers_group.command("unsubscribe")
@click.argument("token")
@pass_app
def subscribers_unsubscribe(app: AppContext, token: str) -> None:
    """Apply an unsubscribe link's token (the last part of the link), as the web page would."""
    config = app.config
    try:
        subject = TokenSigner(config.web.secret_keys()).verify(token, "unsubscribe", now=utc_now())
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    except InvalidToken as exc:
        fail(f"not a valid unsubscribe token: {exc}", EXIT_USAGE)
    try:
        with app.store(must_exist=True) as store, store.write() as conn:
            sub = unsubscribe(conn, int(subject), now=utc_now())
    except (SubscriberError, ValueError) as exc:
        fail(f"token for subscriber {subject}: {exc}", EXIT_FAILED)
    click.echo(f"unsubscribed {sub.email}")
