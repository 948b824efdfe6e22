"""Sync: fetch every due source in a thread pool, write each source's harvest from one place.

Fetching (`harvest_source`) does I/O only and returns plain data; `save_harvest` writes one source's
items and then its validators in one transaction, so a crash loses at most the source in flight and
never records validators for items that were not stored.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from scc_sync.config import Config, SourceConfig, parse_duration
from scc_sync.extract import extract_summary
from scc_sync.fetch.feeds import FeedError, parse_feed
from scc_sync.fetch.http import FetchError, HttpClient
from scc_sync.fetch.pages import article_item, find_article_links
from scc_sync.fetch.robots import RobotsCache
from scc_sync.models import FetchResult, Item
from scc_sync.store import Store
from scc_sync.store.items import count_items, known_keys, save_item
from scc_sync.store.sources import SourceState, backoff_delay, ensure_source, get_source, update_source

log = logging.getLogger(__name__)

REDIRECT_CONFIRMATIONS = 3  # consecutive syncs that must see a permanent move before it is saved
BACKOFF_BASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Harvest:
    """What one source yielded in one run: plain data, not yet stored."""

    source: SourceConfig
    result: FetchResult | None = None
    items: list[tuple[Item, dict[str, Any] | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ttl_seconds: int | None = None
    links_found: int | None = None
    error: FetchError | FeedError | None = None


@dataclass(frozen=True)
class SourceReport:
    name: str
    status: str  # ok | not_modified | failed | gone | skipped
    new: int = 0
    updated: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "gone")


@dataclass(frozen=True)
class SyncReport:
    sources: list[SourceReport]

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.failed]

    def line(self) -> str:
        ok = sum(1 for s in self.sources if not s.failed and s.status != "skipped")
        new = sum(s.new for s in self.sources)
        updated = sum(s.updated for s in self.sources)
        skipped = sum(1 for s in self.sources if s.status == "skipped")
        tail = f", {skipped} not due" if skipped else ""
        return f"sync: {ok} sources ok, {len(self.failed)} failed{tail}; items: {new} new, {updated} updated"


def sync(
    config: Config,
    store: Store,
    client: HttpClient,
    *,
    now: Callable[[], datetime],
    only: Iterable[str] = (),
    respect_schedule: bool = False,
    on_done: Callable[[SourceReport], None] | None = None,
) -> SyncReport:
    """Sync the configured sources (or `only` those named). One bad source never stops the others."""
    chosen = [config.source(name) for name in only] if only else [s for s in config.sources if s.enabled]
    states = _prepare(store, chosen, now())
    due = [s for s in chosen if not respect_schedule or states[s.name].is_due(now())]
    reports = [SourceReport(s.name, "skipped") for s in chosen if s not in due]
    robots = RobotsCache(client)
    gazetteer = config.extract.gazetteer
    with ThreadPoolExecutor(max_workers=config.http.concurrency, thread_name_prefix="fetch") as pool:
        futures = [
            pool.submit(harvest_source, client, robots, src, states[src.name], _known(store, src), gazetteer)
            for src in due
        ]
        for future in as_completed(futures):
            report = save_harvest(store, future.result(), now=now(), config=config)
            _log_report(report)
            reports.append(report)
            if on_done:
                on_done(report)
    return SyncReport(sorted(reports, key=lambda r: r.name))


def harvest_source(
    client: HttpClient,
    robots: RobotsCache,
    source: SourceConfig,
    state: SourceState,
    known: set[str],
    gazetteer: Mapping[str, str],
) -> Harvest:
    """Fetch one source and everything new behind it. Never raises for a source problem."""
    try:
        result = client.fetch(state.fetch_url, etag=state.etag, last_modified=state.last_modified)
        if result.not_modified or _same_content(result, state):
            return Harvest(source, result)
        if source.kind == "feed":
            return _harvest_feed(client, robots, source, result, known, gazetteer)
        return _harvest_page(client, robots, source, result, known, gazetteer)
    except (FetchError, FeedError) as exc:
        return Harvest(source, error=exc)


def _harvest_feed(
    client: HttpClient,
    robots: RobotsCache,
    source: SourceConfig,
    result: FetchResult,
    known: set[str],
    gazetteer: Mapping[str, str],
) -> Harvest:
    parsed = parse_feed(result, source.name, now=datetime.now(UTC))
    harvested: list[tuple[Item, dict[str, Any] | None]] = []
    warnings = list(parsed.warnings)
    for item in parsed.items:
        summary = None
        if source.fetch_articles and item.key not in known:
            summary, problem = _article_summary(client, robots, item.url, gazetteer)
            if problem:
                warnings.append(problem)
        harvested.append((item, summary))
    return Harvest(source, result, harvested, warnings, parsed.ttl_seconds)


def _harvest_page(
    client: HttpClient,
    robots: RobotsCache,
    source: SourceConfig,
    result: FetchResult,
    known: set[str],
    gazetteer: Mapping[str, str],
) -> Harvest:
    links = find_article_links(result, source.link_selector or "a", allow_domains=source.allow_domains)
    harvested: list[tuple[Item, dict[str, Any] | None]] = []
    warnings: list[str] = []
    for link in links:
        if link in known:
            continue
        if not robots.allowed(link):
            warnings.append(f"{link}: disallowed by robots.txt, not fetched")
            continue
        try:
            page = client.fetch(link, accept="text/html")
        except FetchError as exc:
            warnings.append(f"article {link}: {exc}")
            continue
        item = replace(article_item(page, source.name), key=link, url=link)
        harvested.append((item, _summarize(item.html or "", link, gazetteer)))
    return Harvest(source, result, harvested, warnings, links_found=len(links))


def _article_summary(
    client: HttpClient, robots: RobotsCache, url: str, gazetteer: Mapping[str, str]
) -> tuple[dict[str, Any] | None, str | None]:
    if not robots.allowed(url):
        return None, f"{url}: disallowed by robots.txt, not fetched"
    try:
        page = client.fetch(url, accept="text/html")
    except FetchError as exc:
        return None, f"article {url}: {exc}"
    return _summarize(article_item(page, "").html or "", url, gazetteer), None


def _summarize(html: str, url: str, gazetteer: Mapping[str, str]) -> dict[str, Any] | None:
    if not html:
        return None
    return extract_summary(html, url, gazetteer=gazetteer).to_dict()


def save_harvest(store: Store, harvest: Harvest, *, now: datetime, config: Config) -> SourceReport:
    """Write one source's items, then its validators and health, in one transaction."""
    name = harvest.source.name
    with store.write() as conn:
        state = get_source(conn, name)
        assert state is not None, f"source {name} was prepared before fetching"
        if harvest.error is not None:
            return _record_failure(conn, state, harvest.error, now, config)
        outcomes = [save_item(conn, item, now=now, summary=summary) for item, summary in harvest.items]
        update_source(conn, name, **_success_values(state, harvest, now, config))
    new, updated = outcomes.count("new"), outcomes.count("updated")
    status = "not_modified" if harvest.result and harvest.result.not_modified else "ok"
    return SourceReport(
        name, status, new, updated, warnings=tuple(harvest.warnings + _selector_warning(state, harvest))
    )


def _success_values(state: SourceState, harvest: Harvest, now: datetime, config: Config) -> dict[str, Any]:
    result = harvest.result
    assert result is not None
    interval = max(_interval(config), timedelta(seconds=harvest.ttl_seconds or 0))
    values: dict[str, Any] = {
        "last_attempt_at": now,
        "last_success_at": now,
        "last_status": result.status,
        "last_error": None,
        "failures": 0,
        "next_due_at": now + interval,
        "min_interval": harvest.ttl_seconds,
        "warning": "; ".join(harvest.warnings + _selector_warning(state, harvest)) or None,
    }
    if not result.not_modified:
        values.update(
            etag=result.etag, last_modified=result.last_modified, content_hash=_hash(result.content)
        )
    if harvest.links_found is not None:
        values["links_found"] = harvest.links_found
    values.update(_redirect_values(state, result))
    return values


def _redirect_values(state: SourceState, result: FetchResult) -> dict[str, Any]:
    """Adopt a permanent move only after it was seen on several consecutive syncs."""
    target = result.permanent_redirect
    if not target:
        return {"redirect_target": None, "redirect_seen": 0}
    seen = state.redirect_seen + 1 if state.redirect_target == target else 1
    if seen < REDIRECT_CONFIRMATIONS:
        return {"redirect_target": target, "redirect_seen": seen}
    log.warning(
        "source %s moved permanently to %s (seen %d times): now fetching the new URL",
        state.name,
        target,
        seen,
    )
    return {"effective_url": target, "redirect_target": None, "redirect_seen": 0}


def _selector_warning(state: SourceState, harvest: Harvest) -> list[str]:
    before, now_found = state.links_found, harvest.links_found
    if now_found == 0 and before and before >= 3:
        return [
            f"link_selector found no links (it found {before} last time): the page layout probably changed"
        ]
    return []


def _record_failure(
    conn: Any, state: SourceState, error: Exception, now: datetime, config: Config
) -> SourceReport:
    status = getattr(error, "status", None)
    if getattr(error, "kind", None) == "gone":
        update_source(
            conn,
            state.name,
            last_attempt_at=now,
            last_status=status,
            last_error=str(error),
            gone=True,
            failures=state.failures + 1,
            next_due_at=None,
        )
        return SourceReport(state.name, "gone", error=str(error))
    failures = state.failures + 1
    delay = backoff_delay(
        failures, base=BACKOFF_BASE, cap=parse_duration(config.sync.max_backoff), jitter=random.random()
    )
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    update_source(
        conn,
        state.name,
        last_attempt_at=now,
        last_status=status,
        last_error=str(error),
        failures=failures,
        next_due_at=now + delay,
    )
    return SourceReport(state.name, "failed", error=str(error))


def _prepare(store: Store, chosen: list[SourceConfig], now: datetime) -> dict[str, SourceState]:
    with store.write() as conn:
        return {s.name: ensure_source(conn, name=s.name, kind=s.kind, url=s.url, now=now) for s in chosen}


def _known(store: Store, source: SourceConfig) -> set[str]:
    with store.read() as conn:
        return known_keys(conn, source.name)


def _same_content(result: FetchResult, state: SourceState) -> bool:
    """A server that ignores validators and answers 200 with the same bytes: nothing to process."""
    return state.content_hash is not None and state.content_hash == _hash(result.content)


def _hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _interval(config: Config) -> timedelta:
    return parse_duration(config.sync.interval) if config.sync.interval else timedelta(minutes=30)


def _log_report(report: SourceReport) -> None:
    extra = {"source": report.name}
    if report.failed:
        log.error("source %s %s: %s", report.name, report.status, report.error, extra=extra)
    else:
        log.info(
            "source %s %s: %d new, %d updated",
            report.name,
            report.status,
            report.new,
            report.updated,
            extra=extra,
        )
    for warning in report.warnings:
        log.warning("source %s: %s", report.name, warning, extra=extra)


def item_count(store: Store, name: str) -> int:
    with store.read() as conn:
        return count_items(conn, name)
