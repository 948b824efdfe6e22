"""The state database's tables (SQLAlchemy Core).

This is the schema of the newest migration; `migrations/versions/` holds the steps that build it, and
`tests/store/test_migrations.py` checks that the two agree. All timestamps are stored in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware in Python, UTC in the database (SQLite has no time zones: it gets naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: scc-sync stores only timezone-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(name: str, **kwargs: Any) -> Column[datetime]:
    return Column(name, UtcDateTime(), **kwargs)


# One row per configured source: its validators and its health.
sources = Table(
    "sources",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("url", Text, nullable=False),  # as configured
    Column("effective_url", Text),  # after a confirmed permanent redirect
    Column("etag", Text),
    Column("last_modified", Text),
    Column("content_hash", String(64)),
    Column("settings_hash", String(64)),  # what decides what the bytes yield (selector, ...): see 0004
    _utc("last_attempt_at"),
    _utc("last_success_at"),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("failures", Integer, nullable=False, default=0),
    _utc("next_due_at"),
    Column("min_interval", Integer),  # seconds, from <ttl> or Cache-Control
    Column("gone", Boolean, nullable=False, default=False),
    Column("redirect_target", Text),  # a permanent redirect seen, not yet adopted
    Column("redirect_seen", Integer, nullable=False, default=0),
    Column("links_found", Integer),  # pages: links the selector found last time
    Column("warning", Text),
    Column("article_warning", Text),  # what its article pages did wrong last time any was asked (see 0006)
    _utc("created_at", nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(200), ForeignKey("sources.name", ondelete="CASCADE"), nullable=False),
    Column("key", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False, default=""),
    _utc("published_at", nullable=False),  # the source's date, else first-seen time
    _utc("first_seen_at", nullable=False),
    _utc("changed_at", nullable=False),  # first seen, or last meaningful change
    Column("revision", Integer, nullable=False, default=1),
    Column("content_hash", String(64), nullable=False),
    Column("summary", JSON),  # Summary.to_dict() of the article, when extracted
    Column("raw", LargeBinary),  # the fetched article page; pruned by housekeeping
    # Page sources re-check their articles for a while (see 0005): the article's validators, a hash of its
    # bytes, when it was last fetched, and when it answered 404/410 (then it is no longer re-checked).
    Column("article_etag", Text),
    Column("article_last_modified", Text),
    Column("article_hash", String(64)),
    _utc("article_checked_at"),
    _utc("article_gone_at"),
    UniqueConstraint("source", "key", name="uq_items_source_key"),
    Index("ix_items_changed_at", "changed_at"),
)

# Article pages that could not be read (see 0006): when to ask again (never, if retry_at is empty) and
# what went wrong; a successful read deletes the row. The key is the item's (a page source's link).
article_failures = Table(
    "article_failures",
    metadata,
    Column("source", String(200), ForeignKey("sources.name", ondelete="CASCADE"), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("url", Text, nullable=False),  # the article page asked for
    Column("reason", String(10), nullable=False),  # gone | refused | transient: decides the back-off
    Column("kind", String(20), nullable=False),  # what the last answer was: blocked, consent, timeout, …
    Column("status", Integer),
    Column("error", Text, nullable=False),
    Column("failures", Integer, nullable=False),  # in a row, for this reason
    _utc("first_failed_at", nullable=False),
    _utc("last_failed_at", nullable=False),
    _utc("retry_at"),
    Column("title", Text),  # page sources: the link's text on the listing
)

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", Text, nullable=False),
    Column("email_key", String(320), nullable=False, unique=True),  # lower-cased: unique case-insensitively
    Column("name", Text),
    Column("locale", String(5), nullable=False, default="de"),
    Column("frequency", String(10), nullable=False, default="weekly"),
    Column("status", String(15), nullable=False, default="pending"),
    Column("reminders", Boolean, nullable=False, default=True),
    Column("keywords", JSON, nullable=False, default=list),
    Column("sources", JSON, nullable=False, default=list),
    Column("origin", String(20), nullable=False),  # config | cli | import | web
    Column("consent_source", Text),
    _utc("consent_at"),
    _utc("created_at", nullable=False),
    _utc("confirmed_at"),
    _utc("unsubscribed_at"),
    _utc("updated_at", nullable=False),
)

# A digest issue: the items of one period for one frequency, frozen once.
digest_issues = Table(
    "digest_issues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("frequency", String(10), nullable=False),
    Column("period_key", String(40), nullable=False),
    _utc("period_start", nullable=False),
    _utc("period_end", nullable=False),
    _utc("created_at", nullable=False),
    UniqueConstraint("frequency", "period_key", name="uq_digest_issues_period"),
)

digest_issue_items = Table(
    "digest_issue_items",
    metadata,
    Column("issue_id", Integer, ForeignKey("digest_issues.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("revision", Integer, nullable=False),
)

# Which item revision went to which subscriber (in which ledger row): each revision reaches a person once,
# even when they switch between daily and weekly issues.
digest_deliveries = Table(
    "digest_deliveries",
    metadata,
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("outbox_id", Integer, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),  # name + year
    Column("name", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("location", Text),
    Column("url", Text),
    Column("origin", String(10), nullable=False),  # config | extracted
    Column("reminders", JSON, nullable=False),
    Column(
        "sequence", Integer, nullable=False, default=0
    ),  # bumped when the dates change (iCalendar SEQUENCE)
    Column("item_id", Integer, ForeignKey("items.id", ondelete="SET NULL")),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
)

# The delivery ledger: one row per message we promised to send, committed before any attempt.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # digest | reminder | confirm | alert
    Column("ref", String(200), nullable=False),  # issue id, event key + offset, …
    Column("recipient", String(320), nullable=False),  # lower-cased address
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="SET NULL")),
    Column("message_id", Text, nullable=False),
    Column("state", String(12), nullable=False, default="queued"),
    Column("attempts", Integer, nullable=False, default=0),
    _utc("next_attempt_at"),
    Column("lease_owner", String(64)),
    _utc("lease_until"),
    Column("last_reply", Text),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
    _utc("sent_at"),
    _utc("last_attempt_at"),
    _utc("expires_at"),  # not sent once a run's clock is past this (see 0008): it becomes `expired`
    UniqueConstraint("kind", "ref", "recipient", name="uq_outbox_kind_ref_recipient"),
    Index("ix_outbox_state", "state"),
)

# The message bytes of each ledger row, rendered once and written with the row at queue time. Kept apart
# from `outbox` so that the per-attempt state and lease updates rewrite a small row, not ~12 KiB of mail;
# deleting a ledger row deletes its bytes (SQLite: the store turns on PRAGMA foreign_keys).
outbox_payloads = Table(
    "outbox_payloads",
    metadata,
    Column(
        "outbox_id",
        Integer,
        ForeignKey("outbox.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("payload", LargeBinary, nullable=False),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(32), nullable=False),
    Column("job", String(40), nullable=False),
    _utc("started_at", nullable=False),
    _utc("finished_at"),
    Column("status", String(10), nullable=False),  # running | ok | failed | aborted | abandoned
    Column("detail", JSON),
    Index("ix_job_runs_job_started", "job", "started_at"),
)

# Small named values: the service heartbeat, generated defaults.
meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    _utc("updated_at", nullable=False),
)

# Named leases that keep one sync (or digest) at a time across processes.
locks = Table(
    "locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("owner", String(100), nullable=False),
    _utc("acquired_at", nullable=False),
    _utc("expires_at", nullable=False),
)

# Cluster mode (`scc-sync worker`, PostgreSQL only): who works, and the shared sending pace. The task queue's
# own tables (procrastinate_*) are the queue library's, created by it (see `store.cluster`).
cluster_workers = Table(
    "cluster_workers",
    metadata,
    Column("id", String(100), primary_key=True),  # "host:pid:run-id", like every lease owner
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("queue_worker", Integer),  # the task queue's id of this worker
    Column("listen", String(100)),  # where its /metrics answer
    _utc("started_at", nullable=False),
    _utc("heartbeat_at", nullable=False),
    _utc("stopped_at"),
    Column("state", String(10), nullable=False),  # working | stopped | lost
    Column("task", String(200)),  # what it is doing now
    Column("run_id", String(32)),  # the job_runs row of that task, closed by whoever finds the worker lost
    Column("done", Integer, nullable=False),  # tasks finished
)

# The cluster's sending pace: each message takes the next free slot, 1/max_per_second after the last one.
send_slots = Table(
    "send_slots",
    metadata,
    Column("name", String(40), primary_key=True),
    _utc("next_free", nullable=False),
)
