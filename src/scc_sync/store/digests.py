"""Digest issues (the items of one period, frozen once) and which item revisions reached whom."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, func, insert, select

from scc_sync.models import plausible_item_date
from scc_sync.store.items import StoredItem, _stored
from scc_sync.store.schema import digest_deliveries, digest_issue_items, digest_issues, items, sources
from scc_sync.store.upsert import insert_ignore


@dataclass(frozen=True)
class Issue:
    id: int
    frequency: str
    period_key: str
    start: datetime
    end: datetime
    items: list[StoredItem]  # with the revision they had when the issue was frozen


def issue_start(conn: Connection, *, frequency: str, start: datetime, limit: timedelta) -> datetime:
    """Where a new issue of a period starting at `start` begins.

    Normally at `start`. When periods were skipped since the last issue of this frequency (nothing ran for
    days), at that issue's end, so the items of the skipped periods are not lost; at most `limit` earlier.
    """
    previous_end = conn.scalar(
        select(func.max(digest_issues.c.period_end)).where(
            digest_issues.c.frequency == frequency, digest_issues.c.period_end <= start
        )
    )
    if previous_end is None:  # the first issue: a digest does not start with the archive
        return start
    return max(previous_end, start - limit)


def is_archive(published: datetime, first_seen: datetime, source_since: datetime, window: timedelta) -> bool:
    """An item published before its source was first synced (`source_since`) and more than `window`
    before it was first seen is from the source's archive: not news, so it enters no digest."""
    return published < source_since and published < first_seen - window


def _changed(start: datetime, end: datetime, *columns: Any) -> Select[Any]:
    """Items changed in [start, end): `columns`, and when their source was first synced (`since`)."""
    return (
        select(*columns, sources.c.created_at.label("since"))
        .join(sources, sources.c.name == items.c.source)
        .where(items.c.changed_at >= start, items.c.changed_at < end)
    )


def _is_news(row: Any, window: timedelta) -> bool:
    """A row of `_changed` with the item's dates; an implausible stored date counts as the first-seen
    time, as in `items`."""
    published = row.published_at if plausible_item_date(row.published_at) else row.first_seen_at
    return not is_archive(published, row.first_seen_at, row.since, window)


def freeze_issue(
    conn: Connection,
    *,
    frequency: str,
    period_key: str,
    start: datetime,
    end: datetime,
    now: datetime,
    window: timedelta,
) -> Issue:
    """The issue of a period: created with the items changed in [start, end) on first call, reused after.
    Archive items (see `is_archive`, with `[digest] window`) are left out."""
    created = insert_ignore(
        conn,
        digest_issues,
        {
            "frequency": frequency,
            "period_key": period_key,
            "period_start": start,
            "period_end": end,
            "created_at": now,
        },
        ["frequency", "period_key"],
    )
    if created is not None:
        dates = (items.c.published_at, items.c.first_seen_at)
        changed = conn.execute(_changed(start, end, items.c.id, items.c.revision, *dates))
        found = [row for row in changed if _is_news(row, window)]
        if found:
            conn.execute(
                insert(digest_issue_items),
                [{"issue_id": created, "item_id": r.id, "revision": r.revision} for r in found],
            )
    issue = conn.execute(
        select(digest_issues).where(
            digest_issues.c.frequency == frequency, digest_issues.c.period_key == period_key
        )
    ).one()
    return Issue(
        issue.id, frequency, period_key, issue.period_start, issue.period_end, issue_items(conn, issue.id)
    )


def preview_issue(
    conn: Connection,
    *,
    frequency: str,
    period_key: str,
    start: datetime,
    end: datetime,
    window: timedelta,
) -> Issue:
    """What the issue holds (or would hold, if not frozen yet), without writing anything."""
    issue = conn.execute(
        select(digest_issues).where(
            digest_issues.c.frequency == frequency, digest_issues.c.period_key == period_key
        )
    ).first()
    if issue is not None:
        return Issue(
            issue.id, frequency, period_key, issue.period_start, issue.period_end, issue_items(conn, issue.id)
        )
    rows = conn.execute(  # newest first, as in the mail that is sent
        _changed(start, end, items).order_by(items.c.published_at.desc(), items.c.id.desc())
    )
    return Issue(0, frequency, period_key, start, end, [_stored(r) for r in rows if _is_news(r, window)])


def issue_items(conn: Connection, issue_id: int) -> list[StoredItem]:
    rows = conn.execute(
        select(items, digest_issue_items.c.revision.label("issue_revision"))
        .join(digest_issue_items, digest_issue_items.c.item_id == items.c.id)
        .where(digest_issue_items.c.issue_id == issue_id)
        .order_by(items.c.published_at.desc(), items.c.id.desc())
    )
    out = []
    for row in rows:
        stored = _stored(row)
        out.append(StoredItem(**{**stored.__dict__, "revision": row.issue_revision}))
    return out


def delivered_revisions(
    conn: Connection, subscriber_ids: Iterable[int], item_ids: Iterable[int]
) -> dict[int, set[tuple[int, int]]]:
    """Per subscriber, the (item, revision) pairs among `item_ids` they already got: one query for many."""
    people, ids = list(subscriber_ids), list(item_ids)
    found: dict[int, set[tuple[int, int]]] = {person: set() for person in people}
    if not people or not ids:
        return found
    rows = conn.execute(
        select(
            digest_deliveries.c.subscriber_id, digest_deliveries.c.item_id, digest_deliveries.c.revision
        ).where(digest_deliveries.c.subscriber_id.in_(people), digest_deliveries.c.item_id.in_(ids))
    )
    for row in rows:
        found[row.subscriber_id].add((row.item_id, row.revision))
    return found


def record_deliveries(
    conn: Connection, deliveries: Iterable[tuple[int, int, Iterable[tuple[int, int]]]]
) -> None:
    """Note which item revisions each queued digest carries: (subscriber id, outbox id, revisions)."""
    rows = [
        {"subscriber_id": subscriber_id, "item_id": item_id, "revision": revision, "outbox_id": outbox_id}
        for subscriber_id, outbox_id, revisions in deliveries
        for item_id, revision in revisions
    ]
    if rows:
        conn.execute(insert(digest_deliveries), rows)
