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
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, update

from scc_sync.config import Config
from scc_sync.logs import RUN_ID, current_run_id
from scc_sync.newsletter.delivery import DeliveryReport, deliver, make_transport, retry_policy
from scc_sync.newsletter.digest import send_digests
from scc_sync.newsletter.reminders import send_reminders
from scc_sync.newsletter.transports import Transport
from scc_sync.store import Store
from scc_sync.store.locks import hold
from scc_sync.store.schema import job_runs

if TYPE_CHECKING:  # digest and remind need no HTTP stack: import it only for sync
    from scc_sync.fetch.http import HttpClient
    from scc_sync.sync import SourceReport, SyncReport

__all__ = [
    "DeliveryReport",
    "job",
    "lock_owner",
    "make_transport",
    "run_digest",
    "run_remind",
    "run_retries",
    "run_sync",
]


def lock_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{RUN_ID}"


@contextmanager
def job(store: Store, name: str, *, now: Callable[[], datetime]) -> Iterator[dict[str, Any]]:
    """Hold the job's lease and record the run; the caller fills the yielded dict with details."""
    with hold(store, name, lock_owner()):
        detail: dict[str, Any] = {}
        with store.write() as conn:
            run = conn.execute(
                insert(job_runs).values(run_id=current_run_id(), job=name, started_at=now(), status="running")
            ).inserted_primary_key[0]
        status = "failed"
        try:
            yield detail
            status = "failed" if detail.get("failed") or detail.get("stopped") else "ok"
        except KeyboardInterrupt:
            status = "aborted"  # Ctrl-C: what was stored so far stays stored
            raise
        except Exception as exc:
            detail.setdefault("error", f"{type(exc).__name__}: {exc}")
            raise
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
    from scc_sync.sync import sync

    with job(store, "sync", now=now) as detail:
        report = sync(
            config, store, client, now=now, only=only, respect_schedule=respect_schedule, on_done=on_done
        )
        detail.update(
            summary=report.line(),
            new=sum(s.new for s in report.sources),
            updated=sum(s.updated for s in report.sources),
            rechecked=sum(s.rechecked for s in report.sources),
            failed=[s.name for s in report.failed],
            attempted=sum(1 for s in report.sources if s.status != "skipped"),
        )
    return report


def run_digest(
    config: Config,
    store: Store,
    transport: Transport,
    *,
    now: Callable[[], datetime],
    dry_run: bool = False,
    subscriber: str | None = None,
) -> DeliveryReport:
    """Queue the last closed period's digests (daily and weekly) and deliver every digest that is due."""
    with job(store, "digest", now=now) as detail:
        report = send_digests(
            config, store, transport, now=now, owner=lock_owner(), dry_run=dry_run, subscriber=subscriber
        )
        detail.update(report.detail())
    return report


def run_retries(
    config: Config, store: Store, transport: Transport, *, now: Callable[[], datetime]
) -> DeliveryReport:
    """Send the digests and reminders that are due again (deferred, or left queued by a stopped run)."""
    with job(store, "retry", now=now) as detail:
        report = DeliveryReport("retry")
        deliver(
            store,
            transport,
            owner=lock_owner(),
            now=now,
            policy=retry_policy(config),
            kinds=("digest", "reminder"),
            report=report,
        )
        detail.update(report.detail())
    return report


def run_remind(
    config: Config, store: Store, transport: Transport, *, now: Callable[[], datetime], dry_run: bool = False
) -> DeliveryReport:
    """Queue the reminders that are due and deliver every reminder that is due."""
    with job(store, "remind", now=now) as detail:
        report = send_reminders(config, store, transport, now=now, owner=lock_owner(), dry_run=dry_run)
        detail.update(report.detail())
    return report
