"""Stored items: insert-or-update with change detection, and listing."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, func, insert, select, update

from scc_sync.models import Item, plausible_item_date
from scc_sync.store.schema import article_failures, items

Outcome = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True)
class StoredItem:
    id: int
    source: str
    key: str
    url: str
    title: str
    text: str
    published: datetime
    first_seen: datetime
    changed: datetime
    revision: int
    summary: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "id": self.key,
            "url": self.url,
            "title": self.title,
            "published": self.published.isoformat(),
            "updated": self.changed.isoformat() if self.revision > 1 else None,
            "revision": self.revision,
            "first_seen": self.first_seen.isoformat(),
        }


# What a terminal or a mail client would act on instead of showing: whole ANSI escape sequences (CSI
# "ESC [ ... m", OSC "ESC ] ... BEL" that sets a terminal's title), then any other C0 or C1 control
# character but tab and newline. Feeds and pages carry them by accident or on purpose (`scc-sync
# items` once cleared the screen); no reader ever needs one.
_CONTROLS = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def printable(text: str) -> str:
    """The text without control characters (see `_CONTROLS`): stored text is shown as it is."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def _printable_json(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: _printable_json(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_printable_json(inner) for inner in value]
    return value


def content_hash(title: str, text: str) -> str:
    """A hash of what a reader would notice: whitespace and case-only differences do not count."""
    normal = re.sub(r"\s+", " ", f"{title}\n{text}").strip().casefold()
    return hashlib.sha256(normal.encode()).hexdigest()


def save_item(
    conn: Connection,
    item: Item,
    *,
    now: datetime,
    summary: dict[str, Any] | None = None,
    raw: bytes | None = None,
) -> Outcome:
    """Insert a new item or record a meaningful change (a new revision); never re-announce a returning one."""
    [outcome] = save_items(conn, item.source, [(item, summary, raw)], now=now)
    return outcome


def save_items(
    conn: Connection,
    source: str,
    entries: Sequence[tuple[Item, dict[str, Any] | None, bytes | None]],
    *,
    now: datetime,
) -> list[Outcome]:
    """`save_item` for a source's whole harvest: one look-up and one bulk insert instead of two statements
    per item (storing dominated a sync's CPU time). Returns one outcome per entry, in order.

    Every title, text and summary enters the store here, and leaves its control characters behind."""
    entries = [
        (replace(item, title=printable(item.title), text=printable(item.text)), _printable_json(summary), raw)
        for item, summary, raw in entries
    ]
    keys = list({item.key for item, _, _ in entries})
    stored = {
        row.key: row
        for chunk in _chunks(keys, 500)
        for row in conn.execute(
            select(items.c.key, items.c.id, items.c.content_hash).where(
                items.c.source == source, items.c.key.in_(chunk)
            )
        )
    }
    outcomes: list[Outcome] = []
    fresh: dict[str, dict[str, Any]] = {}
    for item, summary, raw in entries:
        digest = content_hash(item.title, item.text)
        row = stored.get(item.key)
        if item.key in fresh:
            outcomes.append("unchanged")  # the same key twice in one harvest: the first one counts
        elif row is None:
            fresh[item.key] = _new_row(item, digest, summary, raw, now)
            outcomes.append("new")
        else:
            outcomes.append(_update(conn, row, item, digest, summary, raw, now))
    _insert_rows(conn, list(fresh.values()))
    return outcomes


def _new_row(
    item: Item, digest: str, summary: dict[str, Any] | None, raw: bytes | None, now: datetime
) -> dict[str, Any]:
    row = {
        "source": item.source,
        "key": item.key,
        "url": item.url,
        "title": item.title,
        "text": item.text,
        "published_at": _publication_date(item, now),
        "first_seen_at": now,
        "changed_at": now,
        "revision": 1,
        "content_hash": digest,
        "raw": raw,
    }
    if summary is not None:  # left out otherwise: the column's SQL NULL, not the JSON value 'null'
        row["summary"] = summary
    return row


def _publication_date(item: Item, now: datetime) -> datetime:
    """The item's date, not after now; a missing or impossible one is the first-seen time."""
    if item.published is None or not plausible_item_date(item.published, now):
        return now
    return min(item.published, now)


def _insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Bulk insert; rows with and without a summary go separately (executemany needs one set of columns)."""
    for has_summary in (True, False):
        group = [row for row in rows if ("summary" in row) == has_summary]
        if group:
            conn.execute(insert(items), group)


def _update(
    conn: Connection,
    row: Any,
    item: Item,
    digest: str,
    summary: dict[str, Any] | None,
    raw: bytes | None,
    now: datetime,
) -> Outcome:
    if row.content_hash == digest:
        if summary is not None:  # the article could be read this time (it failed before): keep its facts
            conn.execute(update(items).where(items.c.id == row.id).values(summary=summary, raw=raw))
        return "unchanged"
    values: dict[str, Any] = {
        "url": item.url,
        "title": item.title,
        "text": item.text,
        "content_hash": digest,
        "changed_at": now,
        "revision": items.c.revision + 1,
    }
    if summary is not None:  # None: the article was not read this time; keep what was extracted before
        values.update(summary=summary, raw=raw)
    conn.execute(update(items).where(items.c.id == row.id).values(**values))
    return "updated"


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def known_keys(conn: Connection, source: str) -> dict[str, bool]:
    """Every stored key of `source`, mapped to whether its article was read (it has a summary)."""
    rows = conn.execute(select(items.c.key, items.c.summary.is_not(None)).where(items.c.source == source))
    return {key: bool(has_summary) for key, has_summary in rows}


# -- article re-checks (page sources) -----------------------------------------------------------------


@dataclass(frozen=True)
class KnownArticle:
    """A stored article of a page source, with what its next re-check needs."""

    key: str  # the article's URL as the listing gave it
    first_seen: datetime
    checked: datetime | None  # last fetched; None for items from before re-checks existed
    etag: str | None
    last_modified: str | None
    page_hash: str | None  # sha256 of the article bytes last read

    @property
    def last_checked(self) -> datetime:
        return self.checked or self.first_seen


@dataclass(frozen=True)
class ArticleCheck:
    """What one fetch of an article found, remembered for its next re-check."""

    key: str
    gone: bool = False  # it answered 404/410: no more re-checks
    validators: tuple[str | None, str | None] | None = None  # (ETag, Last-Modified); None: keep the stored
    page_hash: str | None = None  # of the bytes now stored; None: keep the stored
    raw: bytes | None = None  # new bytes to keep although the item itself did not change


def known_articles(conn: Connection, source: str, *, first_seen_since: datetime) -> list[KnownArticle]:
    """The source's items first seen since then whose article has not answered 404/410, and is not
    remembered as failed (it is asked for again when its back-off has passed, not re-checked)."""
    failed = select(article_failures.c.key).where(
        article_failures.c.source == items.c.source, article_failures.c.key == items.c.key
    )
    rows = conn.execute(
        select(
            items.c.key,
            items.c.first_seen_at,
            items.c.article_checked_at,
            items.c.article_etag,
            items.c.article_last_modified,
            items.c.article_hash,
        ).where(
            items.c.source == source,
            items.c.first_seen_at >= first_seen_since,
            items.c.article_gone_at.is_(None),
            ~failed.exists(),
        )
    )
    return [KnownArticle(*row) for row in rows]


def article_pages(conn: Connection, source: str, keys: Sequence[str]) -> dict[str, bytes]:
    """The stored article bytes of these items (pruned ones are missing)."""
    found: dict[str, bytes] = {}
    for chunk in _chunks(list(keys), 500):
        rows = conn.execute(
            select(items.c.key, items.c.raw).where(
                items.c.source == source, items.c.key.in_(chunk), items.c.raw.is_not(None)
            )
        )
        found.update({key: raw for key, raw in rows})
    return found


def record_checks(conn: Connection, source: str, checks: Sequence[ArticleCheck], *, now: datetime) -> None:
    """Note when each article was fetched and what to ask next time; the item's content is not touched."""
    for check in checks:
        values: dict[str, Any] = {"article_checked_at": now}
        if check.gone:
            values["article_gone_at"] = now
        if check.validators is not None:
            values["article_etag"], values["article_last_modified"] = check.validators
        if check.page_hash is not None:
            values["article_hash"] = check.page_hash
        if check.raw is not None:
            values["raw"] = check.raw
        conn.execute(update(items).where(items.c.source == source, items.c.key == check.key).values(**values))


def record_article_reads(
    conn: Connection, source: str, reads: Sequence[tuple[str, dict[str, Any] | None, bytes]]
) -> None:
    """Articles of stored feed items read after failing before: their facts and bytes join the item,
    whose title and text stay the feed's."""
    for key, summary, raw in reads:
        values: dict[str, Any] = {"raw": raw}
        if summary is not None:
            values["summary"] = _printable_json(summary)
        conn.execute(update(items).where(items.c.source == source, items.c.key == key).values(**values))


def count_items(conn: Connection, source: str) -> int:
    return conn.scalar(select(func.count()).select_from(items).where(items.c.source == source)) or 0


def list_items(
    conn: Connection, *, since: datetime | None = None, source: str | None = None, limit: int | None = None
) -> list[StoredItem]:
    query = select(items).order_by(items.c.published_at.desc(), items.c.id.desc())
    if since is not None:
        query = query.where(items.c.changed_at >= since)
    if source is not None:
        query = query.where(items.c.source == source)
    if limit is not None:
        query = query.limit(limit)
    return [_stored(row) for row in conn.execute(query)]


def _stored(row: Any) -> StoredItem:
    return StoredItem(
        id=row.id,
        source=row.source,
        key=row.key,
        url=row.url,
        title=row.title,
        text=row.text,
        # Rows stored before dates were checked may hold 0001-01-01, which no time zone west of UTC
        # can show: such a date was never known, and the first-seen time stands in as for new items.
        published=row.published_at if plausible_item_date(row.published_at) else row.first_seen_at,
        first_seen=row.first_seen_at,
        changed=row.changed_at,
        revision=row.revision,
        summary=row.summary,
    )


def stored_summaries(conn: Connection) -> list[tuple[int, dict[str, Any]]]:
    """(item id, summary) of every item stored with a summary."""
    rows = conn.execute(select(items.c.id, items.c.summary).where(items.c.summary.is_not(None)))
    return [(row.id, row.summary) for row in rows]


def prune_raw_pages(conn: Connection, *, before: datetime) -> int:
    """Drop the article pages kept of items unchanged since then (housekeeping); how many."""
    old = items.c.raw.is_not(None) & (items.c.changed_at < before)
    return conn.execute(update(items).where(old).values(raw=None)).rowcount
