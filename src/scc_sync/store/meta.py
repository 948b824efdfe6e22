"""Small named JSON values in the `meta` table: the service's heartbeat, next run times, last fire times."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from scc_sync.store.schema import meta

HEARTBEAT = "service.heartbeat"
NEXT_RUNS = "service.next_runs"
LAST_FIRED = "service.last_fired"


def put_meta(conn: Connection, key: str, value: Any, *, now: datetime) -> None:
    text = json.dumps(value, default=_iso)
    if not conn.execute(update(meta).where(meta.c.key == key).values(value=text, updated_at=now)).rowcount:
        conn.execute(insert(meta).values(key=key, value=text, updated_at=now))


def get_meta(conn: Connection, key: str) -> Any:
    raw = conn.scalar(select(meta.c.value).where(meta.c.key == key))
    return None if raw is None else json.loads(raw)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"not JSON serializable: {value!r}")


@dataclass(frozen=True)
class Heartbeat:
    at: datetime
    started: datetime
    pid: int
    host: str
    stopped: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "started": self.started,
            "pid": self.pid,
            "host": self.host,
            "stopped": self.stopped,
        }


def write_heartbeat(conn: Connection, beat: Heartbeat) -> None:
    put_meta(conn, HEARTBEAT, beat.as_json(), now=beat.at)


def read_heartbeat(conn: Connection) -> Heartbeat | None:
    data = get_meta(conn, HEARTBEAT)
    if data is None:
        return None
    return Heartbeat(
        datetime.fromisoformat(data["at"]),
        datetime.fromisoformat(data["started"]),
        data["pid"],
        data["host"],
        data.get("stopped", False),
    )


def read_times(conn: Connection, key: str) -> dict[str, datetime | None]:
    """A {name: time} map stored under `key` (NEXT_RUNS, LAST_FIRED)."""
    data = get_meta(conn, key) or {}
    return {name: datetime.fromisoformat(at) if at else None for name, at in data.items()}


def service_state(conn: Connection) -> dict[str, Any]:
    """The heartbeat and the scheduler's next run times, as `status` shows them."""
    beat = read_heartbeat(conn)
    return {"heartbeat": beat.as_json() if beat else None, "next_runs": read_times(conn, NEXT_RUNS)}
