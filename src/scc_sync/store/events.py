"""Events people are reminded of, keyed by name + year; `sequence` rises whenever the dates change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from scc_sync.models import Event
from scc_sync.store.schema import events


@dataclass(frozen=True)
class StoredEvent:
    id: int
    event: Event
    sequence: int  # iCalendar SEQUENCE: calendar clients replace older copies of the entry

    @property
    def key(self) -> str:
        return self.event.key


def upsert_event(conn: Connection, event: Event, *, now: datetime, item_id: int | None = None) -> StoredEvent:
    values: dict[str, Any] = {
        "name": event.name,
        "start_date": event.start,
        "end_date": event.end,
        "location": event.location,
        "url": event.url,
        "origin": event.origin,
        "reminders": list(event.reminders),
        "item_id": item_id,
    }
    row = conn.execute(select(events).where(events.c.key == event.key)).first()
    if row is None:
        conn.execute(
            insert(events).values(key=event.key, sequence=0, created_at=now, updated_at=now, **values)
        )
    else:
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed:
            moved = (
                row.start_date != event.start or row.end_date != event.end or row.location != event.location
            )
            sequence = row.sequence + 1 if moved else row.sequence
            conn.execute(
                update(events)
                .where(events.c.id == row.id)
                .values(sequence=sequence, updated_at=now, **changed)
            )
    stored = get_event(conn, event.key)
    assert stored is not None  # written just now, in this transaction
    return stored


def get_event(conn: Connection, key: str) -> StoredEvent | None:
    row = conn.execute(select(events).where(events.c.key == key)).first()
    return _stored(row) if row else None


def list_events(conn: Connection) -> list[StoredEvent]:
    return [_stored(r) for r in conn.execute(select(events).order_by(events.c.start_date, events.c.key))]


def _stored(row: Any) -> StoredEvent:
    event = Event(
        name=row.name,
        start=row.start_date,
        end=row.end_date,
        location=row.location,
        url=row.url,
        reminders=tuple(row.reminders or ()),
        origin=row.origin,
    )
    return StoredEvent(row.id, event, row.sequence)
