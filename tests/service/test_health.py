"""Housekeeping prunes by `[state] retention_days`; health = fresh heartbeat + a recent successful sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from scc_sync.config import parse_config
from scc_sync.models import Item
from scc_sync.pipeline.housekeeping import run_housekeeping
from scc_sync.service.daemon import beat
from scc_sync.service.health import check_health
from scc_sync.store import Store
from scc_sync.store.article_failures import ArticleFailure, remember_failures, remembered_failures
from scc_sync.store.items import save_item
from scc_sync.store.runs import last_good_sync
from scc_sync.store.schema import items, job_runs, outbox
from scc_sync.store.sources import ensure_source

NOW = datetime(2021, 10, 19, 8, 0, tzinfo=UTC)
CONFIG = parse_config(
    {
        "state": {"retention_days": 30},
        "sync": {"interval": "10m", "jitter": "1m"},
        "service": {"heartbeat": "30s"},
    }
)


def add_mail(conn, ref: str, state: str, updated: datetime) -> None:
    conn.execute(
        insert(outbox).values(
            kind="digest",
            ref=ref,
            recipient="a@b.example",
            message_id=f"<{ref}@x>",
            state=state,
            attempts=1,
            created_at=updated,
            updated_at=updated,
        )
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


def test_housekeeping_prunes_only_what_is_old_and_finished(store: Store) -> None:
    old, recent = NOW - timedelta(days=31), NOW - timedelta(days=29)
    with store.write() as conn:
        ensure_source(conn, name="s", kind="feed", url="https://s.example/feed", now=old)
        save_item(conn, Item("s", "old", "https://s.example/1", "Alt"), now=old, raw=b"<html>old</html>")
        save_item(conn, Item("s", "new", "https://s.example/2", "Neu"), now=recent, raw=b"<html>new</html>")
        add_mail(conn, "sent-old", "sent", old)
        add_mail(conn, "failed-old", "failed", old)
        add_mail(conn, "queued-old", "queued", old)  # still to be delivered: never pruned
        add_mail(conn, "sent-recent", "sent", recent)
        add_run(conn, "sync", old)
        add_run(conn, "sync", recent)
        add_run(conn, "digest", None, status="running")
        remember_failures(
            conn,
            "s",
            [
                failure("given-up-old", failed=old, retry_at=None),
                failure("given-up-recent", failed=recent, retry_at=None),
                failure("waiting-old", failed=old, retry_at=NOW),  # still to be asked: never pruned
            ],
        )
    assert run_housekeeping(CONFIG, store, now=lambda: NOW) == {
        "raw_pages": 1,
        "mails": 2,
        "job_runs": 1,
        "article_failures": 1,
    }
    with store.read() as conn:
        assert dict(conn.execute(select(items.c.key, items.c.raw)).all()) == {
            "old": None,
            "new": b"<html>new</html>",
        }
        assert sorted(conn.scalars(select(outbox.c.ref))) == ["queued-old", "sent-recent"]
        runs = conn.execute(select(job_runs.c.job, job_runs.c.status).order_by(job_runs.c.id)).all()
    # The recent sync, the unfinished digest, and housekeeping's own record remain.
    assert [tuple(r) for r in runs] == [("sync", "ok"), ("digest", "running"), ("housekeeping", "ok")]
    with store.read() as conn:
        assert set(remembered_failures(conn, "s")) == {"given-up-recent", "waiting-old"}


def failure(key: str, *, failed: datetime, retry_at: datetime | None) -> ArticleFailure:
    return ArticleFailure(
        key, f"https://s.example/{key}", "refused", "blocked", 403, "refused", 4, failed, failed, retry_at
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
