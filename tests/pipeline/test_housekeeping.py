"""Housekeeping prunes what is older than `[state] retention_days` and finished, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from scc_sync.config import parse_config
from scc_sync.models import Item
from scc_sync.pipeline.housekeeping import run_housekeeping
from scc_sync.store import Store
from scc_sync.store.article_failures import ArticleFailure, remember_failures, remembered_failures
from scc_sync.store.items import save_item
from scc_sync.store.runs import finish_run, start_run
from scc_sync.store.schema import items, job_runs, outbox
from scc_sync.store.sources import ensure_source

NOW = datetime(2021, 10, 19, 8, 0, tzinfo=UTC)
CONFIG = parse_config({"state": {"retention_days": 30}})


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
        for finished in (old, recent):
            run = start_run(conn, run_id="r", job="sync", now=finished - timedelta(minutes=1))
            finish_run(conn, run, now=finished, status="ok", detail={})
        start_run(conn, run_id="r", job="digest", now=NOW)  # still running
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
