"""The delivery ledger: one row per message promised to one recipient, written before any attempt.

Life of a row: `queued` → `sending` (claimed under a lease, attempts + 1) → `sent` | `deferred` (a 4xx; due
again at `next_attempt_at`) | `failed` (a 5xx, or too many 4xx) | `unknown` (the data went out but no reply
came; never resent unless `retry_unknown`) | `suppressed` (the recipient unsubscribed after queueing).

Claiming: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`; on SQLite the write transaction itself (BEGIN
IMMEDIATE) serialises claimers, and the UPDATE re-checks the row is still claimable. Either way, two workers
never send the same row. A row left `sending` by a dead worker becomes `unknown` once its lease expires.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, false, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from scc_sync.models import DeliveryState
from scc_sync.store.engine import Store
from scc_sync.store.schema import outbox, subscribers
from scc_sync.store.upsert import insert_ignore

MAX_BACKOFF = timedelta(hours=12)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    retry_after: timedelta = timedelta(minutes=5)
    lease: timedelta = timedelta(minutes=5)
    retry_unknown: bool = False

    def backoff(self, attempts: int) -> timedelta:
        """Delay before the next try after `attempts` tries: retry_after, doubled each time, capped."""
        return min(self.retry_after * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    ref: str
    recipient: str
    message_id: str
    payload: bytes
    attempts: int


@dataclass(frozen=True)
class LedgerRow:
    id: int
    kind: str
    ref: str
    recipient: str
    subscriber_id: int | None
    message_id: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_reply: str | None
    sent_at: datetime | None


def queue_message(
    conn: Connection,
    *,
    kind: str,
    ref: str,
    recipient: str,
    subscriber_id: int | None,
    message_id: str,
    payload: bytes,
    now: datetime,
) -> int | None:
    """Promise one message; the new row's id, or None when (kind, ref, recipient) is already queued."""
    return insert_ignore(
        conn,
        outbox,
        {
            "kind": kind,
            "ref": ref,
            "recipient": recipient.lower(),
            "subscriber_id": subscriber_id,
            "message_id": message_id,
            "state": "queued",
            "attempts": 0,
            "payload": payload,
            "created_at": now,
            "updated_at": now,
        },
        ["kind", "ref", "recipient"],
    )


def queued_recipients(conn: Connection, kind: str, ref: str) -> set[str]:
    return set(conn.scalars(select(outbox.c.recipient).where(outbox.c.kind == kind, outbox.c.ref == ref)))


def expire_stale(conn: Connection, *, now: datetime) -> list[LedgerRow]:
    """Rows whose sender died mid-attempt: nobody knows whether they arrived, so they become `unknown`."""
    stale = [
        _row(r)
        for r in conn.execute(select(outbox).where(outbox.c.state == "sending", outbox.c.lease_until <= now))
    ]
    if stale:
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([r.id for r in stale]), outbox.c.state == "sending")
            .values(
                state="unknown",
                lease_owner=None,
                lease_until=None,
                updated_at=now,
                last_reply="the sending process stopped mid-attempt (lease expired); outcome unknown",
            )
        )
    return stale


def _claimable(now: datetime, policy: RetryPolicy) -> ColumnElement[bool]:
    due_retry = and_(outbox.c.state == "deferred", outbox.c.next_attempt_at <= now)
    unknown = (
        and_(outbox.c.state == "unknown", outbox.c.attempts < policy.max_attempts)
        if policy.retry_unknown
        else false()
    )
    return or_(outbox.c.state == "queued", due_retry, unknown)


def claim_next(
    store: Store,
    *,
    owner: str,
    now: datetime,
    policy: RetryPolicy,
    kinds: Iterable[str],
    recipient: str | None = None,
) -> tuple[Claimed | None, list[LedgerRow]]:
    """Lease the next row that is due, in its own transaction.

    Returns (row to send or None, rows suppressed on the way): a row whose subscriber is no longer confirmed
    (or turned reminders off) is marked `suppressed` here, at send time, not when it was queued.
    """
    suppressed: list[LedgerRow] = []
    with store.write() as conn:
        while True:
            query = (
                select(outbox.c.id, outbox.c.kind, outbox.c.subscriber_id)
                .where(outbox.c.kind.in_(list(kinds)), _claimable(now, policy))
                .order_by(outbox.c.id)
                .limit(1)
                .with_for_update(skip_locked=True, of=outbox)
            )
            if recipient is not None:
                query = query.where(outbox.c.recipient == recipient.lower())
            candidate = conn.execute(query).first()
            if candidate is None:
                return None, suppressed
            if _suppressed(conn, candidate.kind, candidate.subscriber_id):
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == candidate.id)
                    .values(state="suppressed", updated_at=now, last_reply="recipient no longer subscribed")
                )
                suppressed.append(_row(conn.execute(select(outbox).where(outbox.c.id == candidate.id)).one()))
                continue
            taken = conn.execute(
                update(outbox)
                .where(outbox.c.id == candidate.id, _claimable(now, policy))
                .values(
                    state="sending",
                    lease_owner=owner,
                    lease_until=now + policy.lease,
                    attempts=outbox.c.attempts + 1,
                    last_attempt_at=now,
                    updated_at=now,
                )
            ).rowcount
            if not taken:  # only possible if another claimer won the row in between; try the next
                continue
            row = conn.execute(select(outbox).where(outbox.c.id == candidate.id)).one()
            return Claimed(
                row.id, row.kind, row.ref, row.recipient, row.message_id, row.payload, row.attempts
            ), (suppressed)


def _suppressed(conn: Connection, kind: str, subscriber_id: int | None) -> bool:
    if subscriber_id is None:  # operator alerts and erased subscribers' rows: nothing to check against
        return kind in ("digest", "reminder")
    row = conn.execute(
        select(subscribers.c.status, subscribers.c.reminders).where(subscribers.c.id == subscriber_id)
    ).first()
    if row is None or row.status != "confirmed":
        return True
    return kind == "reminder" and not row.reminders


def record_result(
    store: Store,
    claimed: Claimed,
    state: str,
    reply: str,
    *,
    owner: str,
    now: datetime,
    policy: RetryPolicy,
) -> DeliveryState:
    """Store the outcome of one attempt; a 4xx on the last allowed attempt becomes `failed`."""
    final: DeliveryState
    values: dict[str, Any] = {
        "lease_owner": None,
        "lease_until": None,
        "updated_at": now,
        "last_reply": reply,
    }
    if state == "sent":
        final = "sent"
        values["sent_at"] = now
    elif state == "deferred" and claimed.attempts < policy.max_attempts:
        final = "deferred"
        values["next_attempt_at"] = now + policy.backoff(claimed.attempts)
    elif state == "deferred":
        final = "failed"
        values["last_reply"] = f"{reply} (gave up after {claimed.attempts} attempts)"
    elif state == "unknown":
        final = "unknown"
    else:
        final = "failed"
    values["state"] = final
    with store.write() as conn:
        conn.execute(
            update(outbox)
            .where(
                outbox.c.id == claimed.id,
                # our lease, or one that expired meanwhile (then a real answer beats `unknown`)
                or_(
                    outbox.c.lease_owner == owner,
                    and_(outbox.c.state == "unknown", outbox.c.lease_owner.is_(None)),
                ),
            )
            .values(**values)
        )
    return final


def list_ledger(conn: Connection, *, kind: str | None = None, ref: str | None = None) -> list[LedgerRow]:
    query = select(outbox).order_by(outbox.c.id)
    if kind is not None:
        query = query.where(outbox.c.kind == kind)
    if ref is not None:
        query = query.where(outbox.c.ref == ref)
    return [_row(r) for r in conn.execute(query)]


def count_by_state(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all())


def _row(row: Any) -> LedgerRow:
    return LedgerRow(
        id=row.id,
        kind=row.kind,
        ref=row.ref,
        recipient=row.recipient,
        subscriber_id=row.subscriber_id,
        message_id=row.message_id,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_reply=row.last_reply,
        sent_at=row.sent_at,
    )
