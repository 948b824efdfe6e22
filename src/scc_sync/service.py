"""The long-running service (`scc-sync run`): jobs, heartbeat, housekeeping, operator alerts, lifecycle.

Job functions are plain functions of (config, store, clock, …) so tests and the CLI can call them directly;
`scheduler.py` only decides when. `Service.run()` blocks until its stop event is set (by SIGTERM/SIGINT in
the CLI), then lets no new job start and gives the running one `[service] shutdown_grace` to finish.
`Service.request_reload()` (SIGHUP in the CLI) makes it read its config file again (see `reload.py`): each
job run takes the config current at its start and keeps it to its end.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client import make_wsgi_app
from sqlalchemy import Connection, delete, insert, update
from sqlalchemy.exc import IntegrityError
from waitress import wasyncore
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from scc_sync import scheduler
from scc_sync.config import Config, ConfigError, parse_duration
from scc_sync.fetch.http import HttpClient, client_for
from scc_sync.logs import job_context
from scc_sync.metrics import Metrics
from scc_sync.newsletter.messages import build_plain_message, message_id
from scc_sync.newsletter.render import RenderedMail
from scc_sync.newsletter.transports import SendResult, Transport, wire_bytes
from scc_sync.pipeline.deliver import make_transport, run_retries
from scc_sync.pipeline.digest import run_digest
from scc_sync.pipeline.remind import run_remind
from scc_sync.pipeline.runs import job, lock_owner
from scc_sync.pipeline.sync import SyncReport, run_sync
from scc_sync.reload import ConfigFile, ReloadPlan, describe, plan_reload, restart_warning
from scc_sync.status import check_health
from scc_sync.store import Store
from scc_sync.store.articles import prune_failures
from scc_sync.store.locks import LockBusy
from scc_sync.store.meta import LAST_FIRED, NEXT_RUNS, Heartbeat, put_meta, read_times, write_heartbeat
from scc_sync.store.schema import items, job_runs, locks, outbox, outbox_payloads
from scc_sync.store.sources import SourceState, list_sources
from scc_sync.web import create_app
from scc_sync.web.serve import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

ALERT_LEASE = timedelta(
    minutes=10
)  # a send cut off by a crash becomes "unknown" after this (as in the ledger)
FINAL_MAIL_STATES = ("sent", "failed", "suppressed", "unknown")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


# -- meta: heartbeat, next runs, last fire times ----------------------------------------------------------


def beat(store: Store, *, started: datetime, now: datetime, stopped: bool = False) -> None:
    with store.write() as conn:
        write_heartbeat(conn, Heartbeat(now, started, os.getpid(), socket.gethostname(), stopped))


def save_times(store: Store, key: str, times: Mapping[str, datetime | None], *, now: datetime) -> None:
    with store.write() as conn:
        put_meta(conn, key, dict(times), now=now)


# -- external effects, opened per job run -------------------------------------------------------------------


@contextmanager
def open_transport(config: Config) -> Iterator[Transport]:
    """The configured transport; an SMTP connection is opened on first use and closed afterwards."""
    transport = make_transport(config)
    try:
        yield transport
    finally:
        transport.close()


# -- the jobs --------------------------------------------------------------------------------------------


def sync_job(
    config: Config, store: Store, client: HttpClient, *, now: Clock, metrics: Metrics | None = None
) -> SyncReport:
    """A scheduled sync: only sources that are due (per-source back-off and feed TTLs are honoured)."""
    started = time.monotonic()
    report = run_sync(config, store, client, now=now, respect_schedule=True)
    if metrics is not None:
        metrics.observe_sync(report, time.monotonic() - started)
    log.info("%s", report.line())
    return report


def digest_job(config: Config, store: Store, transport: Transport, *, now: Clock) -> Any:
    report = run_digest(config, store, transport, now=now)
    log.info("%s", report.line())
    return report


def remind_job(config: Config, store: Store, transport: Transport, *, now: Clock) -> Any:
    report = run_remind(config, store, transport, now=now)
    log.info("%s", report.line())
    return report


def retry_job(config: Config, store: Store, transport: Transport, *, now: Clock) -> Any:
    report = run_retries(config, store, transport, now=now)
    tried = report.sent + report.problems + report.suppressed
    log.log(logging.INFO if tried else logging.DEBUG, "%s", report.line())  # quiet when nothing was due
    return report


def housekeeping(config: Config, store: Store, *, now: Clock) -> dict[str, int]:
    """Drop raw article pages, finished ledger rows, job records and given-up article failures older than
    `[state] retention_days`."""
    with job(store, "housekeeping", now=now) as detail:
        cutoff = now() - timedelta(days=config.state.retention_days)
        with store.write() as conn:
            pruned = {
                "raw_pages": conn.execute(
                    update(items)
                    .where(items.c.raw.is_not(None), items.c.changed_at < cutoff)
                    .values(raw=None)
                ).rowcount,
                "mails": conn.execute(
                    delete(outbox).where(outbox.c.state.in_(FINAL_MAIL_STATES), outbox.c.updated_at < cutoff)
                ).rowcount,
                "job_runs": conn.execute(
                    delete(job_runs).where(
                        job_runs.c.finished_at.is_not(None), job_runs.c.finished_at < cutoff
                    )
                ).rowcount,
                "article_failures": prune_failures(conn, before=cutoff),
            }
        detail.update(pruned)
    log.info("housekeeping: pruned %s", ", ".join(f"{n} {what}" for what, n in pruned.items()))
    return pruned


# -- operator alerts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    source: str
    reason: str


def due_alerts(conn: Connection, threshold: int) -> list[Alert]:
    """Sources the operator should hear about: `threshold` failures in a row, gone, or a silent selector."""
    found = []
    for state in list_sources(conn):
        reason = _alert_reason(state, threshold)
        if reason:
            found.append(Alert(state.name, reason))
    return found


def _alert_reason(state: SourceState, threshold: int) -> str | None:
    if state.gone:
        return f"is gone (HTTP {state.last_status}): {state.last_error}"
    if state.failures >= threshold:
        return f"has failed {state.failures} times in a row; last error: {state.last_error}"
    if state.warning and "link_selector" in state.warning:
        return f"has a link selector that went silent: {state.warning}"
    return None


def send_alerts(config: Config, store: Store, transport: Transport, *, now: Clock) -> list[str]:
    """Mail the operator about broken sources, at most once per source and local day; returns those mailed.

    The outbox row (kind "alert", ref "SOURCE:DATE") is committed before sending; its UNIQUE key is the
    once-a-day guarantee across restarts and processes. A deferred alert is retried by a later check that day.
    """
    operator = config.delivery.operator
    if not operator:
        return []
    moment = now()
    today = moment.astimezone(config.zone).date().isoformat()
    with store.read() as conn:
        alerts = due_alerts(conn, config.service.alert_after_failures)
    mailed = []
    for alert in alerts:
        ref = f"{alert.source}:{today}"
        msg = alert_message(config, alert, operator, ref=ref, now=moment)
        claimed = _claim_alert(store, ref, operator, msg, now=moment)
        if claimed and _deliver_alert(store, transport, ref, operator, msg, now=now).state == "sent":
            mailed.append(alert.source)
    return mailed


def alert_message(config: Config, alert: Alert, operator: str, *, ref: str, now: datetime) -> EmailMessage:
    mail = RenderedMail(
        subject=f"[scc-sync] source {alert.source} needs attention",
        text=(
            f"The source '{alert.source}' {alert.reason}\n\n"
            f"Check it with `scc-sync status` and fix its entry in the configuration if the site moved.\n"
            f"You get at most one such mail per source and day.\n"
        ),
        html="",
    )
    domain = config.delivery.sender.rpartition("@")[2].rstrip(">") or "localhost"
    return build_plain_message(
        mail,
        sender=config.delivery.sender,
        to=operator,
        message_id=message_id("alert", ref, operator, domain),
        date=now,
    )


def _claim_alert(store: Store, ref: str, operator: str, msg: EmailMessage, *, now: datetime) -> bool:
    """Insert the alert's ledger row, or take over a deferred one; False when it was already handled."""
    recipient = operator.lower()
    claim = {
        "state": "sending",
        "lease_owner": lock_owner()[:64],
        "lease_until": now + ALERT_LEASE,
        "updated_at": now,
    }
    try:
        with store.write() as conn:
            row = conn.execute(
                insert(outbox).values(
                    kind="alert",
                    ref=ref,
                    recipient=recipient,
                    message_id=str(msg["Message-ID"]),
                    attempts=0,
                    created_at=now,
                    **claim,
                )
            )
            conn.execute(
                insert(outbox_payloads).values(outbox_id=row.inserted_primary_key.id, payload=wire_bytes(msg))
            )
        return True
    except IntegrityError:
        with store.write() as conn:
            return bool(
                conn.execute(
                    update(outbox)
                    .where(
                        outbox.c.kind == "alert",
                        outbox.c.ref == ref,
                        outbox.c.recipient == recipient,
                        outbox.c.state == "deferred",
                    )
                    .values(**claim)
                ).rowcount
            )


def _deliver_alert(
    store: Store, transport: Transport, ref: str, operator: str, msg: EmailMessage, *, now: Clock
) -> SendResult:
    result = transport.send(msg)
    moment = now()
    with store.write() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.kind == "alert", outbox.c.ref == ref, outbox.c.recipient == operator.lower())
            .values(
                state=result.state,
                attempts=outbox.c.attempts + 1,
                last_reply=result.reply,
                lease_owner=None,
                lease_until=None,
                updated_at=moment,
                sent_at=moment if result.state == "sent" else None,
            )
        )
    level = logging.INFO if result.state == "sent" else logging.WARNING
    log.log(
        level,
        "operator alert %s to %s: %s (%s)",
        ref,
        operator,
        result.state,
        result.reply,
        extra={"source": ref.rpartition(":")[0]},
    )
    return result


# -- the web listener: /metrics, /healthz, and later the subscriber pages -----------------------------------


def wsgi_app(
    config: Config,
    store: Store,
    extra_app: WSGIApplication | None = None,
    *,
    metrics: Metrics | None = None,
    clock: Clock = utc_now,
) -> WSGIApplication:
    """`/metrics` and `/healthz`; any other path goes to `extra_app` (the subscriber web app) or is a 404."""

    @Request.application
    def healthz(request: Request) -> Response:
        with store.read() as conn:
            health = check_health(conn, config, now=clock())
        return Response(
            json.dumps(health.as_json(), default=str, indent=2),
            status=200 if health.ok else 503,
            mimetype="application/json",
        )

    metrics = metrics or Metrics(store)
    return DispatcherMiddleware(
        extra_app or NotFound(), {"/metrics": make_wsgi_app(metrics.registry), "/healthz": healthz}
    )


class SwitchableApp:
    """Forwards to `app`; a reload puts the app built from the new config there (one assignment)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        return self.app(environ, start_response)


class WebServer:
    """A waitress server in a background thread; `close()` stops it and returns when its thread has ended."""

    def __init__(self, app: WSGIApplication, host: str, port: int) -> None:
        self._server = make_server(app, f"{host}:{port}")
        self.port = int(self._server.effective_port)
        self._thread = threading.Thread(target=self._server.run, name="web", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        # Close every socket from inside waitress's own loop thread; the loop ends when nothing is left.
        server = self._server
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # type: ignore[union-attr]
        except OSError:  # the loop's wake-up pipe is already gone, so the loop is not running: close here
            log.warning("web listener: its loop had already stopped; closing its sockets directly")
            wasyncore.close_all(server._map)  # type: ignore[union-attr]
        self._thread.join(timeout)
        server.task_dispatcher.shutdown(timeout=timeout)  # type: ignore[union-attr]


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
    """Scheduler + heartbeat + web listener around the job functions.

    `clock` and the `open_*` factories are the test hooks: the service opens an HTTP client per sync and a
    transport per delivery job, so a stuck SMTP connection never outlives its job. `config_file` is where
    `request_reload()` reads the config again (without one, a reload request only logs that it cannot).
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        clock: Clock = utc_now,
        metrics: Metrics | None = None,
        web: bool = True,
        config_file: ConfigFile | None = None,
    ) -> None:
        self.config, self.store, self.clock = config, store, clock
        self.config_file = config_file
        self.metrics = metrics or Metrics(store)
        self.web = web
        self.running = _Running()
        self.started = clock()
        self.stop_event = threading.Event()
        self.web_port: int | None = None  # the port actually bound (tests listen on port 0)
        # What wakes the main loop before its next heartbeat. A SimpleQueue's put() may be called from a
        # signal handler (it is reentrant), where setting an Event could deadlock on the Event's own lock.
        self._wakeups: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._scheduler: BackgroundScheduler | None = None
        self._web_app: SwitchableApp | None = None
        self._web_transports = ExitStack()

    # The scheduled jobs, as zero-argument callables for APScheduler.
    def jobs(self) -> dict[str, Callable[[], None]]:
        return {
            "sync": lambda: self._run("sync", self._sync),
            "digest": lambda: self._run("digest", self._mailing(digest_job)),
            "remind": lambda: self._run("remind", self._mailing(remind_job)),
            "retry": lambda: self._run("retry", self._mailing(retry_job)),
            "housekeeping": lambda: self._run("housekeeping", self._housekeeping),
        }

    def _sync(self, config: Config) -> None:
        with client_for(config.http) as client:
            sync_job(config, self.store, client, now=self.clock, metrics=self.metrics)
        if config.delivery.operator:
            with open_transport(config) as transport:
                send_alerts(config, self.store, transport, now=self.clock)

    def _mailing(self, job: Callable[..., Any]) -> Callable[[Config], None]:
        """A delivering job's body: one transport (one SMTP connection) for the run."""

        def body(config: Config) -> None:
            with open_transport(config) as transport:
                job(config, self.store, transport, now=self.clock)

        return body

    def _housekeeping(self, config: Config) -> None:
        housekeeping(config, self.store, now=self.clock)

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
            finally:
                with self.running.idle:
                    self.running.jobs.pop(name, None)
                    self.running.idle.notify_all()

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
            wakeups = self._wakeups_within(parse_duration(self.config.service.heartbeat).total_seconds())
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
            plan = plan_reload(self.config, self.config_file.load())
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
        grace = parse_duration(self.config.service.shutdown_grace).total_seconds()
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
        moment = self.clock()
        with suppress(Exception), self.store.write() as conn:
            conn.execute(
                update(job_runs)
                .where(job_runs.c.run_id.in_(list(running.values())), job_runs.c.status == "running")
                .values(status="failed", finished_at=moment, detail={"aborted": "service shutdown"})
            )
            conn.execute(delete(locks).where(locks.c.owner == lock_owner()))

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

    def _save_next_runs(self, sched: BackgroundScheduler) -> None:
        self._scheduler = sched
        save_times(self.store, NEXT_RUNS, scheduler.next_run_times(sched), now=self.clock())

    # -- the web listener ---------------------------------------------------------------------------------

    def _build_web_app(self, config: Config) -> WSGIApplication:
        # Transports are closed at shutdown, not at a reload: a request begun before it may still use one.
        transport = self._web_transports.enter_context(open_transport(config))  # for confirmation mails
        pages = create_app(config, self.store, transport, now=self.clock)
        return wsgi_app(config, self.store, extra_app=pages, metrics=self.metrics, clock=self.clock)

    @contextmanager
    def _web_server(self) -> Iterator[WebServer | None]:
        if not self.web:
            yield None
            return
        host, port = self.config.web.host_port
        with self._web_transports:
            self._web_app = SwitchableApp(self._build_web_app(self.config))
            server = WebServer(self._web_app, host, port)
            self.web_port = server.port
            log.info("serving subscriber pages, /metrics and /healthz on http://%s:%d", host, server.port)
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
