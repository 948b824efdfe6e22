"""What `scc-sync status` and `healthcheck` report: plain data read from the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from scc_sync.store.items import count_items
from scc_sync.store.schema import job_runs, outbox
from scc_sync.store.sources import list_sources


def source_health(conn: Connection) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "url": s.fetch_url,
            "last_attempt": s.last_attempt,
            "last_success": s.last_success,
            "last_status": s.last_status,
            "last_error": s.last_error,
            "failures": s.failures,
            "next_due": s.next_due,
            "gone": s.gone,
            "items": count_items(conn, s.name),
            "warning": s.warning,
        }
        for s in list_sources(conn)
    ]


def last_runs(conn: Connection) -> list[dict[str, Any]]:
    """The newest run of each job."""
    newest = select(job_runs.c.job, func.max(job_runs.c.id).label("id")).group_by(job_runs.c.job).subquery()
    rows = conn.execute(select(job_runs).join(newest, newest.c.id == job_runs.c.id).order_by(job_runs.c.job))
    return [
        {
            "job": r.job,
            "started": r.started_at,
            "finished": r.finished_at,
            "status": r.status,
            "detail": r.detail,
        }
        for r in rows
    ]


def queue_by_state(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
    return {state: count for state, count in rows}


def last_success(conn: Connection, job: str) -> datetime | None:
    return conn.scalar(
        select(func.max(job_runs.c.finished_at)).where(job_runs.c.job == job, job_runs.c.status == "ok")
    )
