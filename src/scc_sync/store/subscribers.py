"""Subscribers: sign-up (double opt-in), confirmation, preferences, unsubscribe.

Minimal version written for the web pages; the newsletter ledger branch owns this module and may extend
it. Every function takes an open connection inside the caller's transaction and returns the subscriber
as stored afterwards (or None when the id is unknown).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from scc_sync.models import Subscriber
from scc_sync.store.schema import subscribers


def email_key(email: str) -> str:
    return email.strip().lower()


def get_subscriber(conn: Connection, subscriber_id: int) -> Subscriber | None:
    row = conn.execute(select(subscribers).where(subscribers.c.id == subscriber_id)).first()
    return _subscriber(row) if row else None


def find_subscriber(conn: Connection, email: str) -> Subscriber | None:
    row = conn.execute(select(subscribers).where(subscribers.c.email_key == email_key(email))).first()
    return _subscriber(row) if row else None


def add_subscriber(
    conn: Connection,
    *,
    email: str,
    now: datetime,
    origin: str,
    name: str | None = None,
    locale: str = "de",
    frequency: str = "weekly",
    reminders: bool = True,
    consent_source: str | None = None,
) -> tuple[Subscriber, bool]:
    """Record a sign-up as `pending`; returns (subscriber, created).

    A confirmed subscriber is left exactly as it is (a repeated sign-up must change nothing). A pending,
    unsubscribed or bounced one takes the newly requested settings but keeps its status: only a
    confirmation makes it `confirmed` again.
    """
    existing = find_subscriber(conn, email)
    if existing is not None:
        if existing.status != "confirmed":
            conn.execute(
                update(subscribers)
                .where(subscribers.c.id == existing.id)
                .values(
                    name=name,
                    locale=locale,
                    frequency=frequency,
                    reminders=reminders,
                    consent_source=consent_source,
                    updated_at=now,
                )
            )
            existing = get_subscriber(conn, existing.id or 0) or existing
        return existing, False
    new_id = conn.execute(
        insert(subscribers).values(
            email=email.strip(),
            email_key=email_key(email),
            name=name,
            locale=locale,
            frequency=frequency,
            status="pending",
            reminders=reminders,
            keywords=[],
            sources=[],
            origin=origin,
            consent_source=consent_source,
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key[0]
    created = get_subscriber(conn, new_id)
    assert created is not None  # just inserted in this transaction
    return created, True


def confirm_subscriber(
    conn: Connection, subscriber_id: int, *, now: datetime, consent_source: str
) -> Subscriber | None:
    """Make the subscriber `confirmed` and record when and how consent was given; idempotent."""
    current = get_subscriber(conn, subscriber_id)
    if current is None or current.status == "confirmed":
        return current
    previous = conn.execute(
        select(subscribers.c.consent_source).where(subscribers.c.id == subscriber_id)
    ).scalar_one()
    source = f"{previous}; confirmed {consent_source}" if previous else consent_source
    _set(
        conn, subscriber_id, now, status="confirmed", confirmed_at=now, consent_at=now, consent_source=source
    )
    return get_subscriber(conn, subscriber_id)


def unsubscribe(conn: Connection, subscriber_id: int, *, now: datetime) -> Subscriber | None:
    """Mark the subscriber `unsubscribed`; a second call changes nothing (not even the time)."""
    current = get_subscriber(conn, subscriber_id)
    if current is None or current.status == "unsubscribed":
        return current
    _set(conn, subscriber_id, now, status="unsubscribed", unsubscribed_at=now)
    return get_subscriber(conn, subscriber_id)


def update_preferences(
    conn: Connection,
    subscriber_id: int,
    *,
    now: datetime,
    frequency: str | None = None,
    locale: str | None = None,
    reminders: bool | None = None,
) -> Subscriber | None:
    values = {
        key: value
        for key, value in (("frequency", frequency), ("locale", locale), ("reminders", reminders))
        if value is not None
    }
    if get_subscriber(conn, subscriber_id) is None:
        return None
    if values:
        _set(conn, subscriber_id, now, **values)
    return get_subscriber(conn, subscriber_id)


def _set(conn: Connection, subscriber_id: int, now: datetime, **values: Any) -> None:
    conn.execute(
        update(subscribers).where(subscribers.c.id == subscriber_id).values(updated_at=now, **values)
    )


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
        subscribed_at=row.confirmed_at,
    )
