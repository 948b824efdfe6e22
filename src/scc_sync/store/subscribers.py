"""Subscribers in the store: adding, confirming, unsubscribing, preferences, and the sync from config.

An address is unique case-insensitively (`email_key`). Only `confirmed` subscribers get mail. Someone who
unsubscribed stays unsubscribed: reloading the config never re-subscribes them, only an explicit new
subscription (`add_subscriber`) does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, insert, select, update

from scc_sync.email_address import InvalidEmail
from scc_sync.email_address import normalize_email as _normalize
from scc_sync.errors import InputError
from scc_sync.models import FREQUENCIES, LOCALES, Subscriber, SubscriberStatus
from scc_sync.store.schema import subscribers

Origin = Literal["config", "cli", "import", "web"]


class SubscriberError(InputError, ValueError):
    """Bad subscriber data or an unknown subscriber; the message names the address or id."""


class SubscriberExists(SubscriberError):
    pass


def normalize_email(address: str) -> str:
    """`email_address.normalize_email`, raising SubscriberError: the store's error for bad subscriber data."""
    try:
        return _normalize(address)
    except InvalidEmail as exc:
        raise SubscriberError(str(exc)) from None


def email_key(address: str) -> str:
    return address.strip().lower()


def _check_choice(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise SubscriberError(f"{what} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _subscriber(row: Any) -> Subscriber:
    return Subscriber(
        email=row.email,
        name=row.name,
        locale=row.locale,
        frequency=row.frequency,
        status=row.status,
        reminders=row.reminders,
        keywords=tuple(row.keywords or ()),
        sources=tuple(row.sources or ()),
        id=row.id,
        subscribed_at=row.confirmed_at or row.created_at,
    )


def get_subscriber(conn: Connection, ref: int | str) -> Subscriber | None:
    """By id, or by address (case-insensitively)."""
    where = subscribers.c.id == ref if isinstance(ref, int) else subscribers.c.email_key == email_key(ref)
    row = conn.execute(select(subscribers).where(where)).first()
    return _subscriber(row) if row else None


def _require(conn: Connection, ref: int | str) -> Subscriber:
    found = get_subscriber(conn, ref)
    if found is None:
        raise SubscriberError(f"no subscriber {ref!r}")
    return found


def list_subscribers(conn: Connection, *, status: SubscriberStatus | None = None) -> list[Subscriber]:
    query = select(subscribers).order_by(subscribers.c.email_key)
    if status is not None:
        query = query.where(subscribers.c.status == status)
    return [_subscriber(row) for row in conn.execute(query)]


def add_subscriber(
    conn: Connection,
    email: str,
    *,
    now: datetime,
    origin: Origin,
    status: Literal["pending", "confirmed"] = "pending",
    **settings: Any,
) -> Subscriber:
    """Add a subscriber (web sign-ups start `pending` until confirmed).

    `settings`: name, locale, frequency, reminders, keywords, sources, consent_source. An address that
    unsubscribed or bounced before is re-activated: adding it is a new, explicit consent. An address that is
    pending or confirmed raises SubscriberExists.
    """
    values = _subscription(email, now=now, origin=origin, status=status, **settings)
    existing = get_subscriber(conn, values["email"])
    if existing is not None:
        if existing.status in ("pending", "confirmed"):
            raise SubscriberExists(f"{values['email']}: already subscribed (status {existing.status})")
        return _overwrite(conn, existing, values)
    new_id = conn.execute(
        insert(subscribers)
        .values(email_key=email_key(values["email"]), created_at=now, **values)
        .returning(subscribers.c.id)
    ).scalar_one()
    return _require(conn, new_id)


def request_subscription(
    conn: Connection, email: str, *, now: datetime, origin: Origin, **settings: Any
) -> tuple[Subscriber, bool]:
    """A sign-up (web form): returns (subscriber, created); the caller then mails a confirmation link.

    A confirmed subscriber is left exactly as it is: repeating a sign-up changes nothing. Anyone else
    (pending, unsubscribed, bounced) takes the requested settings and becomes `pending`: no mail goes out
    until the new confirmation link is used.
    """
    existing = get_subscriber(conn, email)
    if existing is None:
        return add_subscriber(conn, email, now=now, origin=origin, **settings), True
    if existing.status == "confirmed":
        return existing, False
    return _overwrite(conn, existing, _subscription(email, now=now, origin=origin, **settings)), False


def _subscription(
    email: str,
    *,
    now: datetime,
    origin: Origin,
    name: str | None = None,
    locale: str = "de",
    frequency: str = "weekly",
    reminders: bool = True,
    keywords: Iterable[str] = (),
    sources: Iterable[str] = (),
    status: Literal["pending", "confirmed"] = "pending",
    consent_source: str | None = None,
) -> dict[str, Any]:
    """The row values of a new subscription, validated (SubscriberError names what is wrong)."""
    return {
        "email": normalize_email(email),
        "name": (name or "").strip() or None,
        "locale": _check_choice(locale, LOCALES, "locale"),
        "frequency": _check_choice(frequency, FREQUENCIES, "frequency"),
        "reminders": reminders,
        "keywords": [k.strip() for k in keywords if k.strip()],
        "sources": [s.strip() for s in sources if s.strip()],
        "status": status,
        "origin": origin,
        "consent_source": consent_source or origin,
        "consent_at": now,
        "confirmed_at": now if status == "confirmed" else None,
        "unsubscribed_at": None,
        "updated_at": now,
    }


def _overwrite(conn: Connection, existing: Subscriber, values: dict[str, Any]) -> Subscriber:
    conn.execute(update(subscribers).where(subscribers.c.id == existing.id).values(**values))
    return _require(conn, existing.id or 0)


def confirm_subscriber(
    conn: Connection, subscriber_id: int, *, now: datetime, consent_source: str | None = None
) -> Subscriber:
    """Double opt-in: a pending subscriber becomes confirmed; confirming twice changes nothing.

    `consent_source` (how the confirmation came in) is appended to the stored consent record.
    """
    current = _require(conn, subscriber_id)
    if current.status == "pending":
        values: dict[str, Any] = {
            "status": "confirmed",
            "confirmed_at": now,
            "consent_at": now,
            "updated_at": now,
        }
        if consent_source:
            previous = conn.scalar(
                select(subscribers.c.consent_source).where(subscribers.c.id == subscriber_id)
            )
            values["consent_source"] = (
                f"{previous}; confirmed {consent_source}" if previous else consent_source
            )
        conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(**values))
    elif current.status != "confirmed":
        raise SubscriberError(f"{current.email}: cannot confirm a subscription that is {current.status}")
    return _require(conn, subscriber_id)


def unsubscribe(conn: Connection, ref: int | str, *, now: datetime) -> Subscriber:
    """Stop all mail to this subscriber (by id or address); idempotent (a second click is fine)."""
    current = _require(conn, ref)
    if current.status != "unsubscribed":
        conn.execute(
            update(subscribers)
            .where(subscribers.c.id == current.id)
            .values(status="unsubscribed", unsubscribed_at=now, updated_at=now)
        )
    return _require(conn, current.id or 0)


def mark_bounced(conn: Connection, subscriber_id: int, *, now: datetime) -> bool:
    """A confirmed subscriber whose address the mail server refuses for good gets no more mail.

    True when the status changed. Adding the address again (CLI, import, web sign-up) is a new consent and
    re-activates it."""
    changed = conn.execute(
        update(subscribers)
        .where(subscribers.c.id == subscriber_id, subscribers.c.status == "confirmed")
        .values(status="bounced", updated_at=now)
    ).rowcount
    return bool(changed)


def update_preferences(
    conn: Connection,
    subscriber_id: int,
    *,
    now: datetime,
    name: str | None = None,
    locale: str | None = None,
    frequency: str | None = None,
    reminders: bool | None = None,
    keywords: Iterable[str] | None = None,
    sources: Iterable[str] | None = None,
) -> Subscriber:
    """Change what is given (None leaves a field as it is)."""
    _require(conn, subscriber_id)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = name.strip() or None
    if locale is not None:
        values["locale"] = _check_choice(locale, LOCALES, "locale")
    if frequency is not None:
        values["frequency"] = _check_choice(frequency, FREQUENCIES, "frequency")
    if reminders is not None:
        values["reminders"] = reminders
    if keywords is not None:
        values["keywords"] = [k.strip() for k in keywords if k.strip()]
    if sources is not None:
        values["sources"] = [s.strip() for s in sources if s.strip()]
    if values:
        conn.execute(
            update(subscribers).where(subscribers.c.id == subscriber_id).values(updated_at=now, **values)
        )
    return _require(conn, subscriber_id)


def remove_subscriber(conn: Connection, ref: int | str) -> Subscriber:
    """Delete the subscriber and their delivery history (erasure); ledger rows keep only the address."""
    current = _require(conn, ref)
    conn.execute(delete(subscribers).where(subscribers.c.id == current.id))
    return current


def sync_config_subscribers(
    conn: Connection, configured: Iterable[Subscriber], *, now: datetime
) -> dict[str, int]:
    """Make the store reflect `[[subscribers]]`: add new ones as confirmed, update the others' settings.

    Never touches the status of someone who unsubscribed or bounced.
    """
    existing = {row.email_key: row for row in conn.execute(select(subscribers))}
    counts = {"added": 0, "updated": 0}
    for sub in configured:
        key = email_key(sub.email)
        wanted = {
            "name": sub.name,
            "locale": sub.locale,
            "frequency": sub.frequency,
            "reminders": sub.reminders,
            "keywords": list(sub.keywords),
            "sources": list(sub.sources),
        }
        row = existing.get(key)
        if row is None:
            add_subscriber(conn, sub.email, now=now, origin="config", status="confirmed", **wanted)
            counts["added"] += 1
            continue
        changes: dict[str, Any] = {k: v for k, v in wanted.items() if getattr(row, k) != v}
        if row.status == "pending":  # listed by the operator: that is consent enough
            changes.update(status="confirmed", confirmed_at=now)
        if changes:
            conn.execute(
                update(subscribers).where(subscribers.c.id == row.id).values(updated_at=now, **changes)
            )
            counts["updated"] += 1
    return counts
