"""Job runs (`job_runs`): one row per run of a job, for `status`, the health check and housekeeping.

A run starts `running` and ends `ok`, `failed` or `aborted`; one cut off by a shutdown, or by the death of
its process, is closed as `failed` or `abandoned` by whoever notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from scc_sync.store.schema import job_runs

RECENT_SYNC_RUNS = 50  # how far back `last_good_sync` looks


def start_run(conn: Connection, *, run_id: str, job: str, now: datetime) -> int:
    """A new `running` row; its id, for `finish_run`."""
    values = {"run_id": run_id, "job": job, "started_at": now, "status": "running"}
    return int(conn.execute(insert(job_runs).values(**values).returning(job_runs.c.id)).scalar_one())


def finish_run(conn: Connection, run: int, *, now: datetime, status: str, detail: dict[str, Any]) -> None:
    conn.execute(
        update(job_runs).where(job_runs.c.id == run).values(finished_at=now, status=status, detail=detail)
    )


def abort_runs(conn: Connection, run_ids: Sequence[str], *, now: datetime, why: str) -> None:
    """Close the runs with these run ids that are still `running`: a shutdown cut them off."""
    conn.execute(
        update(job_runs)
        .where(job_runs.c.run_id.in_(list(run_ids)), job_runs.c.status == "running")
        .values(status="failed", finished_at=now, detail={"aborted": why})
    )


def abandon_runs(conn: Connection, job: str, *, now: datetime) -> None:
    """Close the job's `running` rows: their process died (the lease makes one run of a job at a time,
    so every such row was the dead one's)."""
    conn.execute(
        update(job_runs)
        .where(job_runs.c.job == job, job_runs.c.status == "running")
        .values(status="abandoned", finished_at=now, detail={"error": "the process died mid-run"})
    )


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
            "result": _result(r.detail or {}),
            "detail": r.detail,
        }
        for r in rows
    ]


def _result(detail: dict[str, Any]) -> str | None:
    """One line on how a run ended: its error, why it stopped sending, or its summary."""
    if detail.get("error"):
        return str(detail["error"])
    if detail.get("stopped"):
        return f"stopped sending: {detail['stopped']}"
    return detail.get("summary")


def last_good_sync(conn: Connection) -> datetime | None:
    """When the newest sync finished that reached at least one source (or had none due).

    A sync in which one source of many failed still counts: that source is the alerts' business.
    """
    rows = conn.execute(
        select(job_runs.c.finished_at, job_runs.c.status, job_runs.c.detail)
        .where(job_runs.c.job == "sync", job_runs.c.finished_at.is_not(None))
        .order_by(job_runs.c.id.desc())
        .limit(RECENT_SYNC_RUNS)
    )
    for finished, status, detail in rows:
        detail = detail or {}
        completed = "summary" in detail and detail.get("attempted", 0) > len(detail.get("failed", []))
        if status == "ok" or completed:
            return finished
    return None


def prune_runs(conn: Connection, *, before: datetime) -> int:
    """Forget runs that finished before then (housekeeping); how many."""
    finished = job_runs.c.finished_at.is_not(None) & (job_runs.c.finished_at < before)
    return conn.execute(delete(job_runs).where(finished)).rowcount
