"""The long-running service (`scc-sync run`): its job runs, heartbeat and lifecycle.

The jobs are the pipeline's plain functions; `scheduler` only decides when they run. `Service.run()` blocks
until its stop event is set (by SIGTERM/SIGINT in the CLI), then lets no new job start and gives the running
one `[service] shutdown_grace` to finish. `Service.request_reload()` (SIGHUP in the CLI) makes it read its
config file again (see `reload`): each job run takes the config current at its start and keeps it to its end.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from scc_sync.config import Config, ConfigError
from scc_sync.effects import Effects
from scc_sync.logs import job_context
from scc_sync.pipeline.alerts import send_alerts
from scc_sync.pipeline.deliver import DeliveryReport, run_retries
from scc_sync.pipeline.digest import run_digest
from scc_sync.pipeline.housekeeping import run_housekeeping
from scc_sync.pipeline.remind import run_remind
from scc_sync.pipeline.runs import lock_owner
from scc_sync.pipeline.sync import run_sync
from scc_sync.service import scheduler
from scc_sync.service.listener import SwitchableApp, WebServer, wsgi_app
from scc_sync.service.metrics import Metrics
from scc_sync.service.reload import ConfigFile, ReloadPlan, describe, plan_reload, restart_warning
from scc_sync.store import Store
from scc_sync.store.locks import LockBusy, release_all
from scc_sync.store.meta import LAST_FIRED, NEXT_RUNS, Heartbeat, put_meta, read_times, write_heartbeat
from scc_sync.store.runs import abort_runs
from scc_sync.web import create_app
from scc_sync.web.sender import SignUpSender

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger(__name__)


def beat(store: Store, *, started: datetime, now: datetime, stopped: bool = False) -> None:
    with store.write() as conn:
        write_heartbeat(conn, Heartbeat(now, started, os.getpid(), socket.gethostname(), stopped))


def save_times(store: Store, key: str, times: Mapping[str, datetime | None], *, now: datetime) -> None:
    with store.write() as conn:
        put_meta(conn, key, dict(times), now=now)


# -- the service -----------------------------------------------------------------------------------------


@dataclass
class _Running:
    """Which jobs are running now (job → run id), so shutdown can wait for them or record them as aborted."""

    jobs: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    idle: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.idle = threading.Condition(self.lock)

    def wait_idle(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: not self.jobs, timeout=max(timeout, 0))


_STOP, _RELOAD = "stop", "reload"


class Service:
    """Scheduler + heartbeat + web listener around the pipeline's jobs.

    `effects` are the test hooks: the clock, and where HTTP clients, transports and mail kits come from.
    The service opens an HTTP client per sync and a transport per delivering job, so a stuck SMTP connection
    never outlives its job. `config_file` is where `request_reload()` reads the config again (without one,
    a reload request only logs that it cannot).
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        effects: Effects,
        *,
        metrics: Metrics | None = None,
        web: bool = True,
        config_file: ConfigFile | None = None,
    ) -> None:
        self.config, self.store, self.effects = config, store, effects
        self.clock = effects.clock
        self.config_file = config_file
        self.metrics = metrics or Metrics(store)
        self.web = web
        self.running = _Running()
        self.started = self.clock()
        self.stop_event = threading.Event()
        self.web_port: int | None = None  # the port actually bound (tests listen on port 0)
        # What wakes the main loop before its next heartbeat. A SimpleQueue's put() may be called from a
        # signal handler (it is reentrant), where setting an Event could deadlock on the Event's own lock.
        self._wakeups: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._scheduler: BackgroundScheduler | None = None
        self._web_app: SwitchableApp | None = None
        # Sends the sign-up mails the pages queue, with the config current at each round.
        self._signup_mails = SignUpSender(
            store, config=lambda: self.config, transport=effects.transport, now=self.clock
        )

    # The scheduled jobs, as zero-argument callables for APScheduler.
    def jobs(self) -> dict[str, Callable[[], None]]:
        return {
            "sync": lambda: self._run("sync", self._sync),
            "digest": lambda: self._run("digest", self._mailing(run_digest)),
            "remind": lambda: self._run("remind", self._mailing(run_remind)),
            "retry": lambda: self._run("retry", self._retry),
            "housekeeping": lambda: self._run("housekeeping", self._housekeeping),
        }

    def _sync(self, config: Config) -> None:
        """Only the sources that are due (per-source back-off and feed TTLs are honoured); then the alerts."""
        started = time.monotonic()
        with self.effects.http_client(config.http) as client:
            report = run_sync(config, self.store, client, now=self.clock, respect_schedule=True)
        self.metrics.observe_sync(report, time.monotonic() - started)
        log.info("%s", report.line())
        if config.delivery.operator:
            with closing(self.effects.transport(config)) as transport:
                send_alerts(config, self.store, transport, now=self.clock)

    def _mailing(self, job: Callable[..., DeliveryReport]) -> Callable[[Config], None]:
        """A mailing job's body: one transport (one SMTP connection) and one mail kit for the run."""

        def body(config: Config) -> None:
            kit = self.effects.mail_kit(config)
            with closing(self.effects.transport(config)) as transport:
                report = job(config, self.store, transport, kit, now=self.clock)
            log.info("%s", report.line())

        return body

    def _retry(self, config: Config) -> None:
        with closing(self.effects.transport(config)) as transport:
            report = run_retries(config, self.store, transport, now=self.clock)
        tried = report.sent + report.problems + report.suppressed + report.expired
        log.log(logging.INFO if tried else logging.DEBUG, "%s", report.line())  # quiet when nothing was due

    def _housekeeping(self, config: Config) -> None:
        run_housekeeping(config, self.store, now=self.clock)

    def _run(self, name: str, body: Callable[[Config], None]) -> None:
        if self.stop_event.is_set():
            return  # shutting down: no new job starts
        config = self.config  # this run keeps it to its end, whatever a reload does meanwhile
        with job_context(name) as run_id:
            with self.running.lock:
                self.running.jobs[name] = run_id
            try:
                body(config)
            except LockBusy as exc:
                log.warning("%s skipped: %s", name, exc)
            except Exception:
                log.exception("%s failed", name)
                self.metrics.job_failures.labels(job=name).inc()
        # The job stays "running" until `_after_job` has recorded its fire time: a shutdown that waited only
        # for the body could let a restart read the old time and catch the same digest up again.

    # -- lifecycle ----------------------------------------------------------------------------------------

    def run(self) -> bool:
        """Run until `stop_event` is set; True when every job finished within the grace (a clean stop)."""
        self._beat()
        with self._web_server():
            with self.store.read() as conn:
                last_fired = {job: at for job, at in read_times(conn, LAST_FIRED).items() if at}
            sched = scheduler.build_scheduler(
                self.config,
                scheduler.job_specs(self.config),
                self.jobs(),
                now=self.clock().astimezone(self.config.zone),
                last_fired=last_fired,
            )
            sched.add_listener(self._after_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
            self._scheduler = sched
            sched.start()
            self._save_next_runs(sched)
            log.info("service started: %s", _next_runs(sched))
            self._main_loop(sched)
            sched.shutdown(wait=False)  # no new jobs; the running one carries on
            clean = self._wait_for_jobs()
        self._beat(stopped=True)
        return clean

    def _main_loop(self, sched: BackgroundScheduler) -> None:
        """Beat every `[service] heartbeat`, reload when asked, until stopped."""
        while True:
            wakeups = self._wakeups_within(self.config.service.heartbeat.total_seconds())
            if self.stop_event.is_set():
                return
            if _RELOAD in wakeups:  # however many requests came in meanwhile: one reload reads the file once
                self._reload(sched)
            if sched.running:
                self._beat()

    def _wakeups_within(self, timeout: float) -> set[str]:
        """Every wake-up request queued by the end of `timeout` (empty when none came)."""
        try:
            found = {self._wakeups.get(timeout=timeout)}
        except queue.Empty:
            return set()
        while True:
            try:
                found.add(self._wakeups.get_nowait())
            except queue.Empty:
                return found

    def stop(self) -> None:
        self.stop_event.set()
        self._wakeups.put(_STOP)

    def request_reload(self) -> None:
        """Ask the main loop to read the config file again; safe from a signal handler, requests coalesce."""
        self._wakeups.put(_RELOAD)

    def _reload(self, sched: BackgroundScheduler) -> None:
        """Read the config file again and apply it; on any problem keep running with the config as it was."""
        if self.config_file is None:
            log.warning("cannot reload the config: the service was not started from a config file")
            return
        path = self.config_file.path
        try:
            plan = plan_reload(self.config, self.config_file.load(self.effects))
            for key in plan.needs_restart:
                log.warning("%s", restart_warning(key, path))
            if plan.changed:
                self._apply(plan, sched)
        except ConfigError as exc:
            log.error("config not reloaded, the service keeps running with the previous one: %s", exc)
            return
        except Exception:
            log.exception(
                "config not reloaded from %s, the service keeps running with the previous one", path
            )
            return
        log.info("%s; next runs: %s", describe(plan, path), _next_runs(sched))
        try:  # the config is switched by now: a failure here is only about what `status` shows
            self._save_next_runs(sched)
        except Exception:
            log.exception("cannot record the next run times")

    def _apply(self, plan: ReloadPlan, sched: BackgroundScheduler) -> None:
        """Switch to the plan's config. Everything that can fail is built before anything is switched."""
        new = plan.config
        specs = scheduler.job_specs(new)
        app = self._build_web_app(new) if self._web_app is not None else None
        if app is not None and self._web_app is not None:
            self._web_app.app = app  # first: whoever sees the new config also gets the new pages
        self.config = new  # job runs that start from now on take it
        scheduler.reschedule(sched, specs, plan.reschedule, now=self.clock().astimezone(new.zone))

    def _beat(self, *, stopped: bool = False) -> None:
        try:
            beat(self.store, started=self.started, now=self.clock(), stopped=stopped)
        except Exception:  # a busy or unreachable database must not kill the service; the healthcheck notices
            log.exception("cannot write the heartbeat")

    def _wait_for_jobs(self) -> bool:
        grace = self.config.service.shutdown_grace.total_seconds()
        margin = min(2.0, grace / 5)  # time left to record the aborted run and exit within the grace
        running = dict(self.running.jobs)
        if running:
            log.warning("stopping: waiting up to %.0fs for %s", grace - margin, ", ".join(running))
        if self.running.wait_idle(grace - margin):
            log.info("service stopped")
            return True
        self._abandon(dict(self.running.jobs))
        return False

    def _abandon(self, running: dict[str, str]) -> None:
        """Record runs cut off by the shutdown and release our leases, so a restart need not wait for them."""
        log.error(
            "stopping without waiting longer for %s; it runs again after the restart", ", ".join(running)
        )
        with suppress(Exception), self.store.write() as conn:
            abort_runs(conn, list(running.values()), now=self.clock(), why="service shutdown")
            release_all(conn, lock_owner())

    def _after_job(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning(
                "%s run due at %s was missed (beyond its grace); waiting for the next one",
                event.job_id,
                event.scheduled_run_time,
            )
            return
        try:  # bookkeeping only: a failure here must not disturb the scheduler
            with self.store.write() as conn:
                fired = read_times(conn, LAST_FIRED)
                fired[event.job_id] = event.scheduled_run_time
                put_meta(conn, LAST_FIRED, fired, now=self.clock())
            if self._scheduler is not None:
                self._save_next_runs(self._scheduler)
        except Exception:
            log.exception("cannot record the run of %s", event.job_id)
        finally:
            with self.running.idle:
                self.running.jobs.pop(event.job_id, None)
                self.running.idle.notify_all()

    def _save_next_runs(self, sched: BackgroundScheduler) -> None:
        self._scheduler = sched
        save_times(self.store, NEXT_RUNS, scheduler.next_run_times(sched), now=self.clock())

    # -- the web listener ---------------------------------------------------------------------------------

    def _build_web_app(self, config: Config) -> WSGIApplication:
        pages = create_app(config, self.store, self.effects, mail_queued=self._signup_mails.wake)
        return wsgi_app(self.store, pages, metrics=self.metrics)

    @contextmanager
    def _web_server(self) -> Iterator[WebServer | None]:
        if not self.web:
            yield None
            return
        host, port = self.config.web.host_port
        with self._signup_mails:
            self._web_app = SwitchableApp(self._build_web_app(self.config))
            server = WebServer(self._web_app, host, port)
            self.web_port = server.port
            log.info("serving the subscriber pages, /healthz and /metrics on http://%s:%d", host, server.port)
            try:
                yield server
            finally:
                server.close()


def _next_runs(sched: BackgroundScheduler) -> str:
    return ", ".join(
        f"{job} next at {at:%Y-%m-%d %H:%M:%S %Z}"
        for job, at in scheduler.next_run_times(sched).items()
        if at
    )
