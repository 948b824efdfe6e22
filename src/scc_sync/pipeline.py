"""The three jobs — sync, digest, remind — as functions of (config, store, transport/client, clock).

The CLI and the scheduler both call these; neither holds business logic. Each job runs under a lease
in the store (one at a time across processes) and leaves a row in `job_runs` for `status`.

The lease is short and renewed by a thread while the job runs, so a killed process blocks the next
run for at most LOCK_TTL; a holder on this host whose process is gone is detected at once by its pid.
Leases run on the wall clock, not on the job's (possibly fixed) business clock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from scc_sync.config import Config
from scc_sync.fetch.http import HttpClient
from scc_sync.logs import RUN_ID
from scc_sync.store import Store
from scc_sync.store.locks import LockBusy, acquire, release, renew, take_over
from scc_sync.store.schema import job_runs
from scc_sync.sync import SourceReport, SyncReport, sync

log = logging.getLogger(__name__)

LOCK_TTL = timedelta(minutes=2)
LOCK_RENEW_EVERY = LOCK_TTL / 4


def lock_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{RUN_ID}"


def _wall() -> datetime:
    return datetime.now(UTC)


@contextmanager
def job(store: Store, name: str, *, now: Callable[[], datetime]) -> Iterator[dict[str, Any]]:
    """Hold the job's lease and record the run; the caller fills the yielded dict with details."""
    owner = lock_owner()
    take_lease(store, name, owner)
    keeper = _LeaseKeeper(store, name, owner)
    keeper.start()
    try:
        with _recorded_run(store, name, now=now) as detail:
            yield detail
    finally:
        keeper.stop()
        release(store, name, owner)


@contextmanager
def _recorded_run(store: Store, name: str, *, now: Callable[[], datetime]) -> Iterator[dict[str, Any]]:
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


def take_lease(store: Store, name: str, owner: str) -> None:
    """Acquire the lease, taking it over from a holder on this host whose process has died."""
    try:
        acquire(store, name, owner, now=_wall(), ttl=LOCK_TTL)
    except LockBusy as busy:
        if not holder_is_dead(busy.owner) or not take_over(
            store, name, busy.owner, owner, now=_wall(), ttl=LOCK_TTL
        ):
            raise
        log.warning(
            "%s: took over the lease of %s, a process on this host that no longer runs", name, busy.owner
        )
        _mark_abandoned(store, name, busy.owner)


def holder_is_dead(owner: str) -> bool:
    """True when `owner` (host:pid:run) ran on this host and that process is gone (or is us, restarted)."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or parts[0] != socket.gethostname():
        return False
    pid, run_id = int(parts[1]), parts[2]
    if pid == os.getpid():
        return run_id != RUN_ID  # a previous life of this pid (a restarted container)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _mark_abandoned(store: Store, name: str, owner: str) -> None:
    with store.write() as conn:
        conn.execute(
            update(job_runs)
            .where(job_runs.c.job == name, job_runs.c.run_id == owner.rsplit(":", 1)[-1])
            .where(job_runs.c.status == "running")
            .values(status="abandoned", finished_at=_wall(), detail={"error": "the process died mid-run"})
        )


class _LeaseKeeper:
    """Renews a lease every LOCK_RENEW_EVERY until stopped."""

    def __init__(self, store: Store, name: str, owner: str) -> None:
        self._store, self._name, self._owner = store, name, owner
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopped.wait(LOCK_RENEW_EVERY.total_seconds()):
            try:
                if not renew(self._store, self._name, self._owner, now=_wall(), ttl=LOCK_TTL):
                    log.error(
                        "%s: lost the lease (it expired and was taken); finishing this run anyway", self._name
                    )
            except Exception:  # a database hiccup: try again next time, the lease has slack
                log.exception("%s: renewing the lease failed", self._name)


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
