"""Housekeeping: forget what is older than `[state] retention_days` (raw article pages, settled mails, job
records, articles given up on), once a day from the service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from scc_sync.config import Config
from scc_sync.pipeline.runs import job
from scc_sync.store import Store
from scc_sync.store.article_failures import prune_failures
from scc_sync.store.items import prune_raw_pages
from scc_sync.store.outbox import prune_finished
from scc_sync.store.runs import prune_runs

log = logging.getLogger(__name__)


def run_housekeeping(config: Config, store: Store, *, now: Callable[[], datetime]) -> dict[str, int]:
    """Prune; returns how many of each kind were pruned."""
    with job(store, "housekeeping", now=now) as detail:
        cutoff = now() - timedelta(days=config.state.retention_days)
        with store.write() as conn:
            pruned = {
                "raw_pages": prune_raw_pages(conn, before=cutoff),
                "mails": prune_finished(conn, before=cutoff),
                "job_runs": prune_runs(conn, before=cutoff),
                "article_failures": prune_failures(conn, before=cutoff),
            }
        detail.update(pruned)
    log.info("housekeeping: pruned %s", ", ".join(f"{n} {what}" for what, n in pruned.items()))
    return pruned
