"""`scc-sync subscribers`: list, add, remove, import from CSV, unsubscribe by address or link."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import click

from scc_sync.commands.app import EXIT_FAILED, EXIT_USAGE, AppContext, fail, pass_app
from scc_sync.commands.output import echo_json, echo_table
from scc_sync.models import SubscriberStatus
from scc_sync.newsletter.links import link_token
from scc_sync.newsletter.tokens import InvalidToken
from scc_sync.pipeline.subscriptions import (
    CsvError,
    import_subscribers,
    link_subscriber,
    read_subscriber_csv,
    unsubscribe,
)
from scc_sync.store.subscribers import SubscriberError, add_subscriber, list_subscribers, remove_subscriber


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
        found = list_subscribers(conn, status=cast(SubscriberStatus | None, status))  # a click.Choice
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
    try:
        rows = read_subscriber_csv(file.read_bytes())
    except OSError as exc:
        fail(f"{file}: cannot read: {exc.strerror}", EXIT_USAGE)
    except CsvError as exc:
        fail(f"{file}: {exc}", EXIT_USAGE)
    if rows.read_as_cp1252:
        click.echo(f"{file}: not UTF-8; read as Windows-1252 (Excel's default)", err=True)
    with app.store() as store:
        done = import_subscribers(store, rows, consent_source=f"import {file.name}", now=app.effects.clock)
    for line, problem in done.rejected:
        click.echo(f"{file}: line {line}: {problem}", err=True)
    kept = f", {done.known} already subscribed (left as they are)" if done.known else ""
    click.echo(f"subscribers import: {done.added} added, {len(done.rejected)} rejected{kept}")
    sys.exit(EXIT_FAILED if done.rejected else 0)


@subscribers_group.command("unsubscribe")
@click.argument("who", metavar="EMAIL|LINK")
@pass_app
def subscribers_unsubscribe(app: AppContext, who: str) -> None:
    """Stop all mail to a subscriber, as the unsubscribe page does: by address, or by an unsubscribe link
    from a mail (the whole link or its last part, the token). The record stays; `remove` deletes it.
    Exit 1 when there is no such subscriber."""
    now = app.effects.clock()
    subscriber: int | str = who.strip()
    if "@" not in who:
        signer = app.effects.signer(app.config.web)
        try:
            subscriber = link_subscriber(signer, link_token(who), "unsubscribe", now=now)
        except InvalidToken as exc:
            fail(f"{who!r}: not a valid unsubscribe token or link, nor an email address: {exc}", EXIT_USAGE)
    try:
        with app.store(must_exist=True) as store:
            sub = unsubscribe(store, subscriber, now=now)
    except SubscriberError:
        if isinstance(subscriber, int):
            fail(f"the link is for subscriber {subscriber}, who is no longer in the database", EXIT_FAILED)
        fail(f"{subscriber}: no such subscriber; `scc-sync subscribers list` shows who is", EXIT_FAILED)
    click.echo(f"unsubscribed {sub.email}")
