"""/metrics and /healthz on a real waitress listener; Prometheus metrics from jobs and from the ledger."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from scc_sync.pipeline.sync import SourceReport, SyncReport
from scc_sync.service.listener import WebServer, wsgi_app
from scc_sync.service.metrics import Metrics
from scc_sync.store import Store
from scc_sync.store.schema import outbox

NOW = datetime(2021, 10, 19, 8, 0, tzinfo=UTC)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


def test_metrics_from_syncs_and_the_delivery_ledger(store: Store) -> None:
    metrics = Metrics(store)
    report = SyncReport(
        [
            SourceReport("a", "ok", new=3, updated=1),
            SourceReport("b", "failed", error="HTTP 500"),
            SourceReport("c", "not_modified"),
        ]
    )
    metrics.observe_sync(report, 2.5)
    metrics.observe_sync(SyncReport([SourceReport("b", "failed", error="timeout")]), 0.5)
    with store.write() as conn:
        for n, state in enumerate(["sent", "sent", "queued", "deferred", "failed"]):
            conn.execute(
                insert(outbox).values(
                    kind="digest",
                    ref="1",
                    recipient=f"r{n}@x.example",
                    message_id=f"<{n}@x>",
                    state=state,
                    attempts=0,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    got = samples(metrics.render())
    assert got[("scc_sync_sync_duration_seconds_count", ())] == 2
    assert got[("scc_sync_sync_duration_seconds_sum", ())] == 3.0
    assert got[("scc_sync_items_total", (("change", "new"),))] == 3
    assert got[("scc_sync_items_total", (("change", "updated"),))] == 1
    assert got[("scc_sync_fetch_errors_total", (("source", "b"),))] == 2
    assert ("scc_sync_fetch_errors_total", (("source", "a"),)) not in got
    assert got[("scc_sync_mails", (("kind", "digest"), ("state", "sent")))] == 2
    assert got[("scc_sync_mails", (("kind", "digest"), ("state", "failed")))] == 1
    assert got[("scc_sync_queue_depth", ())] == 2  # queued + deferred


def test_listener_serves_metrics_and_mounts_the_pages(store: Store) -> None:
    def subscriber_pages(environ, start_response):  # stands in for the subscriber pages
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"pages at {environ['PATH_INFO']}".encode()]

    server = WebServer(wsgi_app(store, subscriber_pages, metrics=Metrics(store)), "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.port}"
    try:
        status, body = get(f"{base}/metrics")
        assert status == 200 and b"scc_sync_queue_depth 0.0" in body
        assert get(f"{base}/subscribe?x=1") == (200, b"pages at /subscribe")
        # One /healthz, the pages' own (as under `scc-sync web`): the listener does not answer it itself.
        assert get(f"{base}/healthz") == (200, b"pages at /healthz")
    finally:
        server.close()
    assert not server._thread.is_alive()
    try:
        urllib.request.urlopen(f"{base}/metrics", timeout=2)
        raise AssertionError("the listener still answers after close()")
    except urllib.error.URLError:
        pass


def test_without_another_app_unknown_paths_are_404(store: Store) -> None:
    server = WebServer(wsgi_app(store), "127.0.0.1", 0)
    try:
        assert get(f"http://127.0.0.1:{server.port}/nothing")[0] == 404
    finally:
        server.close()
