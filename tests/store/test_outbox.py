"""The delivery ledger on SQLite and PostgreSQL: queueing once, leases, retries, suppression, two workers."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from scc_sync.config import parse_config
from scc_sync.newsletter.transports import SendResult, SmtpTransport
from scc_sync.pipeline.deliver import DeliveryReport, deliver
from scc_sync.pipeline.housekeeping import run_housekeeping
from scc_sync.pipeline.runs import lock_owner
from scc_sync.store import Store
from scc_sync.store.outbox import (
    NewMessage,
    RetryPolicy,
    claim_next,
    expire_stale,
    list_ledger,
    queue_message,
    queue_messages,
    record_and_claim,
    record_result,
)
from scc_sync.store.schema import outbox_payloads
from scc_sync.store.subscribers import add_subscriber, unsubscribe
from tests.pipeline.helpers import parse

T0 = datetime(2021, 10, 19, 8, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=3, retry_after=timedelta(minutes=5), lease=timedelta(minutes=5))


def raw_message(n: int, to: str) -> bytes:
    return (
        f"From: news@example.org\r\nTo: {to}\r\nSubject: Nachricht {n}\r\n"
        f"Message-ID: <m{n}@example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n\r\nHallo\r\n'
    ).encode()


def queue(store: Store, n: int, *, kind: str = "digest", status: str = "confirmed") -> list[int]:
    ids = []
    with store.write() as conn:
        for i in range(n):
            to = f"user{i}@example.org"
            sub = add_subscriber(conn, to, now=T0, origin="cli", status=status)
            ids.append(
                queue_message(
                    conn,
                    kind=kind,
                    ref="daily:2021-10-18",
                    recipient=to,
                    subscriber_id=sub.id,
                    message_id=f"<m{i}@example.org>",
                    payload=raw_message(i, to),
                    now=T0,
                )
            )
    return ids


def test_a_message_is_queued_once_per_kind_ref_recipient(store: Store) -> None:
    [row] = queue(store, 1)
    with store.write() as conn:
        again = queue_message(
            conn,
            kind="digest",
            ref="daily:2021-10-18",
            recipient="USER0@example.org",
            subscriber_id=None,
            message_id="<x@y>",
            payload=b"",
            now=T0,
        )
        other_ref = queue_message(
            conn,
            kind="digest",
            ref="daily:2021-10-19",
            recipient="user0@example.org",
            subscriber_id=None,
            message_id="<x@y>",
            payload=b"",
            now=T0,
        )
    assert row is not None and again is None and other_ref is not None


def test_a_claimed_row_is_leased_to_one_worker(store: Store) -> None:
    queue(store, 1)
    first, _ = claim_next(store, owner="a", now=T0, wall=T0, policy=POLICY, kinds=["digest"])
    second, _ = claim_next(store, owner="b", now=T0, wall=T0, policy=POLICY, kinds=["digest"])
    assert first is not None and first.attempts == 1 and second is None
    assert record_result(store, first, "sent", "250 ok", owner="a", now=T0, policy=POLICY) == "sent"
    with store.read() as conn:
        [row] = list_ledger(conn)
    assert (row.state, row.last_reply, row.sent_at) == ("sent", "250 ok", T0)


def test_4xx_backs_off_exponentially_then_fails(store: Store) -> None:
    queue(store, 1)
    now = T0
    for attempt, delay in ((1, 5), (2, 10)):
        claimed, _ = claim_next(store, owner="a", now=now, wall=T0, policy=POLICY, kinds=["digest"])
        assert claimed.attempts == attempt
        assert (
            record_result(store, claimed, "deferred", "451 later", owner="a", now=now, policy=POLICY)
            == "deferred"
        )
        with store.read() as conn:
            assert list_ledger(conn)[0].next_attempt_at == now + timedelta(minutes=delay)
        assert (
            claim_next(
                store,
                owner="a",
                now=now + timedelta(minutes=delay - 1),
                wall=T0,
                policy=POLICY,
                kinds=["digest"],
            )[0]
            is None
        )
        now += timedelta(minutes=delay)
    claimed, _ = claim_next(store, owner="a", now=now, wall=T0, policy=POLICY, kinds=["digest"])
    assert (
        record_result(store, claimed, "deferred", "451 later", owner="a", now=now, policy=POLICY) == "failed"
    )
    with store.read() as conn:
        [row] = list_ledger(conn)
    assert row.state == "failed" and row.attempts == 3 and "gave up after 3 attempts" in row.last_reply


def test_a_row_left_sending_becomes_unknown_and_is_only_resent_when_allowed(store: Store) -> None:
    queue(store, 1)
    claimed, _ = claim_next(store, owner="dead", now=T0, wall=T0, policy=POLICY, kinds=["digest"])
    with store.write() as conn:
        assert expire_stale(conn, wall=T0 + timedelta(minutes=4)) == []  # lease still running
        [stale] = expire_stale(conn, wall=T0 + timedelta(minutes=5))
    assert stale.id == claimed.id
    later = T0 + timedelta(hours=1)
    assert claim_next(store, owner="a", now=later, wall=T0, policy=POLICY, kinds=["digest"])[0] is None
    at_least_once = RetryPolicy(max_attempts=3, retry_unknown=True)
    again, _ = claim_next(store, owner="a", now=later, wall=T0, policy=at_least_once, kinds=["digest"])
    assert again.id == claimed.id and again.message_id == claimed.message_id and again.attempts == 2


def test_a_row_of_a_dead_process_on_this_host_is_unknown_at_once_not_after_its_lease(store: Store) -> None:
    """Row leases are owned like job leases ("host:pid:run", plus the send loop's number): a process on this
    host that is gone is recognised by its pid; another host's, or a live one's, only by the lease."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(gone.stdout)  # that process has exited: its pid names no one (or someone else later)
    here = socket.gethostname()
    owners = {
        "dead": f"{here}:{dead_pid}:0123abcd:1",
        "alive": f"{lock_owner()}:7",  # this very process, another send loop
        "elsewhere": f"other-host.example:{dead_pid}:0123abcd:1",
        "confirmation": f"{here}:{dead_pid}:0123abcd",  # a sign-up's confirmation is sent without a number
    }
    queue(store, len(owners))
    for owner in owners.values():
        claim_next(store, owner=owner, now=T0, wall=T0, policy=POLICY, kinds=["digest"])
    with store.write() as conn:
        stale = expire_stale(conn, wall=T0 + timedelta(minutes=1))  # every lease still runs
    assert [row.recipient for row in stale] == ["user0@example.org", "user3@example.org"]
    with store.read() as conn:
        rows = list_ledger(conn)
    assert [r.state for r in rows] == ["unknown", "sending", "sending", "unknown"]
    assert rows[0].last_reply == (
        f"the sending process stopped mid-attempt (process {dead_pid} on this host is gone); outcome unknown"
    )
    with store.write() as conn:
        late = expire_stale(conn, wall=T0 + POLICY.lease)  # the others' once their leases are over
    assert [row.recipient for row in late] == ["user1@example.org", "user2@example.org"]


def test_unsubscribing_after_queueing_suppresses_at_send_time(store: Store) -> None:
    queue(store, 2)
    with store.write() as conn:
        unsubscribe(conn, 1, now=T0)
    claimed, suppressed = claim_next(store, owner="a", now=T0, wall=T0, policy=POLICY, kinds=["digest"])
    assert [r.recipient for r in suppressed] == ["user0@example.org"]
    assert claimed.recipient == "user1@example.org"
    with store.read() as conn:
        assert [r.state for r in list_ledger(conn)] == ["suppressed", "sending"]


def test_two_workers_never_send_the_same_row(store: Store, smtp_server) -> None:
    n = 40
    queue(store, n)
    reports = [DeliveryReport("digest"), DeliveryReport("digest")]
    start = threading.Barrier(2)

    def worker(report: DeliveryReport) -> None:
        with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=10) as transport:
            start.wait()
            deliver(
                store, transport, owner="w", now=lambda: T0, policy=POLICY, kinds=["digest"], report=report
            )

    threads = [threading.Thread(target=worker, args=(r,)) for r in reports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [parse(m.data)["Message-ID"] for m in smtp_server.handler.messages]
    assert len(ids) == n and len(set(ids)) == n
    assert reports[0].sent + reports[1].sent == n
    with store.read() as conn:
        assert {r.state for r in list_ledger(conn)} == {"sent"}


def states(store: Store) -> list[str]:
    with store.read() as conn:
        return [r.state for r in list_ledger(conn)]


def step(store: Store, done, outcome: SendResult | None, *, now: datetime = T0):
    """One record-and-claim transaction of worker "a" (its lease on the wall clock T0)."""
    return record_and_claim(
        store, done, outcome, owner="a", now=now, wall=T0, policy=POLICY, kinds=["digest"]
    )


def test_recording_one_outcome_and_claiming_the_next_share_one_transaction(store: Store) -> None:
    queue(store, 3)
    first = step(store, None, None)
    assert first.recorded is None and first.claimed is not None and states(store)[0] == "sending"
    second = step(store, first.claimed, SendResult("deferred", "451 later"))
    assert second.recorded == "deferred" and second.claimed.id != first.claimed.id
    assert states(store) == ["deferred", "sending", "queued"]  # never two rows `sending`
    third = step(store, second.claimed, SendResult("sent", "250 ok"))
    assert third.recorded == "sent" and states(store) == ["deferred", "sent", "sending"]
    # fresh rows go first; the deferred one is claimed again once it is due and nothing fresh is left
    last = step(store, third.claimed, SendResult("sent", "250 ok"), now=T0 + timedelta(minutes=5))
    assert last.claimed.id == first.claimed.id and last.claimed.attempts == 2
    assert states(store) == ["sending", "sent", "sent"]


def test_a_crash_between_record_and_claim_loses_both_never_one(store: Store) -> None:
    """The database refuses the lease (a trigger, standing in for a crash mid-transaction): the outcome of
    the previous message is rolled back with it, so the row stays `sending`, then turns `unknown`."""
    queue(store, 2)
    claimed, _ = claim_next(store, owner="a", now=T0, wall=T0, policy=POLICY, kinds=["digest"])
    with store.write() as conn:
        _refuse_leases(conn)
    with pytest.raises(DBAPIError, match="no more leases"):
        step(store, claimed, SendResult("sent", "250 ok"))
    assert states(store) == ["sending", "queued"]
    with store.write() as conn:
        [stale] = expire_stale(conn, wall=T0 + POLICY.lease)
    assert stale.id == claimed.id and states(store) == ["unknown", "queued"]


def _refuse_leases(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE UPDATE ON outbox WHEN NEW.state = 'sending' "
            "BEGIN SELECT RAISE(ABORT, 'no more leases'); END"
        )
        return
    conn.exec_driver_sql(
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
        "IF NEW.state = 'sending' THEN RAISE EXCEPTION 'no more leases'; END IF; RETURN NEW; END $$ "
        "LANGUAGE plpgsql"
    )
    conn.exec_driver_sql(
        "CREATE TRIGGER refuse BEFORE UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION refuse()"
    )


def test_queueing_a_batch_returns_each_new_id_in_order_and_none_for_repeats(store: Store) -> None:
    def new(to: str) -> NewMessage:
        return NewMessage("digest", "weekly:2021-W42", to, None, f"<{to}>", raw_message(0, to))

    with store.write() as conn:
        first = queue_messages(conn, [new("b@example.org"), new("a@example.org")], now=T0)
        again = queue_messages(
            conn,
            [new("c@example.org"), new("A@example.org"), new("c@example.org"), new("d@example.org")],
            now=T0,
        )
    assert None not in first and first[0] < first[1]
    assert again[1] is None and again[2] is None and len({again[0], again[3], *first}) == 4
    with store.read() as conn:
        by_id = {r.id: r.recipient for r in list_ledger(conn)}
    assert [by_id[i] for i in first] == ["b@example.org", "a@example.org"]
    assert (by_id[again[0]], by_id[again[3]]) == ("c@example.org", "d@example.org")


def test_housekeeping_prunes_the_bytes_of_pruned_rows(store: Store) -> None:
    sent, waiting = queue(store, 2)
    claimed, _ = claim_next(store, owner="a", now=T0, wall=T0, policy=POLICY, kinds=["digest"])
    assert claimed is not None and claimed.id == sent
    assert claimed.payload == raw_message(0, "user0@example.org")
    record_result(store, claimed, "sent", "250 ok", owner="a", now=T0, policy=POLICY)
    config = parse_config({"state": {"retention_days": 30}})
    assert run_housekeeping(config, store, now=lambda: T0 + timedelta(days=31))["mails"] == 1
    with store.read() as conn:
        assert conn.execute(select(outbox_payloads.c.outbox_id)).scalars().all() == [waiting]
