"""Cluster mode's own rows (PostgreSQL only): the workers, the shared sending pace, the queue's tables.

The task queue (procrastinate) keeps its jobs in tables of its own, created here from the SQL it ships
(`install_queue_schema`), under an advisory lock so that workers starting together create them once.
`cluster_workers` says who works on what, for `status` and for closing the run of a worker that died.
`send_slots` spaces the messages of all workers together by 1/`max_per_second`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, text, update

from scc_sync.store.engine import Store
from scc_sync.store.schema import cluster_workers

QUEUE_SCHEMA_LOCK = 0x5CC5_0001  # advisory lock key: one process at a time creates the queue's tables
QUEUE_MARKER_TABLE = "procrastinate_jobs"  # present once the queue's schema is installed


@dataclass(frozen=True)
class WorkerRow:
    id: str
    host: str
    pid: int
    queue_worker: int | None
    listen: str | None
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None
    state: str  # working | stopped | lost
    task: str | None
    run_id: str | None
    done: int

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def install_queue_schema(store: Store, schema_sql: str) -> bool:
    """Create the task queue's tables from its own SQL, unless they exist; True when created now."""
    with store.write() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": QUEUE_SCHEMA_LOCK})
        if conn.scalar(text("SELECT to_regclass(:name)"), {"name": QUEUE_MARKER_TABLE}) is not None:
            return False
        conn.connection.driver_connection.execute(schema_sql)  # type: ignore[union-attr]  # psycopg: many statements
        return True


def queue_installed(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return conn.scalar(text("SELECT to_regclass(:name)"), {"name": QUEUE_MARKER_TABLE}) is not None


def register_worker(
    conn: Connection, worker_id: str, *, host: str, pid: int, listen: str | None, now: datetime
) -> None:
    conn.execute(
        insert(cluster_workers).values(
            id=worker_id,
            host=host,
            pid=pid,
            listen=listen,
            started_at=now,
            heartbeat_at=now,
            state="working",
            done=0,
        )
    )


def set_queue_worker(conn: Connection, worker_id: str, queue_worker: int | None) -> None:
    conn.execute(
        update(cluster_workers).where(cluster_workers.c.id == worker_id).values(queue_worker=queue_worker)
    )


def beat_worker(conn: Connection, worker_id: str, *, now: datetime) -> bool:
    """The worker is alive. True when it had been given up for lost meanwhile (it was silent too long:
    its task was handed to another worker, whose ledger leases and source leases keep the two apart)."""
    was = conn.scalar(select(cluster_workers.c.state).where(cluster_workers.c.id == worker_id))
    conn.execute(
        update(cluster_workers)
        .where(cluster_workers.c.id == worker_id)
        .values(heartbeat_at=now, state="working", stopped_at=None)
    )
    return was == "lost"


def start_task(conn: Connection, worker_id: str, task: str, run_id: str) -> None:
    conn.execute(
        update(cluster_workers)
        .where(cluster_workers.c.id == worker_id)
        .values(task=task[:200], run_id=run_id)
    )


def finish_task(conn: Connection, worker_id: str) -> None:
    conn.execute(
        update(cluster_workers)
        .where(cluster_workers.c.id == worker_id)
        .values(task=None, run_id=None, done=cluster_workers.c.done + 1)
    )


def stop_worker(conn: Connection, worker_id: str, *, now: datetime) -> None:
    conn.execute(
        update(cluster_workers)
        .where(cluster_workers.c.id == worker_id)
        .values(state="stopped", stopped_at=now, task=None, run_id=None)
    )


def give_up_silent(conn: Connection, *, silent_since: datetime, now: datetime) -> list[WorkerRow]:
    """Workers that have not beaten since then are lost (killed, or their host is gone): mark them so and
    return them as they were, with the task and run they were in."""
    silent = [
        _worker(r)
        for r in conn.execute(
            select(cluster_workers)
            .where(cluster_workers.c.state == "working", cluster_workers.c.heartbeat_at < silent_since)
            .with_for_update(skip_locked=True)
        )
    ]
    if silent:
        conn.execute(
            update(cluster_workers)
            .where(cluster_workers.c.id.in_([w.id for w in silent]))
            .values(state="lost", stopped_at=now)
        )
    return silent


def list_workers(conn: Connection, *, since: datetime) -> list[WorkerRow]:
    """Working workers, and those that stopped or were lost since then, oldest first."""
    rows = conn.execute(
        select(cluster_workers)
        .where(or_(cluster_workers.c.state == "working", cluster_workers.c.stopped_at >= since))
        .order_by(cluster_workers.c.started_at, cluster_workers.c.id)
    )
    return [_worker(r) for r in rows]


def forget_workers(conn: Connection, *, before: datetime) -> int:
    """Forget workers that stopped (or were lost) before then (housekeeping); how many."""
    return conn.execute(
        delete(cluster_workers).where(
            cluster_workers.c.state != "working", cluster_workers.c.stopped_at < before
        )
    ).rowcount


def reserve_send_slot(conn: Connection, name: str, *, per_second: float) -> float:
    """Take the next free slot of the cluster's sending pace `name`; the seconds to wait for it (0: now).

    Slots are 1/per_second apart on the database's clock, so all workers together send at most
    `per_second` messages a second, however many there are and whatever their own clocks say.
    """
    gap = 1.0 / per_second
    conn.execute(
        text(
            "INSERT INTO send_slots (name, next_free) VALUES (:name, clock_timestamp()) "
            "ON CONFLICT (name) DO NOTHING"
        ),
        {"name": name},
    )
    wait = conn.scalar(
        text(
            "UPDATE send_slots "
            "SET next_free = GREATEST(next_free, clock_timestamp()) + make_interval(secs => :gap) "
            "WHERE name = :name "
            "RETURNING EXTRACT(EPOCH FROM (next_free - clock_timestamp()))::float8 - :gap"
        ),
        {"name": name, "gap": gap},
    )
    return max(float(wait or 0.0), 0.0)


def queue_counts(conn: Connection) -> dict[str, dict[str, int]]:
    """Jobs in the task queue (procrastinate's table), per task and status: {task: {status: count}}."""
    counts: dict[str, dict[str, int]] = {}
    if not queue_installed(conn):
        return counts
    rows = conn.execute(
        text(
            "SELECT task_name, status::text, count(*) FROM procrastinate_jobs "
            "GROUP BY task_name, status ORDER BY task_name"
        )
    )
    for task, status, count in rows:
        counts.setdefault(task, {})[status] = count
    return counts


WORKERS_SHOWN = timedelta(days=1)  # `status` lists workers that stopped within this


def cluster_state(conn: Connection, *, now: datetime) -> dict[str, Any]:
    """What `status` shows of a cluster: its workers (and those gone within a day) and the task queue."""
    return {
        "workers": [w.as_dict() for w in list_workers(conn, since=now - WORKERS_SHOWN)],
        "tasks": queue_counts(conn),
    }


def _worker(row: Any) -> WorkerRow:
    return WorkerRow(
        row.id,
        row.host,
        row.pid,
        row.queue_worker,
        row.listen,
        row.started_at,
        row.heartbeat_at,
        row.stopped_at,
        row.state,
        row.task,
        row.run_id,
        row.done,
    )
