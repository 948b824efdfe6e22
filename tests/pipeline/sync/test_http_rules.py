"""Sync as a good web citizen: conditional GET, redirects, 410, Retry-After, back-off, concurrency."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from httpserver import LocalServer, Reply, Request, conditional, ignores_validators, redirect, retry_after
from scc_sync.fetch.robots import RobotsCache
from scc_sync.pipeline.sync import Tools, _known, _parse_here, harvest_source
from scc_sync.store import Store
from scc_sync.store.items import list_items
from scc_sync.store.sources import source_health
from tests.pipeline.sync.conftest import T0, Entry, config, feed, rss, run, state

FEED = rss(
    Entry("Erste Meldung", "https://example.org/a", "a", published=T0 - timedelta(days=1)),
    Entry("Zweite Meldung", "https://example.org/b", "b", published=T0 - timedelta(days=2)),
)


def test_second_sync_is_conditional_and_stores_nothing(http_server, store: Store, client, clock) -> None:
    url = http_server.route("/feed", conditional(FEED, etag='"v1"'))
    cfg = config(feed("f", url))
    first = run(cfg, store, client, clock)
    assert (first.sources[0].status, first.sources[0].new) == ("ok", 2)
    with store.read() as conn:
        before = list_items(conn)
    clock.advance(hours=1)
    second = run(cfg, store, client, clock)
    sent = http_server.last_request("/feed").headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == "Mon, 02 Nov 2020 10:00:00 GMT"
    [again] = second.sources
    assert (again.status, again.new, again.updated) == ("not_modified", 0, 0)
    with store.read() as conn:
        assert list_items(conn) == before
    assert state(store, "f").last_success == clock.now and state(store, "f").last_status == 304


def test_server_ignoring_validators_with_same_bytes_is_not_reprocessed(
    http_server, store: Store, client, clock
) -> None:
    url = http_server.route("/feed", ignores_validators(FEED))
    cfg = config(feed("f", url))
    run(cfg, store, client, clock)
    assert http_server.last_request("/feed").headers.get("if-none-match") is None
    clock.advance(hours=1)
    report = run(cfg, store, client, clock)
    assert http_server.last_request("/feed").headers["if-none-match"] == '"always"'
    assert report.sources[0].status == "not_modified"
    # Below the report: the harvest of an identical 200 carries no parsed items at all.
    robots = RobotsCache(client)
    tools = Tools(client, robots, None, _parse_here, clock.now)  # type: ignore[arg-type]
    harvest = harvest_source(tools, cfg.sources[0], state(store, "f"), _known(store, cfg.sources[0]))
    assert harvest.unchanged and harvest.result.status == 200 and harvest.items == []
    # Different bytes are processed again.
    http_server.route("/feed", ignores_validators(FEED.replace(b"Erste", b"Allererste")))
    assert run(cfg, store, client, clock).sources[0].updated == 1


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_is_adopted_after_three_syncs(
    status: int, http_server, store: Store, client, clock, caplog
) -> None:
    old = http_server.route("/old", redirect("/new", status))
    new = http_server.route("/new", conditional(FEED))
    cfg = config(feed("f", old))
    caplog.set_level(logging.INFO, logger="scc_sync.pipeline.sync")
    for sync_number in (1, 2):
        run(cfg, store, client, clock)
        assert state(store, "f").fetch_url == old, f"adopted after {sync_number} sync(s)"
        assert state(store, "f").redirect_seen == sync_number
    run(cfg, store, client, clock)
    assert state(store, "f").fetch_url == new
    assert f"moved permanently to {new} (seen on 3 syncs in a row)" in caplog.text
    hits = http_server.hits("/old")
    run(cfg, store, client, clock)
    assert http_server.hits("/old") == hits == 3
    assert http_server.last_request("/new").headers["if-none-match"] == '"v1"'


@pytest.mark.parametrize("status", [302, 307])
def test_temporary_redirect_is_never_adopted(status: int, http_server, store: Store, client, clock) -> None:
    old = http_server.route("/old", redirect("/new", status))
    http_server.route("/new", conditional(FEED))
    cfg = config(feed("f", old))
    for _ in range(4):
        assert not run(cfg, store, client, clock).failed
    assert state(store, "f").fetch_url == old and state(store, "f").redirect_seen == 0
    assert http_server.hits("/old") == 4


def test_interrupted_permanent_redirect_starts_counting_again(
    http_server, store: Store, client, clock
) -> None:
    old = http_server.route("/old", redirect("/new", 301))
    http_server.route("/new", conditional(FEED))
    cfg = config(feed("f", old))
    run(cfg, store, client, clock)
    run(cfg, store, client, clock)
    http_server.route("/old", conditional(FEED))  # the move was undone
    run(cfg, store, client, clock)
    http_server.route("/old", redirect("/new", 301))
    run(cfg, store, client, clock)
    assert state(store, "f").fetch_url == old and state(store, "f").redirect_seen == 1


def test_410_marks_gone_and_stops_polling(http_server, store: Store, client, clock) -> None:
    url = http_server.route("/feed", Reply(410, b"gone"))
    cfg = config(feed("f", url))
    report = run(cfg, store, client, clock)
    assert report.sources[0].status == "gone" and "410 Gone" in (report.sources[0].error or "")
    [health] = _health(store)
    assert health["gone"] and health["next_due"] is None and "410" in health["last_error"]
    clock.advance(days=2)
    scheduled = run(cfg, store, client, clock, respect_schedule=True)
    by_hand = run(cfg, store, client, clock)
    assert http_server.hits("/feed") == 1
    assert scheduled.sources[0].status == by_hand.sources[0].status == "gone"
    assert by_hand.failed  # the command exits 1 until the config is fixed
    # Named explicitly, it is tried again; if it is back, it is healthy again.
    http_server.route("/feed", conditional(FEED))
    assert run(cfg, store, client, clock, only=["f"]).sources[0].status == "ok"
    assert not state(store, "f").gone and state(store, "f").next_due is not None


def test_changed_url_in_config_revives_a_gone_source(http_server, store: Store, client, clock) -> None:
    run(config(feed("f", http_server.route("/feed", Reply(410)))), store, client, clock)
    moved = config(feed("f", http_server.route("/feed2", conditional(FEED))))
    assert run(moved, store, client, clock).sources[0].new == 2


@pytest.mark.parametrize(
    ("reply", "wait"),
    [
        (retry_after("7200", 429), timedelta(hours=2)),
        (retry_after("Tue, 19 Oct 2021 11:00:00 GMT", 503), timedelta(hours=3)),
    ],
)
def test_retry_after_sets_next_due(
    reply: Reply, wait: timedelta, http_server, store: Store, client, clock
) -> None:
    url = http_server.route("/feed", reply)
    report = run(config(feed("f", url)), store, client, clock)
    assert report.sources[0].status == "failed"
    assert state(store, "f").next_due == clock.now + wait  # far above the first back-off step (5 min)


def test_retry_after_is_capped_by_max_backoff(http_server, store: Store, client, clock) -> None:
    url = http_server.route("/feed", retry_after(str(90 * 86400)))
    run(config(feed("f", url), sync={"max_backoff": "6h"}), store, client, clock)
    assert state(store, "f").next_due == clock.now + timedelta(hours=6)


def test_failing_source_backs_off_exponentially_up_to_the_cap(
    http_server, store: Store, client, clock
) -> None:
    url = http_server.route("/feed", Reply(500, b"oops"))
    cfg = config(feed("f", url), sync={"max_backoff": "2h"})
    delays = []
    for failures in range(1, 9):
        run(cfg, store, client, clock, respect_schedule=True)
        current = state(store, "f")
        assert current.failures == failures and current.next_due is not None
        delay = current.next_due - clock.now
        expected = min(timedelta(minutes=5) * 2 ** (failures - 1), timedelta(hours=2))
        assert expected / 2 <= delay <= expected  # jitter takes off at most half
        delays.append(delay)
        clock.now = current.next_due  # the scheduler comes back exactly when due
    assert http_server.hits("/feed") == 8
    assert max(delays) <= timedelta(hours=2) and delays[-1] >= timedelta(hours=1)
    [health] = _health(store)
    assert health["failures"] == 8 and health["next_due"] is not None and health["last_status"] == 500
    assert "HTTP 500" in health["last_error"]
    # Not due yet: a scheduled sync leaves it alone; success resets everything.
    run(cfg, store, client, clock, respect_schedule=True)
    clock.advance(seconds=1)
    assert run(cfg, store, client, clock, respect_schedule=True).sources[0].status == "skipped"
    http_server.route("/feed", conditional(FEED))
    run(cfg, store, client, clock)
    assert state(store, "f").failures == 0 and state(store, "f").last_error is None


def test_pool_and_per_host_limits_and_one_writer(store: Store, client, clock) -> None:
    active: dict[str, int] = {"all": 0}
    peak: dict[str, int] = {}
    started = [0]
    changed = threading.Condition()

    def slow(host: str):
        def handle(request: Request) -> Reply:
            with changed:
                started[0] += 1
                active[host] = active.get(host, 0) + 1
                active["all"] += 1
                for key in (host, "all"):
                    peak[key] = max(peak.get(key, 0), active[key])
                changed.notify_all()
                # Hold the answer until the pool is as wide as it may be (or nothing else is coming),
                # so the peak does not depend on how fast this machine starts threads.
                changed.wait_for(lambda: active["all"] >= 3 or started[0] == 10, timeout=0.5)
            with changed:
                active[host] -= 1
                active["all"] -= 1
            return Reply(200, FEED.replace(b"Meldung", request.path.encode()), "application/rss+xml")

        return handle

    writers: set[str] = set()

    @event.listens_for(store.engine, "before_cursor_execute")
    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writers.add(threading.current_thread().name)

    with LocalServer("127.0.0.1") as a, LocalServer("127.0.0.2") as b:
        sources = [
            feed(f"{s.base_url}-{i}", s.route(f"/f{i}", slow(s.base_url))) for i in range(5) for s in (a, b)
        ]
        report = run(config(*sources, http={"concurrency": 3}), store, client, clock)
    assert not report.failed and sum(s.new for s in report.sources) == 20
    assert peak["all"] == 3  # the pool ran in parallel, never wider than [http] concurrency
    assert max(peak[a.base_url], peak[b.base_url]) <= 2  # per_host
    assert writers == {threading.current_thread().name}


def _health(store: Store) -> list[dict]:
    with store.read() as conn:
        return source_health(conn)
