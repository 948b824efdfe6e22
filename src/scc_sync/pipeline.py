"""The three jobs — sync, digest, remind — as functions of (config, store, transport/client, clock).

The CLI and the scheduler both call these; neither holds business logic. Each job runs under a lease
in the store (one at a time across processes; see `store.locks.hold`) and leaves a row in `job_runs`
for `status`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update

from scc_sync.config import Config
from scc_sync.fetch.http import HttpClient
from scc_sync.logs import RUN_ID
from scc_sync.store import Store
from scc_sync.store.locks import hold
from scc_sync.store.schema import job_runs
from scc_sync.sync import SourceReport, SyncReport, sync


def lock_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{RUN_ID}"


@contextmanager
def job(store: Store, name: str, *, now: Callable[[], datetime]) -> Iterator[dict[str, Any]]:
    """Hold the job's lease and record the run; the caller fills the yielded dict with details."""
    with hold(store, name, lock_owner()):
        detail: dict[str, Any] = {}
        with store.write() as conn:
            run = conn.execute(
                insert(job_runs).values(run_id=RUN_ID, job=name, started_at=now(), status="running")
            ).inserted_primary_key[0]
        status = "failed"
        try:
            yield detail
            status = "failed" if detail.get("failed") else "ok"
        finally:
            with store.write() as conn:
                conn.execute(
                    update(job_runs)
                    .where(job_runs.c.id == run)
                    .values(finished_at=now(), status=status, detail=detail)
                )


def run_sync(
    config: Config,
    store: Store,
    client: HttpClient,
    *,
    now: Callable[[], datetime],
    only: Iterable[str] = (),
    respect_schedule: bool = False,
    on_done: Callable[[SourceReport], None] | None = None,
) -> SyncReport:
    with job(store, "sync", now=now) as detail:
        report = sync(
            config, store, client, now=now, only=only, respect_schedule=respect_schedule, on_done=on_done
        )
        detail.update(
            summary=report.line(),
            new=sum(s.new for s in report.sources),
            updated=sum(s.updated for s in report.sources),
            failed=[s.name for s in report.failed],
        )
    return report
