"""The memory of article pages that could not be read (`pipeline.failed_articles` says when to ask again)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from scc_sync.store.schema import article_failures


@dataclass(frozen=True)
class ArticleFailure:
    """One article page that could not be read, and when to ask for it again."""

    key: str  # the item's key (a page source's link)
    url: str  # the article page asked for
    reason: str  # gone | refused | transient
    kind: str  # what the last answer was: blocked, consent, login, http_status, timeout, …
    status: int | None
    error: str  # the last answer, explained
    failures: int  # in a row, for this reason
    first_failed_at: datetime
    last_failed_at: datetime
    retry_at: datetime | None  # None: not asked for again
    title: str | None = None  # page sources: the link's text on the listing


def remembered_failures(conn: Connection, source: str) -> dict[str, ArticleFailure]:
    """The source's remembered failures, by item key."""
    rows = conn.execute(select(article_failures).where(article_failures.c.source == source))
    return {row.key: _failure(row) for row in rows}


def remember_failures(conn: Connection, source: str, failures: Sequence[ArticleFailure]) -> None:
    """Store these failures, replacing what was remembered for the same keys."""
    forget_failures(conn, source, [f.key for f in failures])
    if failures:
        conn.execute(insert(article_failures), [{"source": source, **asdict(f)} for f in failures])


def forget_failures(conn: Connection, source: str, keys: Sequence[str]) -> None:
    """Articles read successfully: nothing about them to remember."""
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        conn.execute(
            delete(article_failures).where(
                article_failures.c.source == source, article_failures.c.key.in_(chunk)
            )
        )


def prune_failures(conn: Connection, *, before: datetime) -> int:
    """Forget articles given up on before then (housekeeping); one still listed is then asked once more."""
    given_up = article_failures.c.retry_at.is_(None) & (article_failures.c.last_failed_at < before)
    return conn.execute(delete(article_failures).where(given_up)).rowcount


def _failure(row: object) -> ArticleFailure:
    return ArticleFailure(**{name: getattr(row, name) for name in ArticleFailure.__dataclass_fields__})
