"""`scc-sync subscribers`: list, add, remove, import from CSV, unsubscribe by token."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import click

from scc_sync.commands.app import EXIT_FAILED, EXIT_USAGE, AppContext, fail, pass_app
from scc_sync.commands.output import echo_json, echo_table
from scc_sync.config import ConfigError
from scc_sync.newsletter.tokens import InvalidToken
from scc_sync.store.subscribers import (
    SubscriberError,
    SubscriberExists,
    add_subscriber,
    list_subscribers,
    remove_subscriber,
    unsubscribe,
)


@click.group("subscribers")
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
                now=app.effects.clock(),
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
                        now=app.effects.clock(),
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
        subject = app.effects.signer(config.web).verify(token, "unsubscribe", now=app.effects.clock())
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    except InvalidToken as exc:
        fail(f"not a valid unsubscribe token: {exc}", EXIT_USAGE)
    try:
        with app.store(must_exist=True) as store, store.write() as conn:
            sub = unsubscribe(conn, int(subject), now=app.effects.clock())
    except (SubscriberError, ValueError) as exc:
        fail(f"token for subscriber {subject}: {exc}", EXIT_FAILED)
    click.echo(f"unsubscribed {sub.email}")
