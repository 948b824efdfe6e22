"""Subscriptions: what the CLI and the subscriber pages do to subscribers, in one place.

- `sign_up`: a sign-up from the web form. The subscription is stored (pending until confirmed; a confirmed
  subscriber is left as it is) and its mail, a confirmation link or a note to someone already subscribed, is
  promised in the delivery ledger like every other mail, in the same transaction. Nobody waits for a mail
  server: `send_signup_mails` sends what is due, from a sender in the background (`web.sender`), and the
  service's retry job sends what a server deferred.
- `link_subscriber` and `unsubscribe`: the subscriber a signed link names, and unsubscribing them.
- `read_subscriber_csv` and `import_subscribers`: a CSV file as Excel and people write it, added as
  confirmed subscribers (the operator vouches for their consent).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from scc_sync.config import Config
from scc_sync.models import Subscriber
from scc_sync.newsletter.tokens import InvalidToken, TokenSigner
from scc_sync.newsletter.transports import Transport
from scc_sync.pipeline.deliver import SIGNUP_KINDS, DeliveryReport, deliver, ledger_entry, retry_policy
from scc_sync.pipeline.runs import lock_owner
from scc_sync.store import Store
from scc_sync.store import subscribers as stored
from scc_sync.store.outbox import queue_messages

# -- signing up ----------------------------------------------------------------------------------------


class SignUpMails(Protocol):
    """Builds a sign-up's mail: `kind` "confirm" (a confirmation link) or "signup-known" (already
    subscribed: a settings link). `ref` makes it a message of its own."""

    def build(self, kind: str, subscriber: Subscriber, *, ref: str, now: datetime) -> EmailMessage: ...


@dataclass(frozen=True)
class SignUp:
    """What the form asked for, and where the consent came from."""

    email: str
    name: str | None
    locale: str
    frequency: str
    reminders: bool
    consent_source: str


@dataclass(frozen=True)
class SignedUp:
    subscriber: Subscriber
    created: bool
    mail_kind: str  # what was queued for them: "confirm" or "signup-known"


def sign_up(store: Store, mails: SignUpMails, request: SignUp, *, now: Callable[[], datetime]) -> SignedUp:
    """Store the sign-up and promise its mail in the ledger, together; `send_signup_mails` sends it.

    Raises SubscriberError for an address that cannot be stored (then nothing is stored or queued)."""
    at = now()
    with store.write() as conn:
        subscriber, created = stored.request_subscription(
            conn,
            request.email,
            now=at,
            origin="web",
            name=request.name,
            locale=request.locale,
            frequency=request.frequency,
            reminders=request.reminders,
            consent_source=request.consent_source,
        )
        kind = "signup-known" if subscriber.status == "confirmed" else "confirm"
        ref = (
            f"{subscriber.id}:{at.isoformat()}:{secrets.token_hex(4)}"  # every sign-up: a message of its own
        )
        msg = mails.build(kind, subscriber, ref=ref, now=at)
        queue_messages(conn, [ledger_entry(kind, ref, subscriber, msg)], now=at)
    return SignedUp(subscriber, created, kind)


def send_signup_mails(
    config: Config, store: Store, transport: Transport, *, now: Callable[[], datetime]
) -> DeliveryReport:
    """Send the sign-up mails that are due: new ones, deferred ones due again, and those a stopped or
    killed process left queued. A refusal is retried like any mail's (`[delivery] retry_after`)."""
    report = DeliveryReport("sign-up mails")
    return deliver(
        store,
        transport,
        owner=lock_owner(),
        now=now,
        policy=retry_policy(config),
        kinds=SIGNUP_KINDS,
        report=report,
    )


# -- links and unsubscribing ---------------------------------------------------------------------------


def link_subscriber(signer: TokenSigner, token: str, purpose: str, *, now: datetime) -> int:
    """The id of the subscriber a link's token names; InvalidToken if it is not a valid `purpose` link."""
    subject = signer.verify(token, purpose, now=now)
    if not subject.isdigit():
        raise InvalidToken(f"not a subscriber id: {subject!r}")
    return int(subject)


def unsubscribe(store: Store, subscriber: int | str, *, now: datetime) -> Subscriber:
    """Stop all mail to this subscriber, named by id (a link's) or by address (the operator's); idempotent.
    The same for the web page, the one-click POST and `scc-sync subscribers unsubscribe`. SubscriberError
    when there is no such subscriber."""
    with store.write() as conn:
        return stored.unsubscribe(conn, subscriber, now=now)


# -- importing a CSV file --------------------------------------------------------------------------------

COLUMNS = "email,name,locale,frequency"


class CsvError(stored.SubscriberError):
    """The file as a whole cannot be read as subscribers (its encoding, or its first line)."""


@dataclass(frozen=True)
class SubscriberCsv:
    rows: csv.DictReader[str]
    read_as_cp1252: bool  # not UTF-8: read as Windows-1252, Excel's default


@dataclass
class Imported:
    added: int = 0
    known: int = 0  # already in the store, left as they are (an unsubscribed person stays unsubscribed)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


def read_subscriber_csv(data: bytes) -> SubscriberCsv:
    """The file's rows, whatever Excel made of it: BOM, Windows-1252, `;` or tab as separator."""
    try:
        text, cp1252 = data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        try:
            text, cp1252 = data.decode("cp1252"), True
        except UnicodeDecodeError:
            raise CsvError('neither UTF-8 nor Windows-1252 text; save it as "CSV UTF-8"') from None
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    rows = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if "email" not in [_column(name) for name in rows.fieldnames or []]:
        raise CsvError(
            f"line 1: the first line must name the columns {COLUMNS} (found: {header.strip()[:80]!r})"
        )
    return SubscriberCsv(rows, cp1252)


def import_subscribers(
    store: Store, csv_file: SubscriberCsv, *, consent_source: str, now: Callable[[], datetime]
) -> Imported:
    """Add each row as a confirmed subscriber, each in its own transaction: a bad row costs only itself."""
    result = Imported()
    for line, row in _filled_rows(csv_file.rows):
        try:
            with store.write() as conn:
                stored.add_subscriber(
                    conn,
                    row.get("email", ""),
                    now=now(),
                    origin="import",
                    name=row.get("name") or None,
                    locale=(row.get("locale") or "de").lower(),
                    frequency=(row.get("frequency") or "weekly").lower(),
                    status="confirmed",
                    consent_source=consent_source,
                )
            result.added += 1
        except stored.SubscriberExists:
            result.known += 1
        except stored.SubscriberError as exc:
            result.rejected.append((line, str(exc)))
    return result


def _filled_rows(rows: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by column) of every row with something in it: Excel leaves empty ones (";;;")."""
    for raw in rows:
        row = {_column(k): (v or "").strip() for k, v in raw.items() if k is not None}
        if any(row.values()):
            yield rows.line_num, row


def _column(name: str) -> str:
    """Header cells as people type them: `Email`, ` E-Mail `."""
    key = name.strip().lower()
    return "email" if key in ("e-mail", "mail") else key
