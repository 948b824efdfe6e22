"""What `scc-sync status` and `healthcheck` report: plain data read from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Connection, func, select

from scc_sync.config import Config, parse_duration
from scc_sync.store.items import count_items
from scc_sync.store.meta import NEXT_RUNS, Heartbeat, read_heartbeat, read_times
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
            "warning": "; ".join(w for w in (s.warning, s.article_warning) if w) or None,
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


def waiting_retries(conn: Connection, kind: str) -> tuple[int, datetime | None]:
    """Deferred messages of one kind (`digest`, `reminder`) and the earliest next attempt among them."""
    row = conn.execute(
        select(func.count(), func.min(outbox.c.next_attempt_at)).where(
            outbox.c.kind == kind, outbox.c.state == "deferred"
        )
    ).one()
    return row[0], row[1]


# -- the service's health (`scc-sync healthcheck`, `/healthz`) ----------------------------------------------

HEARTBEAT_MISSES = 3  # beats that may be missed before the service counts as dead
RECENT_SYNC_RUNS = 50


@dataclass(frozen=True)
class Health:
    ok: bool
    problems: list[str]
    heartbeat: Heartbeat | None
    last_sync: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "last_good_sync": self.last_sync,
            "heartbeat": self.heartbeat.as_json() if self.heartbeat else None,
        }


def check_health(
    conn: Connection, config: Config, *, now: datetime, max_age: timedelta | None = None
) -> Health:
    """Alive (a fresh heartbeat, not stopped) and synced recently enough (default: three sync periods).

    A service that started less than `max_age` ago and has not finished its first sync yet is healthy.
    """
    max_age = max_age or default_sync_max_age(config)
    beat_limit = HEARTBEAT_MISSES * parse_duration(config.service.heartbeat)
    beat = read_heartbeat(conn)
    last = last_good_sync(conn)
    problems = []
    if beat is None:
        problems.append("no heartbeat: the service (`scc-sync run`) has never run against this database")
    elif beat.stopped:
        problems.append(f"the service stopped at {_local(beat.at, config)} (pid {beat.pid} on {beat.host})")
    elif now - beat.at > beat_limit:
        problems.append(
            f"heartbeat is {_age(now - beat.at)} old (limit {_age(beat_limit)}): the service is "
            f"not running or hangs (last: pid {beat.pid} on {beat.host})"
        )
    since = [t for t in (last, beat.started if beat else None) if t is not None]
    if not since or now - max(since) > max_age:
        since = f"since {_local(last, config)}" if last else "ever"
        problems.append(f"no successful sync {since} (limit {_age(max_age)}); see `scc-sync status`")
    return Health(not problems, problems, beat, last)


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


def default_sync_max_age(config: Config) -> timedelta:
    jitter = parse_duration(config.sync.jitter)
    if config.sync.cron:
        trigger = CronTrigger.from_crontab(config.sync.cron, timezone=config.zone)
        first = trigger.get_next_fire_time(None, datetime.now(config.zone))
        second = trigger.get_next_fire_time(first, first) if first else None
        period = (second - first) if first and second else timedelta(hours=1)
    else:
        period = parse_duration(config.sync.interval or "30m")
    return 3 * period + jitter


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _local(moment: datetime, config: Config) -> str:
    return moment.astimezone(config.zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def service_state(conn: Connection) -> dict[str, Any]:
    """The heartbeat and the scheduler's next run times, as `status` shows them."""
    beat = read_heartbeat(conn)
    return {"heartbeat": beat.as_json() if beat else None, "next_runs": read_times(conn, NEXT_RUNS)}
