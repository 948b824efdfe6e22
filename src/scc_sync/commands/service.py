"""`scc-sync run` (the long-running service), `healthcheck` and `status`."""

from __future__ import annotations

import logging
import os
import signal
import sys
from datetime import datetime, timedelta, tzinfo
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from scc_sync.commands.app import (
    EXIT_FAILED,
    AppContext,
    fail,
    missing_database,
    pass_app,
)
from scc_sync.commands.output import echo_json, echo_table
from scc_sync.config import resolve_config_path
from scc_sync.service.health import check_health
from scc_sync.store.cluster import cluster_state, queue_installed
from scc_sync.store.engine import describe_database, sqlite_file
from scc_sync.store.meta import service_state
from scc_sync.store.outbox import count_by_state
from scc_sync.store.runs import last_runs
from scc_sync.store.sources import source_health

if TYPE_CHECKING:
    from scc_sync.service.daemon import Service

log = logging.getLogger("scc_sync.service")


@click.command("run")
@click.option("--listen", metavar="HOST:PORT", help="Where the web listener binds [default: [web] listen].")
@pass_app
def run_command(app: AppContext, listen: str | None) -> None:
    """Run the service: sync on schedule, send digests and reminders, serve /metrics and /healthz.

    Jobs come from the config at each start ([sync], [digest], [service]). SIGHUP reads the config file
    again: a valid one applies from the next job run on (a running job keeps the config it started with),
    an invalid one is logged and the service carries on with the previous one. SIGTERM or Ctrl-C stops
    it: no new job starts, a running one gets [service] shutdown_grace to finish, then it exits 0. A
    second signal exits at once (code 1). Exit 1 when it cannot start (e.g. [web] listen is taken).
    """
    from scc_sync.service.daemon import Service  # the service pulls in the scheduler and the web server
    from scc_sync.service.reload import ConfigFile

    config_file = ConfigFile(resolve_config_path(app.config_path), listen)
    config = config_file.prepare(app.config, app.effects)
    if app.verbosity == 0:
        logging.getLogger().setLevel(logging.INFO)  # a service tells its story by default
    with app.store() as store:
        service = Service(config, store, app.effects, config_file=config_file)
        _on_signals(service)
        try:
            clean = service.run()
        except OSError as exc:
            key = "--listen" if listen else "web.listen"
            fail(f"{key}: cannot listen on {config.web.listen}: {exc.strerror or exc}", EXIT_FAILED)
    if not clean:
        # A job thread is still running; it would keep the interpreter alive past the grace.
        logging.shutdown()
        os._exit(0)
    sys.exit(0)


def _on_signals(service: Service) -> None:
    seen = 0

    def handle(signum: int, _frame: FrameType | None) -> None:
        nonlocal seen
        seen += 1
        if seen > 1:
            log.error("second %s: exiting now", signal.Signals(signum).name)
            logging.shutdown()
            os._exit(1)
        log.info("%s received: stopping (no new jobs)", signal.Signals(signum).name)
        service.stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    if hasattr(signal, "SIGHUP"):  # not on Windows
        signal.signal(signal.SIGHUP, lambda _signum, _frame: service.request_reload())


@click.command("healthcheck")
@click.option(
    "--max-age",
    type=click.IntRange(min=1),
    metavar="SECONDS",
    help="Longest acceptable time since the last successful sync [default: three sync periods].",
)
@pass_app
def healthcheck_command(app: AppContext, max_age: int | None) -> None:
    """Exit 0 when the service is alive (fresh heartbeat) and synced recently; 1 otherwise, saying why.

    The container's HEALTHCHECK runs this. A sync in which some sources failed still counts as a sync
    (broken sources are reported to [delivery] operator); one in which every source failed does not.
    """
    limit = timedelta(seconds=max_age) if max_age else None
    file = sqlite_file(app.config.state.url)
    if file is not None and not file.exists():
        click.echo(f"unhealthy: {missing_database(file, app.config.state.database)}")
        sys.exit(EXIT_FAILED)
    with app.store() as store, store.read() as conn:
        health = check_health(conn, app.config, now=app.effects.clock(), max_age=limit)
    if not health.ok:
        for problem in health.problems:
            click.echo(f"unhealthy: {problem}")
        sys.exit(EXIT_FAILED)
    beat = health.heartbeat
    age = int((app.effects.clock() - beat.at).total_seconds()) if beat else 0
    last = health.last_sync.isoformat(timespec="seconds") if health.last_sync else "none yet (starting)"
    click.echo(f"ok: heartbeat {age}s old (pid {beat.pid if beat else '?'}), last successful sync {last}")


@click.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def status_command(app: AppContext, fmt: str) -> None:
    """Show the service's heartbeat and next runs, each source's health, the last run of each job and
    the delivery queue."""
    with app.store(must_exist=True) as store, store.read() as conn:
        report: dict[str, Any] = {
            "database": describe_database(app.config.state.url),
            "service": service_state(conn),
            "sources": source_health(conn),
            "jobs": last_runs(conn),
            "queue": count_by_state(conn),
        }
        if queue_installed(conn):
            report["cluster"] = cluster_state(conn, now=app.effects.clock())
    if fmt == "json":
        echo_json(report)
        return
    click.echo(f"Database: {report['database']}")
    _echo_service(report["service"], app.config.zone, now=app.effects.clock())
    click.echo("\nSources")
    columns = ["name", "kind", "last_attempt", "last_success", "last_status", "failures", "next_due", "items"]
    columns.append("last_error")
    echo_table(report["sources"], [*columns, "warning"], app.config.zone)
    click.echo("\nJobs")
    echo_table(report["jobs"], ["job", "started", "finished", "status", "result"], app.config.zone)
    queue = ", ".join(f"{state} {count}" for state, count in sorted(report["queue"].items()))
    click.echo(f"\nDelivery queue: {queue or 'empty'}")
    if "cluster" in report:
        _echo_cluster(report["cluster"], app.config.zone)


def _echo_cluster(cluster: dict[str, Any], zone: tzinfo) -> None:
    click.echo("\nCluster workers (the last day)")
    columns = ["id", "state", "heartbeat_at", "task", "done", "listen"]
    echo_table(cluster["workers"], columns, zone)
    tasks = [{"task": task, **counts} for task, counts in cluster["tasks"].items()]
    click.echo("\nTask queue")
    echo_table(tasks, ["task", "todo", "doing", "succeeded", "failed", "aborted"], zone)


def _echo_service(service: dict[str, Any], zone: tzinfo, *, now: datetime) -> None:
    beat = service["heartbeat"]
    if beat is None:
        click.echo("Service: never ran against this database (start it with `scc-sync run`)")
    else:
        age = int((now - beat["at"]).total_seconds())
        state = "stopped" if beat["stopped"] else "running"
        click.echo(
            f"Service: {state} (pid {beat['pid']} on {beat['host']}, heartbeat {age}s ago, "
            f"started {beat['started'].astimezone(zone):%Y-%m-%d %H:%M:%S %Z})"
        )
    rows = [{"job": job, "next_run": at} for job, at in sorted(service["next_runs"].items())]
    if rows:
        click.echo("Next runs")
        echo_table(rows, ["job", "next_run"], zone)
