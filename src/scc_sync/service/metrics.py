"""Prometheus metrics on a registry of our own (never the process-global one, so tests stay independent).

Counters and the sync histogram are updated by the jobs as they run; the delivery ledger and the service's
health are read from the store at scrape time, so they are right even after a restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from scc_sync.store.outbox import count_by_kind_and_state

if TYPE_CHECKING:
    from scc_sync.pipeline.sync import SyncReport
    from scc_sync.store import Store

WAITING_STATES = ("queued", "deferred", "sending")
SYNC_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)


class Metrics:
    def __init__(self, store: Store | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.sync_duration = Histogram(
            "scc_sync_sync_duration_seconds",
            "Duration of a whole sync run.",
            buckets=SYNC_BUCKETS,
            registry=self.registry,
        )
        self.items = Counter(
            "scc_sync_items",
            "Items stored by syncs, by change (new, updated).",
            ["change"],
            registry=self.registry,
        )
        self.fetch_errors = Counter(
            "scc_sync_fetch_errors",
            "Failed fetches of a source's feed or page.",
            ["source"],
            registry=self.registry,
        )
        self.job_failures = Counter(
            "scc_sync_job_failures", "Scheduled jobs that raised an error.", ["job"], registry=self.registry
        )
        if store is not None:
            self.registry.register(StoreCollector(store))

    def observe_sync(self, report: SyncReport, seconds: float) -> None:
        self.sync_duration.observe(seconds)
        self.items.labels(change="new").inc(sum(s.new for s in report.sources))
        self.items.labels(change="updated").inc(sum(s.updated for s in report.sources))
        for source in report.failed:
            self.fetch_errors.labels(source=source.name).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class StoreCollector(Collector):
    """Mails by state and the queue depth, counted in the delivery ledger when Prometheus scrapes."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def describe(self) -> list[Metric]:
        return []  # values come from the database: do not query it at registration time

    def collect(self) -> Iterator[Metric]:
        mails = GaugeMetricFamily(
            "scc_sync_mails", "Messages in the delivery ledger, by kind and state.", labels=["kind", "state"]
        )
        depth = GaugeMetricFamily(
            "scc_sync_queue_depth", "Messages waiting to be sent (queued, deferred, sending)."
        )
        with self.store.read() as conn:
            counts = count_by_kind_and_state(conn)
        waiting = 0
        for (kind, state), count in counts.items():
            mails.add_metric([kind, state], count)
            waiting += count if state in WAITING_STATES else 0
        depth.add_metric([], waiting)
        yield mails
        yield depth
