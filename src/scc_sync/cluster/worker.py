"""One cluster worker process (`scc-sync worker`): the queue's worker around the cluster's tasks.

Besides running tasks, every `[cluster] heartbeat` a worker says it is alive (in `cluster_workers`, and in
the service heartbeat that `scc-sync healthcheck` reads) and looks after the others: a task left running by
a worker silent for `[cluster] stalled_after` (killed, or its host gone) is handed back to the queue for
another worker (the queue's `get_stalled_jobs` and `retry_job`), and that worker's run is closed. Every
worker does this, so recovery needs no extra process; the queue lets only one of them retry each task.

SIGTERM or SIGINT: no new task starts, the running one gets `[service] shutdown_grace` to finish (tasks are
small: one source, one batch of mail), then the worker leaves the cluster and exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from contextlib import suppress
from datetime import datetime, timedelta

from procrastinate import App
from procrastinate.schema import SchemaManager
from procrastinate.worker import Worker

from scc_sync.config import Config, ConfigError
from scc_sync.effects import Effects
from scc_sync.pipeline.runs import lock_owner
from scc_sync.service.listener import WebServer, wsgi_app
from scc_sync.service.metrics import Metrics
from scc_sync.store import Store
from scc_sync.store.cluster import (
    beat_worker,
    forget_workers,
    give_up_silent,
    install_queue_schema,
    register_worker,
    set_queue_worker,
    stop_worker,
)
from scc_sync.store.meta import Heartbeat, write_heartbeat
from scc_sync.store.runs import abort_runs

from .pace import SharedPace
from .tasks import Runtime, worker_app

log = logging.getLogger(__name__)


def require_postgresql(store: Store) -> None:
    if store.dialect != "postgresql":
        raise ConfigError(
            "state.database: cluster workers share their work through PostgreSQL, and this is "
            f"{store.dialect}; set [state] database to a postgresql+psycopg:// URL, or use `scc-sync run`, "
            "the single-process service"
        )


def prepare_queue(store: Store) -> bool:
    """Create the task queue's tables if they are missing; True when created now."""
    require_postgresql(store)
    return install_queue_schema(store, SchemaManager.get_schema())


def run_worker(config: Config, store: Store, effects: Effects, *, listen: str | None = None) -> None:
    """Work until SIGTERM or SIGINT."""
    prepare_queue(store)
    metrics = Metrics(store)
    server = _listener(store, metrics, listen)
    worker_id = lock_owner()
    started = effects.clock()
    address = f"{listen.rpartition(':')[0]}:{server.port}" if server and listen else None
    with store.write() as conn:
        forget_workers(conn, before=started - timedelta(days=config.state.retention_days))
        register_worker(
            conn, worker_id, host=socket.gethostname(), pid=os.getpid(), listen=address, now=started
        )
    per_second = config.delivery.max_per_second
    runtime = Runtime(
        config, store, effects, worker_id, metrics, SharedPace(store, per_second) if per_second else None
    )
    log.info("worker %s started%s", worker_id, f"; /metrics on http://{address}" if address else "")
    try:
        asyncio.run(_work(worker_app(runtime), runtime, started))
    finally:
        with store.write() as conn:
            stop_worker(conn, worker_id, now=effects.clock())
        if server is not None:
            server.close()
        log.info("worker %s stopped", worker_id)


def _listener(store: Store, metrics: Metrics, listen: str | None) -> WebServer | None:
    if not listen:
        return None
    host, _, port = listen.rpartition(":")
    return WebServer(wsgi_app(store, None, metrics=metrics), host.strip("[]"), int(port))


async def _work(app: App, rt: Runtime, started: datetime) -> None:
    cluster, grace = rt.config.cluster, rt.config.service.shutdown_grace
    async with app.open_async():
        worker = Worker(
            app,
            name=rt.worker_id,
            concurrency=1,  # the tasks are blocking code: one at a time, in a thread
            shutdown_graceful_timeout=grace.total_seconds(),
            update_heartbeat_interval=cluster.heartbeat.total_seconds(),
            stalled_worker_timeout=cluster.stalled_after.total_seconds(),
            fetch_job_polling_interval=cluster.heartbeat.total_seconds(),
            install_signal_handlers=True,
        )
        upkeep = asyncio.create_task(_upkeep(app, worker, rt, started))
        try:
            await worker.run()
        finally:
            upkeep.cancel()
            with suppress(asyncio.CancelledError):
                await upkeep


async def _upkeep(app: App, worker: Worker, rt: Runtime, started: datetime) -> None:
    """Beat, and hand back the tasks of workers that stopped beating, every `[cluster] heartbeat`."""
    every = rt.config.cluster.heartbeat.total_seconds()
    while True:
        try:
            await asyncio.to_thread(_beat, rt, worker.worker_id, started)
            await _recover(app, rt)
        except Exception:  # a database hiccup: the next beat tries again, the timeouts have slack
            log.exception("cluster upkeep failed; trying again in %.0fs", every)
        await asyncio.sleep(every)


def _beat(rt: Runtime, queue_worker: int | None, started: datetime) -> None:
    now = rt.clock()
    with rt.store.write() as conn:
        if beat_worker(conn, rt.worker_id, now=now):
            log.warning(
                "this worker was taken for lost (silent longer than [cluster] stalled_after); its task went "
                "to another worker, and the leases keep the two from doing the same work twice"
            )
        set_queue_worker(conn, rt.worker_id, queue_worker)
        write_heartbeat(conn, Heartbeat(now, started, os.getpid(), socket.gethostname()))


async def _recover(app: App, rt: Runtime) -> None:
    silence = rt.config.cluster.stalled_after.total_seconds()
    manager = app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=silence):
        try:
            await manager.retry_job(job)
        except Exception:  # another worker handed it back first
            continue
        log.warning(
            "%s was left running by a worker that stopped answering: handed to another", job.call_string
        )
    await manager.prune_stalled_workers(silence)
    await asyncio.to_thread(_close_lost_runs, rt)


def _close_lost_runs(rt: Runtime) -> None:
    now = rt.clock()
    with rt.store.write() as conn:
        lost = give_up_silent(conn, silent_since=now - rt.config.cluster.stalled_after, now=now)
        for worker in lost:
            log.warning("worker %s (%s) stopped answering; its task: %s", worker.id, worker.host, worker.task)
        runs = [w.run_id for w in lost if w.run_id]
        if runs:
            abort_runs(conn, runs, now=now, why="its worker stopped answering (killed, or its host is gone)")
