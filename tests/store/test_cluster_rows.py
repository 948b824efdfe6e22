"""`cluster_workers`: who works, who fell silent, who is forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scc_sync.store import Store
from scc_sync.store.cluster import (
    beat_worker,
    forget_workers,
    give_up_silent,
    list_workers,
    register_worker,
    start_task,
    stop_worker,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_a_silent_worker_is_given_up_once_with_the_run_it_was_in(store: Store) -> None:
    with store.write() as conn:
        for name in ("a", "b"):
            register_worker(conn, f"h:{name}", host="h", pid=1, listen=None, now=T0)
        start_task(conn, "h:b", "send digest", "run-b")
        beat_worker(conn, "h:a", now=T0 + timedelta(seconds=40))
        lost = give_up_silent(conn, silent_since=T0 + timedelta(seconds=30), now=T0 + timedelta(seconds=40))
        again = give_up_silent(conn, silent_since=T0 + timedelta(seconds=30), now=T0 + timedelta(seconds=41))
    assert [(w.id, w.task, w.run_id) for w in lost] == [("h:b", "send digest", "run-b")]
    assert again == []
    with store.write() as conn:
        assert beat_worker(conn, "h:b", now=T0 + timedelta(seconds=50))  # it was lost, and says so
        assert {w.id: w.state for w in list_workers(conn, since=T0)} == {"h:a": "working", "h:b": "working"}


def test_stopped_workers_are_listed_for_a_while_then_forgotten(store: Store) -> None:
    with store.write() as conn:
        register_worker(conn, "h:1", host="h", pid=1, listen="127.0.0.1:9100", now=T0)
        stop_worker(conn, "h:1", now=T0 + timedelta(hours=1))
        assert [w.state for w in list_workers(conn, since=T0)] == ["stopped"]
        assert list_workers(conn, since=T0 + timedelta(days=1)) == []
        assert forget_workers(conn, before=T0) == 0
        assert forget_workers(conn, before=T0 + timedelta(days=2)) == 1
