"""The job lease (short, renewed, dead holders taken over), crawl-delay pacing and back-off bounds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from httpserver import Reply, wait_until
from scc_sync.fetch.robots import HostPacer, RobotsCache
from scc_sync.logs import RUN_ID
from scc_sync.pipeline.runs import job, lock_owner
from scc_sync.store import Store
from scc_sync.store.locks import LEASE_TTL, LockBusy, acquire, hold, holder_is_dead
from scc_sync.store.schema import job_runs, locks
from scc_sync.store.sources import backoff_delay
from tests.pipeline.sync.conftest import T0, Clock


def dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(finished.stdout)


def test_holder_is_dead_only_for_a_gone_process_on_this_host() -> None:
    host = socket.gethostname()
    assert holder_is_dead(f"{host}:{dead_pid()}:abc")
    assert not holder_is_dead(f"{host}:{os.getppid()}:abc")  # alive
    assert not holder_is_dead(f"other-host:{dead_pid()}:abc")  # cannot tell: wait for expiry
    assert not holder_is_dead(lock_owner())  # ourselves
    assert holder_is_dead(f"{host}:{os.getpid()}:earlier-life")
    assert not holder_is_dead("garbage")


def test_dead_holder_is_taken_over_and_its_run_closed(store: Store, clock: Clock) -> None:
    dead = f"{socket.gethostname()}:{dead_pid()}:deadbeef"
    acquire(store, "sync", dead, now=clock.now.replace(year=2999), ttl=timedelta(hours=1))
    with store.write() as conn:
        conn.execute(insert(job_runs).values(run_id="deadbeef", job="sync", started_at=T0, status="running"))
    with job(store, "sync", now=clock) as detail:
        detail["new"] = 0
        with store.read() as conn:
            assert conn.scalar(select(locks.c.owner)) == lock_owner()
    with store.read() as conn:
        assert [r.status for r in conn.execute(select(job_runs).order_by(job_runs.c.id))] == [
            "abandoned",
            "ok",
        ]
        assert conn.scalar(select(locks.c.owner)) is None  # released


def test_live_holder_elsewhere_blocks_until_its_lease_expires(store: Store) -> None:
    acquire(store, "sync", "other-host:1:run", now=T0.replace(year=2999), ttl=timedelta(minutes=2))
    with pytest.raises(LockBusy, match="held by other-host:1:run"), hold(store, "sync", lock_owner()):
        pass
    with store.write() as conn:  # the other host died: its lease runs out
        conn.execute(locks.update().values(expires_at=T0))
    with hold(store, "sync", lock_owner()), store.read() as conn:
        assert conn.scalar(select(locks.c.owner)).endswith(RUN_ID)


def test_lease_is_short_and_renewed_while_held(store: Store) -> None:
    assert timedelta(minutes=5) >= LEASE_TTL

    def expires() -> datetime:
        with store.read() as conn:
            return conn.scalar(select(locks.c.expires_at))

    with hold(store, "sync", lock_owner(), renew_every=timedelta(milliseconds=20)):
        first = expires()
        assert wait_until(lambda: expires() > first)


def test_crawl_delay_spaces_requests_per_host(http_server, client) -> None:
    http_server.route("/robots.txt", Reply(200, b"User-agent: *\nCrawl-delay: 4\n"))
    now, slept = [100.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = HostPacer(RobotsCache(client), clock=lambda: now[0], sleep=sleep)
    waits = [pacer.wait(http_server.url(f"/a{n}")) for n in range(3)]
    assert waits == [0.0, 4.0, 4.0] and slept == [4.0, 4.0]
    capped = HostPacer(RobotsCache(client), max_delay=1.0, clock=lambda: now[0], sleep=sleep)
    assert [capped.wait(http_server.url("/x")) for _ in range(2)] == [0.0, 1.0]
    other = http_server.url("/y").replace("127.0.0.1", "localhost")  # another host, no robots.txt rules
    assert pacer.wait(other) == 0.0


def test_backoff_never_overflows_and_never_exceeds_the_cap() -> None:
    cap = timedelta(hours=24)
    for failures in (1, 10, 60, 10_000):
        delay = backoff_delay(failures, base=timedelta(minutes=5), cap=cap, jitter=1.0)
        assert timedelta(minutes=5) <= delay <= cap
    assert backoff_delay(10_000, base=timedelta(minutes=5), cap=cap, jitter=0.0) == cap / 2
