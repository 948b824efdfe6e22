"""The service's health, for `scc-sync healthcheck`: alive (a fresh heartbeat, not stopped) and synced
recently enough. Plain data read from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scc_sync.config import Config
from scc_sync.service.scheduler import sync_period
from scc_sync.store import Connection
from scc_sync.store.meta import Heartbeat, read_heartbeat
from scc_sync.store.runs import last_good_sync

HEARTBEAT_MISSES = 3  # beats that may be missed before the service counts as dead


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
    """Alive (a fresh heartbeat, not stopped) and synced recently enough (default: three sync periods and
    the jitter).

    A service that started less than `max_age` ago and has not finished its first sync yet is healthy.
    """
    max_age = max_age or 3 * sync_period(config, now=now) + config.sync.jitter
    beat_limit = HEARTBEAT_MISSES * config.service.heartbeat
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
        when = f"since {_local(last, config)}" if last else "ever"
        problems.append(f"no successful sync {when} (limit {_age(max_age)}); see `scc-sync status`")
    return Health(not problems, problems, beat, last)


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _local(moment: datetime, config: Config) -> str:
    return moment.astimezone(config.zone).strftime("%Y-%m-%d %H:%M:%S %Z")
