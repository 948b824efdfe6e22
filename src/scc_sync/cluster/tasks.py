"""The cluster's tasks: thin wrappers that call the pipeline's job functions, and the queue they live in.

| task | does | lock (never two at once) |
| --- | --- | --- |
| `tick` | once a minute for the cluster: defers the jobs the schedule says are due (`schedule`) | `tick` |
| `sync_round` | defers one `sync_source` per source that is due | `sync_round` |
| `sync_source` | `run_sync` of one source; a failing one defers `alerts` | `source:NAME` |
| `digest`, `remind` | queue a mailing; each batch queued becomes a `send` task | `digest`, `remind` |
| `send` | `deliver` up to `[cluster] batch` messages, over this worker's own connection | – |
| `alerts`, `housekeeping` | as in `scc-sync run` | their name |

A queueing lock keeps each of them (but `send`) from being queued twice while one waits. Every run is
recorded in `job_runs` as the service's are, and `cluster_workers` says which worker runs what.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from prometheus_client import Counter

from scc_sync.clock import Clock
from scc_sync.config import Config
from scc_sync.effects import Effects
from scc_sync.errors import BusyError
from scc_sync.logs import job_context
from scc_sync.newsletter.transports import Limiter
from scc_sync.pipeline.alerts import send_alerts
from scc_sync.pipeline.deliver import QUEUED, DeliveryReport, deliver, retry_policy
from scc_sync.pipeline.digest import digest_steps
from scc_sync.pipeline.housekeeping import run_housekeeping
from scc_sync.pipeline.remind import reminder_steps
from scc_sync.pipeline.runs import job, lock_owner
from scc_sync.pipeline.sync import due_sources, run_sync
from scc_sync.service.metrics import Metrics
from scc_sync.store import Store
from scc_sync.store.cluster import finish_task, start_task
from scc_sync.store.engine import libpq_url
from scc_sync.store.meta import LAST_FIRED, NEXT_RUNS, get_meta, put_meta
from scc_sync.store.outbox import count_by_kind_and_state

from . import schedule

log = logging.getLogger(__name__)

SCHEDULE_KEY = "cluster.schedule"
TICK_CRON = "* * * * *"  # the queue defers it once a minute for the whole cluster
RETRY_KINDS = ("digest", "reminder")
# The schedule's jobs (`service.scheduler.job_specs`) and the task each becomes.
SCHEDULED = {
    "sync": ("sync_round", {}),
    "digest": ("digest", {}),
    "remind": ("remind", {}),
    "retry": ("send", {"kinds": list(RETRY_KINDS)}),
    "housekeeping": ("housekeeping", {}),
}


@dataclass
class Runtime:
    """What every task of one worker process shares."""

    config: Config
    store: Store
    effects: Effects
    worker_id: str  # this worker's row in cluster_workers
    metrics: Metrics
    limiter: Limiter | None = None  # the cluster's shared sending pace, when [delivery] max_per_second is set

    @property
    def clock(self) -> Clock:
        return self.effects.clock


def queue_app(database_url: str) -> App:
    """The queue on the state database, without tasks: enough to defer by name or to read its state."""
    return App(connector=PsycopgConnector(conninfo=libpq_url(database_url), min_size=1, max_size=4))


def worker_app(runtime: Runtime) -> App:
    """The queue with this worker's tasks registered."""
    app = queue_app(runtime.config.state.url)
    Tasks(app, runtime).register()
    return app


class Tasks:
    """The tasks of one worker process, registered in its queue app, with its per-worker counters."""

    def __init__(self, app: App, runtime: Runtime) -> None:
        self.app, self.rt = app, runtime
        self.finished = Counter(
            "scc_sync_cluster_tasks",
            "Queue tasks this worker ran, by task and outcome (ok, failed, skipped).",
            ["task", "outcome"],
            registry=runtime.metrics.registry,
        )
        self.mails = Counter(
            "scc_sync_cluster_mails",
            "Messages this worker tried, by outcome (sent, deferred, failed, suppressed, unknown).",
            ["state"],
            registry=runtime.metrics.registry,
        )

    def register(self) -> None:
        app = self.app
        app.periodic(cron=TICK_CRON, periodic_id="tick")(
            app.task(name="tick", lock="tick", queueing_lock="tick")(self.tick)
        )
        for name, body in (
            ("sync_round", self.sync_round),
            ("sync_source", self.sync_source),
            ("digest", self.digest),
            ("remind", self.remind),
            ("send", self.send),
            ("alerts", self.alerts),
            ("housekeeping", self.housekeeping),
        ):
            app.task(name=name)(body)

    # -- the tasks ------------------------------------------------------------------------------------

    def tick(self, timestamp: int) -> None:
        """Defer the scheduled jobs that fell due since the last tick."""
        self._run("tick", self._tick)

    def sync_round(self) -> None:
        self._run("sync_round", self._sync_round)

    def sync_source(self, source: str) -> None:
        self._run(f"sync {source}", lambda: self._sync_source(source))

    def digest(self) -> None:
        self._run("digest", lambda: self._mailing("digest", digest_steps, "digest"))

    def remind(self) -> None:
        self._run("remind", lambda: self._mailing("remind", reminder_steps, "reminder"))

    def send(self, kinds: Sequence[str], limit: int | None = None) -> None:
        self._run(f"send {','.join(kinds)}", lambda: self._send(kinds, limit))

    def alerts(self) -> None:
        self._run("alerts", self._alerts)

    def housekeeping(self) -> None:
        self._run("housekeeping", lambda: run_housekeeping(self.rt.config, self.rt.store, now=self.rt.clock))

    # -- their bodies ---------------------------------------------------------------------------------

    def _tick(self) -> None:
        store, now = self.rt.store, self.rt.clock()
        with store.read() as conn:
            plan = schedule.plan_from_json(get_meta(conn, SCHEDULE_KEY))
        decision = schedule.due_jobs(self.rt.config, plan, now=now)
        for job_id, at in decision.missed:
            log.warning(
                "%s run due at %s was missed (beyond its grace); waiting for the next one", job_id, at
            )
        for job_id in decision.due:
            task, kwargs = SCHEDULED[job_id]
            self.defer(task, lock=task if task != "send" else None, queueing_lock=job_id, **kwargs)
        with store.write() as conn:
            put_meta(conn, SCHEDULE_KEY, schedule.plan_to_json(decision.plan), now=now)
            put_meta(conn, NEXT_RUNS, decision.plan.next_runs, now=now)
            put_meta(conn, LAST_FIRED, decision.plan.last_fired, now=now)

    def _sync_round(self) -> None:
        due = due_sources(self.rt.config, self.rt.store, now=self.rt.clock())
        if not due:  # recorded as `run` records a sync with nothing due: the health check counts it
            with job(self.rt.store, "sync", now=self.rt.clock, lease="sync_round") as detail:
                detail.update(summary="sync: no source due", attempted=0, failed=[])
            return
        deferred = sum(self.defer_sync(name) for name in due)
        log.info(
            "sync round: %d sources due, %d deferred (the others are queued already)", len(due), deferred
        )

    def defer_sync(self, source: str) -> bool:
        return self.defer(
            "sync_source", lock=f"source:{source}", queueing_lock=f"source:{source}", source=source
        )

    def _sync_source(self, source: str) -> None:
        config = self.rt.config
        started = time.monotonic()
        with self.rt.effects.http_client(config.http) as client:
            report = run_sync(
                config,
                self.rt.store,
                client,
                now=self.rt.clock,
                only=[source],
                respect_schedule=True,
                lease=f"sync:{source}",
            )
        self.rt.metrics.observe_sync(report, time.monotonic() - started)
        if config.delivery.operator and any(s.failed or s.warnings for s in report.sources):
            self.defer("alerts", lock="alerts", queueing_lock="alerts")

    def _mailing(self, name: str, steps: Callable[..., Iterator[str]], kind: str) -> None:
        """Queue a mailing; each batch committed to the ledger becomes `send` tasks for any worker."""
        config, store = self.rt.config, self.rt.store
        kit = self.rt.effects.mail_kit(config)
        with job(store, name, now=self.rt.clock) as detail:
            report = DeliveryReport(name)
            with store.read() as conn:  # left queued by an earlier run cut off before it handed them out
                self._defer_batches(kind, count_by_kind_and_state(conn).get((kind, "queued"), 0))
            queued = 0
            for step in steps(config, store, kit, now=self.rt.clock, report=report):
                if step == QUEUED:
                    self._defer_batches(kind, report.queued - queued)
                    queued = report.queued
            detail.update(report.detail(), summary=f"{name}: {report.queued} queued for sending in batches")
        log.info("%s: %d messages queued, sent in batches of %d", name, report.queued, config.cluster.batch)

    def _defer_batches(self, kind: str, count: int) -> None:
        batch = self.rt.config.cluster.batch
        for n in range(math.ceil(count / batch)):
            self.defer("send", kinds=[kind], limit=min(batch, count - n * batch))

    def _send(self, kinds: Sequence[str], limit: int | None) -> None:
        config, store = self.rt.config, self.rt.store
        name = "retry" if limit is None else "send"
        with job(store, name, now=self.rt.clock, lease=f"{name}:{self.rt.worker_id}") as detail:
            report = DeliveryReport(name)
            with closing(self.rt.effects.transport(config, limiter=self.rt.limiter)) as transport:
                deliver(
                    store,
                    transport,
                    owner=lock_owner(),
                    now=self.rt.clock,
                    policy=retry_policy(config),
                    kinds=kinds,
                    report=report,
                    limit=limit,
                )
            detail.update(report.detail())
        for state, count in report.counts().items():
            if count and state != "queued":
                self.mails.labels(state=state).inc(count)
        log.info("%s", report.line())

    def _alerts(self) -> None:
        config = self.rt.config
        with closing(self.rt.effects.transport(config, limiter=self.rt.limiter)) as transport:
            send_alerts(config, self.rt.store, transport, now=self.rt.clock)

    # -- plumbing -------------------------------------------------------------------------------------

    def defer(
        self, task: str, *, lock: str | None = None, queueing_lock: str | None = None, **kwargs: Any
    ) -> bool:
        """Queue `task` with these arguments; False when the same work waits already (its queueing lock)."""
        try:
            self.app.configure_task(task, lock=lock, queueing_lock=queueing_lock).defer(**kwargs)
        except AlreadyEnqueued:
            log.debug("%s (%s) is queued already", task, queueing_lock)
            return False
        return True

    def _run(self, what: str, body: Callable[[], object]) -> None:
        """Run a task's body, saying in cluster_workers what this worker does and counting the outcome."""
        name = what.split()[0]
        with job_context(name) as run_id:
            with self.rt.store.write() as conn:
                start_task(conn, self.rt.worker_id, what, run_id)
            outcome = "failed"
            try:
                body()
                outcome = "ok"
            except BusyError as exc:  # the same work runs elsewhere (a by-hand command, say): not a failure
                outcome = "skipped"
                log.warning("%s skipped: %s", what, exc)
            except Exception:
                log.exception("%s failed", what)
                self.rt.metrics.job_failures.labels(job=name).inc()
                raise
            finally:
                self.finished.labels(task=name, outcome=outcome).inc()
                with self.rt.store.write() as conn:
                    finish_task(conn, self.rt.worker_id)
