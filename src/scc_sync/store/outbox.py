"""The delivery ledger: one row per message promised to one recipient, written before any attempt.

Life of a row: `queued` → `sending` (claimed under a lease, attempts + 1) → `sent` | `deferred` (a 4xx; due
again at `next_attempt_at`) | `failed` (a 5xx, or too many 4xx) | `unknown` (the data went out but no reply
came; never resent unless `retry_unknown`) | `suppressed` (the recipient unsubscribed after queueing).

Claiming: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`; on SQLite the write transaction itself (BEGIN
IMMEDIATE) serialises claimers, and the UPDATE re-checks the row is still claimable. Either way, two workers
never send the same row. A row left `sending` by a dead worker becomes `unknown` once its lease expires.

The message bytes live in `outbox_payloads`, inserted in the row's own transaction and read when it is
claimed: the frequent state and lease updates then rewrite a small row, not the whole message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    BindParameter,
    Connection,
    Select,
    Update,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from scc_sync.models import DeliveryState
from scc_sync.store.engine import Store
from scc_sync.store.schema import outbox, outbox_payloads, subscribers
from scc_sync.store.subscribers import mark_bounced

MAX_BACKOFF = timedelta(hours=12)
T = TypeVar("T")
log = logging.getLogger(__name__)


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
    subscriber_id: int | None = None


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


QUEUE_BATCH = 200  # messages rendered, then queued in one transaction: few commits, bounded memory
FIRST_BATCH = 20  # a mailing's first batch is small: its first message goes out sooner


def batches(people: Sequence[T]) -> Iterator[Sequence[T]]:
    """`people` in queueing batches: FIRST_BATCH, then QUEUE_BATCH each."""
    start, size = 0, FIRST_BATCH
    while start < len(people):
        yield people[start : start + size]
        start, size = start + size, QUEUE_BATCH


@dataclass(frozen=True)
class NewMessage:
    """One message to promise: its final bytes and Message-ID, before any attempt to send it."""

    kind: str
    ref: str
    recipient: str
    subscriber_id: int | None
    message_id: str
    payload: bytes


def queue_messages(conn: Connection, messages: Sequence[NewMessage], *, now: datetime) -> list[int | None]:
    """Promise many messages in one multi-row INSERT; per message its new row id, or None when
    (kind, ref, recipient) was already queued (earlier, or earlier in `messages`)."""
    if not messages:
        return []
    rows = [
        {
            "kind": m.kind,
            "ref": m.ref,
            "recipient": m.recipient.lower(),
            "subscriber_id": m.subscriber_id,
            "message_id": m.message_id,
            "state": "queued",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for m in messages
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(outbox)
        .on_conflict_do_nothing(index_elements=["kind", "ref", "recipient"])
        .returning(outbox.c.id, outbox.c.kind, outbox.c.ref, outbox.c.recipient)
    )
    new = {(r.kind, r.ref, r.recipient): r.id for r in conn.execute(stmt, rows)}
    # RETURNING order is not the input order, and skipped rows return nothing: match by key
    ids = [new.pop((r["kind"], r["ref"], r["recipient"]), None) for r in rows]
    payloads = [
        {"outbox_id": i, "payload": m.payload} for i, m in zip(ids, messages, strict=True) if i is not None
    ]
    if payloads:  # in the same transaction: no row is ever promised without its bytes
        conn.execute(insert(outbox_payloads), payloads)
    return ids


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
    [row] = queue_messages(
        conn, [NewMessage(kind, ref, recipient, subscriber_id, message_id, payload)], now=now
    )
    return row


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


# The statements of the claim/record loop are built once, with bind parameters: building and hashing a
# SQLAlchemy statement per message cost more than running it.
def _param(name: str, column: str) -> BindParameter[Any]:
    return bindparam(name, type_=outbox.c[column].type)


def _claimable(retry_unknown: bool) -> ColumnElement[bool]:
    """Rows that may be leased now (params: b_now, b_max_attempts)."""
    due_retry = and_(outbox.c.state == "deferred", outbox.c.next_attempt_at <= _param("b_now", "updated_at"))
    unknown = (
        and_(outbox.c.state == "unknown", outbox.c.attempts < _param("b_max_attempts", "attempts"))
        if retry_unknown
        else false()
    )
    return or_(outbox.c.state == "queued", due_retry, unknown)


@cache
def _candidates(retry_unknown: bool, by_recipient: bool) -> tuple[Select[Any], ...]:
    """The queries for the next claimable row: fresh rows first, then due retries.

    One query per state, so each walks ix_outbox_state in id order and stops at the first match; an OR of
    the states makes SQLite scan every row of the kind ever queued and sort them, for every claim.
    Params: b_kinds, b_now, b_max_attempts, b_recipient.
    """
    base = (
        select(
            outbox,
            outbox_payloads.c.payload,
            subscribers.c.status.label("sub_status"),
            subscribers.c.reminders.label("sub_reminders"),
        )
        .outerjoin(outbox_payloads, outbox_payloads.c.outbox_id == outbox.c.id)
        .outerjoin(subscribers, subscribers.c.id == outbox.c.subscriber_id)
        .where(outbox.c.kind.in_(bindparam("b_kinds", expanding=True)))
        .order_by(outbox.c.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=outbox)
    )
    if by_recipient:
        base = base.where(outbox.c.recipient == _param("b_recipient", "recipient"))
    queries = [
        base.where(outbox.c.state == "queued"),
        base.where(outbox.c.state == "deferred", outbox.c.next_attempt_at <= _param("b_now", "updated_at")),
    ]
    if retry_unknown:
        queries.append(
            base.where(outbox.c.state == "unknown", outbox.c.attempts < _param("b_max_attempts", "attempts"))
        )
    return tuple(queries)


@cache
def _lease(retry_unknown: bool) -> Update:
    """Lease row b_id if it is still claimable (params: b_owner, b_lease_until, b_now, b_max_attempts)."""
    return (
        update(outbox)
        .where(outbox.c.id == _param("b_id", "id"), _claimable(retry_unknown))
        .values(
            state="sending",
            lease_owner=_param("b_owner", "lease_owner"),
            lease_until=_param("b_lease_until", "lease_until"),
            attempts=outbox.c.attempts + 1,
            last_attempt_at=_param("b_now", "last_attempt_at"),
            updated_at=_param("b_now", "updated_at"),
        )
    )


_SET_FINAL = (  # a row settled at claim time, never attempted (params: b_id, b_state, b_now, b_reply)
    update(outbox)
    .where(outbox.c.id == _param("b_id", "id"))
    .values(
        state=_param("b_state", "state"),
        updated_at=_param("b_now", "updated_at"),
        last_reply=_param("b_reply", "last_reply"),
    )
)


@cache
def _store_outcome(columns: tuple[str, ...]) -> Update:
    """Set `columns` (params: b_<column>) of row b_id, if b_owner still holds its lease.

    Or if the lease expired meanwhile: then a real answer beats `unknown`.
    """
    return (
        update(outbox)
        .where(
            outbox.c.id == _param("b_id", "id"),
            or_(
                outbox.c.lease_owner == _param("b_owner", "lease_owner"),
                and_(outbox.c.state == "unknown", outbox.c.lease_owner.is_(None)),
            ),
        )
        .values({column: _param(f"b_{column}", column) for column in columns})
    )


class Outcome(Protocol):
    """What an attempt ended in (a transport's SendResult): sent | deferred | failed | unknown, and why."""

    @property
    def state(self) -> str: ...

    @property
    def reply(self) -> str: ...


@dataclass(frozen=True)
class Step:
    """What one `record_and_claim` transaction did."""

    recorded: DeliveryState | None  # the final state stored for the previous message, if one was given
    claimed: Claimed | None  # the row to send next; None when nothing is due
    suppressed: list[LedgerRow]  # rows marked `suppressed` on the way


def record_and_claim(
    store: Store,
    done: Claimed | None,
    outcome: Outcome | None,
    *,
    owner: str,
    now: datetime,
    policy: RetryPolicy,
    kinds: Iterable[str],
    recipient: str | None = None,
) -> Step:
    """Store the outcome of `done` (if given) and lease the next due row, in one transaction.

    One commit per message instead of two. Crash safety is unchanged: the transaction either records `done`
    and leases the next row, or does neither, so at most one row is ever `sending` for this owner.
    """
    with store.write() as conn:
        recorded = None
        if done is not None and outcome is not None:
            recorded = _record(conn, done, outcome.state, outcome.reply, owner=owner, now=now, policy=policy)
        claimed, suppressed = _claim(
            conn, owner=owner, now=now, policy=policy, kinds=tuple(kinds), recipient=recipient
        )
    return Step(recorded, claimed, suppressed)


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
    step = record_and_claim(
        store, None, None, owner=owner, now=now, policy=policy, kinds=kinds, recipient=recipient
    )
    return step.claimed, step.suppressed


def _claim(
    conn: Connection,
    *,
    owner: str,
    now: datetime,
    policy: RetryPolicy,
    kinds: tuple[str, ...],
    recipient: str | None,
) -> tuple[Claimed | None, list[LedgerRow]]:
    suppressed: list[LedgerRow] = []
    params = {
        "b_kinds": list(kinds),
        "b_now": now,
        "b_max_attempts": policy.max_attempts,
        "b_recipient": recipient.lower() if recipient is not None else None,
    }
    queries = _candidates(policy.retry_unknown, recipient is not None)
    while True:
        row = next((found for q in queries if (found := conn.execute(q, params).first()) is not None), None)
        if row is None:
            return None, suppressed
        if _suppressed(row):
            reply = "recipient no longer subscribed"
            _settle(conn, row.id, "suppressed", reply, now)
            suppressed.append(replace(_row(row), state="suppressed", last_reply=reply))
            continue
        if row.payload is None:  # only rows from before payloads were required: nothing to send
            reply = f"outbox row {row.id}: no message bytes stored; nothing to send"
            _settle(conn, row.id, "failed", reply, now)
            log.warning("%s %s to %s: %s", row.kind, row.ref, row.recipient, reply)
            continue
        lease = {**params, "b_id": row.id, "b_owner": owner, "b_lease_until": now + policy.lease}
        if not conn.execute(_lease(policy.retry_unknown), lease).rowcount:
            continue  # only possible if another claimer won the row in between; try the next
        return _claimed(row, attempts=row.attempts + 1), suppressed


def _claimed(row: Any, *, attempts: int) -> Claimed:
    return Claimed(
        row.id, row.kind, row.ref, row.recipient, row.message_id, row.payload, attempts, row.subscriber_id
    )


def _settle(conn: Connection, row_id: int, state: DeliveryState, reply: str, now: datetime) -> None:
    conn.execute(_SET_FINAL, {"b_id": row_id, "b_state": state, "b_now": now, "b_reply": reply})


def _suppressed(row: Any) -> bool:
    """Digests and reminders go only to confirmed subscribers (reminders: only with reminders on)."""
    if row.kind not in ("digest", "reminder"):
        return False  # operator alerts: nothing to check against
    if row.sub_status != "confirmed":  # also: the subscriber was erased (no row)
        return True
    return row.kind == "reminder" and not row.sub_reminders


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
    with store.write() as conn:
        return _record(conn, claimed, state, reply, owner=owner, now=now, policy=policy)


def _record(
    conn: Connection,
    claimed: Claimed,
    state: str,
    reply: str,
    *,
    owner: str,
    now: datetime,
    policy: RetryPolicy,
) -> DeliveryState:
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
    _store(conn, claimed, values, owner=owner)
    if state == "failed" and claimed.subscriber_id is not None and PERMANENT_REFUSAL.match(reply):
        _note_refusal(conn, claimed, reply, now=now)
    return final


# Enhanced status codes (RFC 3463) that say the address itself is dead: no such mailbox or domain, bad
# syntax, moved, a domain that takes no mail (null MX), a disabled mailbox.
DEAD_ADDRESS = re.compile(r"^5\d\d[ -]5\.(1\.[1236]|1\.10|2\.1)\b")
PERMANENT_REFUSAL = re.compile(r"^5\d\d\b")  # the server's own 5xx, not a local failure
REFUSALS_IN_A_ROW = 3  # other permanent refusals: only this many in a row, with nothing sent between


def _note_refusal(conn: Connection, claimed: Claimed, reply: str, *, now: datetime) -> None:
    """A permanent refusal: stop mailing an address that is dead, or that refused every recent message."""
    assert claimed.subscriber_id is not None
    if DEAD_ADDRESS.match(reply):
        why = reply
    else:
        recent = conn.scalars(
            select(outbox.c.state)
            .where(outbox.c.subscriber_id == claimed.subscriber_id, outbox.c.state.in_(("sent", "failed")))
            .order_by(outbox.c.updated_at.desc(), outbox.c.id.desc())
            .limit(REFUSALS_IN_A_ROW)
        ).all()
        if recent != ["failed"] * REFUSALS_IN_A_ROW:
            return
        why = f"{REFUSALS_IN_A_ROW} messages in a row refused, the last with: {reply}"
    if mark_bounced(conn, claimed.subscriber_id, now=now):
        log.warning(
            "%s: marked as bounced, no more mail goes there until it subscribes again (%s)",
            claimed.recipient,
            why,
        )


def release_claim(store: Store, claimed: Claimed, reply: str, *, owner: str, now: datetime) -> None:
    """Give a leased row back untried (the mail server could not be reached): queued again, the attempt
    not counted, so an outage does not use up the message's retries."""
    values: dict[str, Any] = {
        "state": "queued",
        "attempts": claimed.attempts - 1,
        "lease_owner": None,
        "lease_until": None,
        "updated_at": now,
        "last_reply": reply,
    }
    with store.write() as conn:
        _store(conn, claimed, values, owner=owner)


def _store(conn: Connection, claimed: Claimed, values: dict[str, Any], *, owner: str) -> None:
    """Write `values` into the claimed row, if `owner` still holds its lease (see `_store_outcome`)."""
    params = {f"b_{column}": value for column, value in values.items()}
    conn.execute(_store_outcome(tuple(sorted(values))), {**params, "b_id": claimed.id, "b_owner": owner})


def list_ledger(conn: Connection, *, kind: str | None = None, ref: str | None = None) -> list[LedgerRow]:
    query = select(outbox).order_by(outbox.c.id)
    if kind is not None:
        query = query.where(outbox.c.kind == kind)
    if ref is not None:
        query = query.where(outbox.c.ref == ref)
    return [_row(r) for r in conn.execute(query)]


def count_by_state(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all())


def count_by_kind_and_state(conn: Connection) -> dict[tuple[str, str], int]:
    rows = conn.execute(
        select(outbox.c.kind, outbox.c.state, func.count()).group_by(outbox.c.kind, outbox.c.state)
    )
    return {(kind, state): count for kind, state, count in rows}


def waiting_retries(conn: Connection, kind: str) -> tuple[int, datetime | None]:
    """Deferred messages of one kind (`digest`, `reminder`) and the earliest next attempt among them."""
    row = conn.execute(
        select(func.count(), func.min(outbox.c.next_attempt_at)).where(
            outbox.c.kind == kind, outbox.c.state == "deferred"
        )
    ).one()
    return row[0], row[1]


FINAL_STATES: tuple[DeliveryState, ...] = ("sent", "failed", "suppressed", "unknown")


def prune_finished(conn: Connection, *, before: datetime) -> int:
    """Forget messages settled before then (housekeeping); how many. Their payloads go with them."""
    settled = outbox.c.state.in_(FINAL_STATES) & (outbox.c.updated_at < before)
    return conn.execute(delete(outbox).where(settled)).rowcount


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
