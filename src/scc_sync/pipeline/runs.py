"""Every job run holds its lease and leaves a record: one run of a job at a time across processes (see
`store.locks.hold`), and a row in `job_runs` for `status` and the health check.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from scc_sync.logs import RUN_ID, current_run_id
from scc_sync.store import Store
from scc_sync.store.locks import hold
from scc_sync.store.runs import finish_run, start_run


def lock_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{RUN_ID}"


@contextmanager
def job(
    store: Store, name: str, *, now: Callable[[], datetime], lease: str | None = None
) -> Iterator[dict[str, Any]]:
    """Hold the job's lease and record the run; the caller fills the yielded dict with details.

    `lease`: a narrower lease than the job's name, for runs of one job that may overlap (the cluster
    syncs each source under its own, `sync:NAME`)."""
    with hold(store, lease or name, lock_owner()):
        detail: dict[str, Any] = {}
        with store.write() as conn:
            run = start_run(conn, run_id=current_run_id(), job=name, now=now())
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
                finish_run(conn, run, now=now(), status=status, detail=detail)
