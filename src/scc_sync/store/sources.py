"""Per-source sync state: validators, health, back-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from scc_sync.store.items import count_items
from scc_sync.store.schema import sources


@dataclass(frozen=True)
class SourceState:
    name: str
    kind: str
    url: str
    effective_url: str | None
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    settings_hash: str | None
    last_attempt: datetime | None
    last_success: datetime | None
    last_status: int | None
    last_error: str | None
    failures: int
    next_due: datetime | None
    min_interval: int | None
    gone: bool
    redirect_target: str | None
    redirect_seen: int
    links_found: int | None
    warning: str | None
    article_warning: str | None = None  # what its article pages did wrong when any was last asked for

    @property
    def fetch_url(self) -> str:
        return self.effective_url or self.url

    def is_due(self, now: datetime) -> bool:
        return not self.gone and (self.next_due is None or self.next_due <= now)


def ensure_source(
    conn: Connection, *, name: str, kind: str, url: str, now: datetime, settings_hash: str | None = None
) -> SourceState:
    """The stored state of a configured source.

    A changed URL starts it afresh. Changed settings (`settings_hash`: what decides what the same bytes
    yield, such as the link selector) drop the validators, so the next fetch is processed even if the
    server says nothing changed.
    """
    state = get_source(conn, name)
    if state is None:
        conn.execute(
            insert(sources).values(
                name=name,
                kind=kind,
                url=url,
                settings_hash=settings_hash,
                failures=0,
                gone=False,
                redirect_seen=0,
                created_at=now,
            )
        )
    elif state.url != url or state.kind != kind:
        conn.execute(
            update(sources)
            .where(sources.c.name == name)
            .values(
                kind=kind,
                url=url,
                settings_hash=settings_hash,
                effective_url=None,
                etag=None,
                last_modified=None,
                content_hash=None,
                gone=False,
                failures=0,
                next_due_at=None,
                redirect_target=None,
                redirect_seen=0,
                warning=None,
            )
        )
    elif settings_hash is not None and state.settings_hash != settings_hash:
        unchanged = state.settings_hash is None  # a source from before fingerprints: nothing to redo
        validators = {} if unchanged else {"etag": None, "last_modified": None, "content_hash": None}
        conn.execute(
            update(sources).where(sources.c.name == name).values(settings_hash=settings_hash, **validators)
        )
    else:
        return state
    found = get_source(conn, name)
    assert found is not None
    return found


def get_source(conn: Connection, name: str) -> SourceState | None:
    row = conn.execute(select(sources).where(sources.c.name == name)).first()
    return None if row is None else _state(row)


def list_sources(conn: Connection) -> list[SourceState]:
    return [_state(row) for row in conn.execute(select(sources).order_by(sources.c.name))]


def update_source(conn: Connection, name: str, **values: Any) -> None:
    conn.execute(update(sources).where(sources.c.name == name).values(**values))


def source_health(conn: Connection) -> list[dict[str, Any]]:
    """Each source's health as `status` shows it, with its number of stored items."""
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "url": s.fetch_url,
            "last_attempt": s.last_attempt,
            "last_success": s.last_success,
            "last_status": s.last_status,
            "last_error": s.last_error,
            "failures": s.failures,
            "next_due": s.next_due,
            "gone": s.gone,
            "items": count_items(conn, s.name),
            "warning": "; ".join(w for w in (s.warning, s.article_warning) if w) or None,
        }
        for s in list_sources(conn)
    ]


def backoff_delay(failures: int, *, base: timedelta, cap: timedelta, jitter: float) -> timedelta:
    """Exponential back-off: base · 2^(failures-1), capped, times a jitter factor in [0.5, 1.0].

    The jitter spreads sources that failed together (one host down) so they do not return together.
    """
    doublings = min(max(failures - 1, 0), 60)  # in seconds as a float: no timedelta overflow
    raw = min(base.total_seconds() * 2.0**doublings, cap.total_seconds())
    return timedelta(seconds=raw * (0.5 + 0.5 * jitter))


def _state(row: Any) -> SourceState:
    return SourceState(
        name=row.name,
        kind=row.kind,
        url=row.url,
        effective_url=row.effective_url,
        etag=row.etag,
        last_modified=row.last_modified,
        content_hash=row.content_hash,
        settings_hash=row.settings_hash,
        last_attempt=row.last_attempt_at,
        last_success=row.last_success_at,
        last_status=row.last_status,
        last_error=row.last_error,
        failures=row.failures,
        next_due=row.next_due_at,
        min_interval=row.min_interval,
        gone=row.gone,
        redirect_target=row.redirect_target,
        redirect_seen=row.redirect_seen,
        links_found=row.links_found,
        warning=row.warning,
        article_warning=row.article_warning,
    )
