"""Health: a fresh heartbeat and a recent successful sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from scc_sync.config import parse_config
from scc_sync.service.daemon import beat
from scc_sync.service.health import check_health
from scc_sync.store import Store
from scc_sync.store.runs import last_good_sync
from scc_sync.store.schema import job_runs

NOW = datetime(2021, 10, 19, 8, 0, tzinfo=UTC)
CONFIG = parse_config(
    {
        "state": {"retention_days": 30},
        "sync": {"interval": "10m", "jitter": "1m"},
        "service": {"heartbeat": "30s"},
    }
)


def add_run(
    conn, job: str, finished: datetime | None, status: str = "ok", detail: dict | None = None
) -> None:
    started = (finished or NOW) - timedelta(minutes=1)
    conn.execute(
        insert(job_runs).values(
            run_id="r", job=job, started_at=started, finished_at=finished, status=status, detail=detail
        )
    )


def test_last_good_sync_ignores_runs_where_every_source_failed(store: Store) -> None:
    with store.write() as conn:
        add_run(conn, "sync", NOW - timedelta(hours=2))
        add_run(
            conn,
            "sync",
            NOW - timedelta(hours=1),
            "failed",
            {"summary": "…", "failed": ["a"], "attempted": 3},
        )  # one of three failed: still a sync
        add_run(
            conn,
            "sync",
            NOW - timedelta(minutes=30),
            "failed",
            {"summary": "…", "failed": ["a", "b"], "attempted": 2},
        )  # all failed
        add_run(conn, "sync", NOW - timedelta(minutes=10), "failed", {})  # crashed
    with store.read() as conn:
        assert last_good_sync(conn) == NOW - timedelta(hours=1)


def test_health(store: Store) -> None:
    def health(at: datetime, **kw: object) -> list[str]:
        with store.read() as conn:
            return check_health(conn, CONFIG, now=at, **kw).problems  # type: ignore[arg-type]

    assert "no heartbeat" in health(NOW)[0]
    beat(store, started=NOW, now=NOW + timedelta(minutes=5))
    assert health(NOW + timedelta(minutes=5)) == []  # started recently, no sync yet: fine
    beat(store, started=NOW, now=NOW + timedelta(minutes=32))
    late = health(NOW + timedelta(minutes=32))  # three periods (30m) + jitter (1m) passed without a sync
    assert late == ["no successful sync ever (limit 31m); see `scc-sync status`"]
    with store.write() as conn:
        add_run(conn, "sync", NOW + timedelta(minutes=31))
    beat(store, started=NOW, now=NOW + timedelta(minutes=32))
    assert health(NOW + timedelta(minutes=32)) == []
    assert "no successful sync since" in health(NOW + timedelta(minutes=32), max_age=timedelta(seconds=30))[0]
    stale = health(NOW + timedelta(minutes=35))
    assert stale[0].startswith("heartbeat is 3m old (limit 90s): the service is not running or hangs")
    beat(store, started=NOW, now=NOW + timedelta(minutes=36), stopped=True)
    assert health(NOW + timedelta(minutes=36))[0].startswith(
        "the service stopped at 2021-10-19 10:36:00 CEST"
    )
