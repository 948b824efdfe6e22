"""Logging set-up: readable lines on a terminal, JSON lines for machines; every line carries the run id."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

RUN_ID = uuid.uuid4().hex[:12]  # this process; the service gives each job run its own (see `job_context`)
_CONTEXT_FIELDS = ("job", "source")
_run_id: ContextVar[str] = ContextVar("scc_sync_run_id", default=RUN_ID)
_job: ContextVar[str | None] = ContextVar("scc_sync_job", default=None)


def current_run_id() -> str:
    return _run_id.get()


@contextmanager
def job_context(job: str) -> Iterator[str]:
    """Log lines (and the job_runs row) inside carry a fresh run id and the job's name."""
    run_token, job_token = _run_id.set(uuid.uuid4().hex[:12]), _job.set(job)
    try:
        yield _run_id.get()
    finally:
        _run_id.reset(run_token)
        _job.reset(job_token)


class _RunIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = _run_id.get()
        if getattr(record, "job", None) is None:
            record.job = _job.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": getattr(record, "run_id", RUN_ID),
        }
        for name in _CONTEXT_FIELDS:
            if getattr(record, name, None) is not None:
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        # With the zone: a container's clock is often UTC while messages speak of the configured zone.
        super().__init__("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S %Z")

    def format(self, record: logging.LogRecord) -> str:
        context = [
            f"{name}={getattr(record, name)}" for name in _CONTEXT_FIELDS if getattr(record, name, None)
        ]
        line = super().format(record)
        return f"{line}  [{' '.join(context)} run={getattr(record, 'run_id', RUN_ID)}]" if context else line


def setup_logging(fmt: str = "text", verbosity: int = 0) -> None:
    """`verbosity`: -1 quiet (errors only), 0 warnings and summaries, 1 info, 2 debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_RunIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "urllib3", "alembic", "waitress"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
