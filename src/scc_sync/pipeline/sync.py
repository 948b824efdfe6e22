"""Sync: fetch every due source in a thread pool, write each source's harvest from one place.

Fetching (`harvest_source`) does I/O only and returns plain data; `save_harvest`, called only from the
thread that runs `sync`, writes one source's items and then its validators and health in one
transaction, so a crash loses at most the sources in flight and never records validators for items
that were not stored.

Politeness: every source and article request goes through one `HttpClient` (conditional GET,
`[http] per_host` requests at once per host, size and time limits). Article pages are fetched only
when robots.txt allows it, spaced by its Crawl-delay (capped, see `HostPacer`). The source URL itself
(a feed or listing page someone configured) is not checked against robots.txt: feed readers fetch
what a person subscribed to, and it is one conditional request per run.

Re-checks: a page source lists an article once, but publishers edit recaps for days after (final
numbers, corrected names). So its known articles are fetched again while younger than `[sync]
recheck_articles`, each at most once per `recheck_every`, at most `RECHECKS_PER_SOURCE` per source
and sync (those checked longest ago first), through the same client, robots rules and pacing, after
the listing and its new articles. They are conditional GETs; identical bytes are not read again; a
changed article becomes a new revision only when the text a reader sees changed. A re-check never
fails its source: a 404/410 ends the article's re-checks, other problems are logged and it is asked
again after `recheck_every`.

Failed articles: an article page that could not be read (an error, a bot wall, a cookie consent page)
is remembered with a back-off (see `failed_articles`): it is not asked for again until then, and not
at all after a 404/410. Those due are asked again on any sync, changed source or not, at most
`RETRIES_PER_SOURCE` per source, before the re-checks. Re-checks leave such articles alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from scc_sync.config import Config, SourceConfig
from scc_sync.extract import extract_summary
from scc_sync.fetch.encoding import decode_html
from scc_sync.fetch.feeds import FeedError, FeedResult, cache_ttl_seconds, parse_feed
from scc_sync.fetch.http import HTML_ACCEPT, HTML_TYPES, FetchError, HttpClient
from scc_sync.fetch.pages import article_item, article_links
from scc_sync.fetch.robots import HostPacer, RobotsCache
from scc_sync.fetch.sniff import consent_wall
from scc_sync.models import FetchResult, Item
from scc_sync.pipeline.failed_articles import (
    HOST_TROUBLE,
    ArticleProblem,
    ArticleReads,
    due_retries,
    listing_item_allowed,
)
from scc_sync.pipeline.runs import job
from scc_sync.store import Store
from scc_sync.store.article_failures import (
    ArticleFailure,
    forget_failures,
    remember_failures,
    remembered_failures,
)
from scc_sync.store.items import (
    ArticleCheck,
    KnownArticle,
    article_pages,
    content_hash,
    known_articles,
    known_keys,
    record_article_reads,
    record_checks,
    save_items,
)
from scc_sync.store.sources import SourceState, backoff_delay, ensure_source, get_source, update_source

log = logging.getLogger(__name__)

REDIRECT_CONFIRMATIONS = 3  # consecutive syncs that must see a permanent move before it is saved
BACKOFF_BASE = timedelta(minutes=5)
SELECTOR_BROKEN_AT = 3  # a selector that found at least this many links and now finds none is suspect
# Re-checks of known articles per page source and sync: with the default interval (30m) and
# recheck_every (1d), 10 re-check up to 480 articles a day, and even at a capped Crawl-delay of 10 s a
# source's re-checks take under two minutes.
RECHECKS_PER_SOURCE = 10
RETRIES_PER_SOURCE = 10  # failed articles asked again per source and sync, those waiting longest first

ParseFeed = Callable[[FetchResult, str, datetime], FeedResult]


@dataclass(frozen=True)
class Harvested:
    """One item as fetched, with its article's summary and bytes when the article was read."""

    item: Item
    summary: dict[str, Any] | None = None
    raw: bytes | None = None


@dataclass(frozen=True)
class Harvest:
    """What one source yielded in one run: plain data, not yet stored."""

    source: SourceConfig
    result: FetchResult | None = None
    items: list[Harvested] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ttl_seconds: int | None = None
    links_found: int | None = None
    unchanged: bool = False  # 304, or 200 with the very bytes of last time: nothing was parsed
    error: Exception | None = None
    checks: list[ArticleCheck] = field(default_factory=list)  # article fetches to remember (page sources)
    rechecked: int = 0  # known articles fetched again
    failures: list[ArticleFailure] = field(default_factory=list)  # articles that failed: when to ask again
    recovered: list[str] = field(default_factory=list)  # keys of articles read after failing before
    filled: list[tuple[str, dict[str, Any] | None, bytes]] = field(default_factory=list)  # feeds: late reads
    article_warnings: list[str] | None = None  # None: no article was asked for (the last warning holds)


@dataclass(frozen=True)
class ArticleMemory:
    """A source's remembered article failures, and those due to be asked again this sync."""

    failures: Mapping[str, ArticleFailure] = field(default_factory=dict)
    due: list[ArticleFailure] = field(default_factory=list)


@dataclass(frozen=True)
class ArticleRead:
    """An article page that was read, with its facts (None if extraction failed, `note` says why)."""

    page: FetchResult
    summary: dict[str, Any] | None
    note: str | None = None


@dataclass(frozen=True)
class Recheck:
    """A known article due for a re-check, with the bytes it had when last read (None if pruned)."""

    article: KnownArticle
    old_page: bytes | None = None

    @property
    def key(self) -> str:
        return self.article.key

    @property
    def page_hash(self) -> str | None:
        """Of the bytes last read; items from before re-checks have only their stored page."""
        if self.article.page_hash is None and self.old_page is not None:
            return _hash(self.old_page)
        return self.article.page_hash


@dataclass(frozen=True)
class SourceReport:
    name: str
    status: str  # ok | not_modified | failed | gone | skipped
    new: int = 0
    updated: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()
    rechecked: int = 0  # known articles fetched again to look for edits (their edits count as updated)

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
        rechecked = sum(s.rechecked for s in self.sources)
        tail = f", {skipped} not due" if skipped else ""
        line = f"sync: {ok} sources ok, {len(self.failed)} failed{tail}; items: {new} new, {updated} updated"
        return line + (f" ({rechecked} articles re-checked)" if rechecked else "")


@dataclass(frozen=True)
class Tools:
    """What every worker of one run shares: the client, robots rules, pacing, parser and the run's time."""

    client: HttpClient
    robots: RobotsCache
    pacer: HostPacer
    parse: ParseFeed
    now: datetime
    gazetteer: Mapping[str, str] = field(default_factory=dict)


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
    """Sync the configured sources (or `only` those named). One bad source never stops the others.

    Gone sources (410) are fetched again only when named in `only`; otherwise they are reported as
    gone. With `respect_schedule` (the scheduler), sources whose next due time is still ahead are skipped.
    """
    only = list(dict.fromkeys(only))
    chosen = [config.source(name) for name in only] if only else [s for s in config.sources if s.enabled]
    started = now()
    states = _prepare(store, chosen, started)
    reports = [_not_fetched(s, states[s.name], only, respect_schedule, started) for s in chosen]
    due = [s for s, report in zip(chosen, reports, strict=True) if report is None]
    done = [r for r in reports if r is not None]
    for report in done:
        _notify(report, on_done)
    robots = RobotsCache(client)
    with _feed_parser(config.http.parse_processes) as parse:
        tools = Tools(client, robots, HostPacer(robots), parse, started, config.extract.gazetteer)
        pool = ThreadPoolExecutor(max_workers=config.http.concurrency, thread_name_prefix="fetch")
        try:
            futures: dict[Future[Harvest], SourceConfig] = {
                pool.submit(
                    harvest_source,
                    tools,
                    src,
                    states[src.name],
                    _known(store, src),
                    _rechecks(store, src, config, started),
                    _memory(store, src, started),
                ): src
                for src in due
            }
            for future in as_completed(futures):
                report = _save_safely(store, futures[future], future.result(), now=now(), config=config)
                done.append(report)
                _notify(report, on_done)
        except BaseException:
            # Ctrl-C: queued sources never start and nobody waits for the ones in flight (they store
            # nothing; only this thread writes), so the caller can stop at once.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return SyncReport(sorted(done, key=lambda r: r.name))


def run_sync(
    config: Config,
    store: Store,
    client: HttpClient,
    *,
    now: Callable[[], datetime],
    only: Iterable[str] = (),
    respect_schedule: bool = False,
    on_done: Callable[[SourceReport], None] | None = None,
    lease: str | None = None,
) -> SyncReport:
    """`sync` as a job: under its lease (`lease`: a narrower one, see `runs.job`), with its run recorded."""
    with job(store, "sync", now=now, lease=lease) as detail:
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


def due_sources(config: Config, store: Store, *, now: datetime) -> list[str]:
    """The enabled sources a scheduled sync would fetch now: not gone, and due (back-off and feed TTLs)."""
    chosen = [s for s in config.sources if s.enabled]
    states = _prepare(store, chosen, now)
    return [s.name for s in chosen if _not_fetched(s, states[s.name], [], True, now) is None]


def _not_fetched(
    source: SourceConfig, state: SourceState, only: list[str], respect_schedule: bool, now: datetime
) -> SourceReport | None:
    """The report of a source this run leaves alone, or None if it is to be fetched."""
    if state.gone and source.name not in only:
        return SourceReport(source.name, "gone", error=state.last_error or "the source is gone (HTTP 410)")
    if respect_schedule and not state.is_due(now):
        return SourceReport(source.name, "skipped")
    return None


def _notify(report: SourceReport, on_done: Callable[[SourceReport], None] | None) -> None:
    _log_report(report)
    if on_done:
        on_done(report)


# -- fetching (worker threads: I/O and parsing only, no store) -----------------------------------------


def harvest_source(
    tools: Tools,
    source: SourceConfig,
    state: SourceState,
    known: dict[str, bool],
    rechecks: list[Recheck] | None = None,
    memory: ArticleMemory | None = None,
) -> Harvest:
    """Fetch one source, everything new behind it, the failed articles due again, then the known articles
    due for a re-check.

    Never raises: a problem with the source itself becomes `Harvest.error` (and no article is asked for
    again); a problem with one article costs only that article.
    """
    memory = memory or ArticleMemory()
    reads = ArticleReads(source.name, tools.now, memory.failures)
    with tools.client.trusting(source.url):  # only the configured URL's origin may be on a private address
        harvest = _harvest_safely(tools, source, state, known, reads)
        if harvest.error is not None:
            return harvest
        harvest = _with_reads(_retry_safely(tools, harvest, memory.due, known, reads), reads)
        return _recheck(tools, harvest, rechecks) if rechecks else harvest


def _with_reads(harvest: Harvest, reads: ArticleReads) -> Harvest:
    keeps = "the feed text" if harvest.source.kind == "feed" else "the listing's link text"
    return replace(
        harvest,
        failures=list(reads.failures.values()),
        recovered=reads.recovered,
        article_warnings=reads.warnings(keeps=keeps),
    )


def _harvest_safely(
    tools: Tools, source: SourceConfig, state: SourceState, known: dict[str, bool], reads: ArticleReads
) -> Harvest:
    try:
        return _harvest(tools, source, state, known, reads)
    except (FetchError, FeedError) as exc:
        return Harvest(source, error=exc)
    except ValueError as exc:  # e.g. a link_selector that is not valid CSS
        return Harvest(source, error=ValueError(f"{source.name}: {exc}"))
    except Exception as exc:  # a surprise in one source must not stop the others
        log.exception("source %s: unexpected error while fetching", source.name)
        return Harvest(source, error=RuntimeError(f"{source.name}: unexpected {type(exc).__name__}: {exc}"))


def _harvest(
    tools: Tools, source: SourceConfig, state: SourceState, known: dict[str, bool], reads: ArticleReads
) -> Harvest:
    is_feed = source.kind == "feed"
    recheck = not is_feed and _selector_found_nothing(state)
    result = tools.client.fetch_source(
        state.fetch_url,
        source.kind,
        etag=None if recheck else state.etag,
        last_modified=None if recheck else state.last_modified,
    )
    if result.not_modified or (not recheck and _same_content(result, state)):
        return Harvest(source, result, unchanged=True, ttl_seconds=cache_ttl_seconds(result.headers))
    if is_feed:
        return _harvest_feed(tools, source, result, known, reads)
    return _harvest_page(tools, source, result, known, reads)


def _harvest_feed(
    tools: Tools, source: SourceConfig, result: FetchResult, known: dict[str, bool], reads: ArticleReads
) -> Harvest:
    parsed = tools.parse(result, source.name, tools.now)
    harvested: list[Harvested] = []
    warnings = list(parsed.warnings)
    for item in parsed.items:
        if not _wants_article(source, item, result, known, reads):
            harvested.append(Harvested(item))
            continue
        article = _read_into(tools, reads, item.key, item.url)
        if isinstance(article, ArticleProblem):  # the item keeps the feed's text
            harvested.append(Harvested(item))
            continue
        warnings.extend([article.note] if article.note else [])
        harvested.append(Harvested(item, article.summary, article.page.content))
    return Harvest(source, result, harvested, warnings, parsed.ttl_seconds)


def _wants_article(
    source: SourceConfig, item: Item, feed: FetchResult, known: dict[str, bool], reads: ArticleReads
) -> bool:
    """Read the article of a new item, or of one stored without it, unless it failed before (it is
    then asked again once its back-off has passed, see `_retry`)."""
    return (
        source.fetch_articles
        and _has_article(item, feed)
        and not known.get(item.key, False)
        and item.key not in reads.remembered
    )


def _has_article(item: Item, feed: FetchResult) -> bool:
    """Entries without a link carry the feed's URL (and a sha256: key): there is no article to read."""
    return (
        not item.key.startswith("sha256:")
        and item.url not in (feed.url, feed.final_url)
        and item.url.startswith(("http://", "https://"))
    )


def _harvest_page(
    tools: Tools, source: SourceConfig, result: FetchResult, known: dict[str, bool], reads: ArticleReads
) -> Harvest:
    links = article_links(result, source.link_selector or "a", allow_domains=source.allow_domains)
    harvested: list[Harvested] = []
    warnings: list[str] = []
    checks: list[ArticleCheck] = []
    for link, text in links.items():
        # Known articles are re-checked (see `_recheck`), failed ones asked again after a while (`_retry`).
        if link in known or link in reads.remembered:
            continue
        article = _read_into(tools, reads, link, link, text)
        if isinstance(article, ArticleProblem):
            harvested.extend(_listing_item(source, reads.failures.get(link), known))
            continue
        warnings.extend([article.note] if article.note else [])
        item = _article(article.page, source.name, article.summary)
        harvested.append(Harvested(item, article.summary, article.page.content))
        checks.append(_read(item.key, article.page))  # its first re-check can then be a conditional GET
    return Harvest(
        source, result, harvested, warnings, cache_ttl_seconds(result.headers), len(links), checks=checks
    )


def _listing_item(
    source: SourceConfig, failure: ArticleFailure | None, known: dict[str, bool]
) -> list[Harvested]:
    """A page source's article that cannot be read, as an item with the listing's link text for its title
    (when that is allowed, see `listing_item_allowed`, and it is not stored yet)."""
    if failure is None or not failure.title or failure.key in known or not listing_item_allowed(failure):
        return []
    return [Harvested(Item(source=source.name, key=failure.key, url=failure.url, title=failure.title))]


def _article(page: FetchResult, source: str, summary: dict[str, Any] | None) -> Item:
    """The article as an item; its headline and text come from the extractor when it found them, so a
    digest shows the lead and body rather than the kicker, byline and date lines around them."""
    item = article_item(page, source)
    if not summary:
        return item
    parts = [summary.get("lead") or ""] + [s["text"] for s in summary.get("sections") or []]
    text = "\n\n".join(p for p in parts if p)
    return replace(item, title=summary.get("title") or item.title, text=text or item.text)


def _read_into(
    tools: Tools, reads: ArticleReads, key: str, url: str, title: str | None = None
) -> ArticleRead | ArticleProblem:
    """Read one article page and note in `reads` how that went (a failure is remembered there)."""
    page, problem = _read_article(tools, url)
    if page is None:
        assert problem is not None  # one or the other, never both
        failure = reads.failed(key, problem, title)
        _log_problem(reads.source, problem, failure)
        return problem
    reads.succeeded(key)
    summary, note = _summarize(tools, page)
    return ArticleRead(page, summary, note)


def _read_article(tools: Tools, url: str) -> tuple[FetchResult, None] | tuple[None, ArticleProblem]:
    """The article page, or why it could not be read: an error, or a consent or login page instead."""
    try:
        page = _fetch_article(tools, url)
    except FetchError as exc:
        return None, ArticleProblem.from_error(exc)
    if wall := consent_wall(decode_html(page.content, page.headers)):
        return None, ArticleProblem.wall(url, wall)
    return page, None


def _log_problem(source: str, problem: ArticleProblem, failure: ArticleFailure | None) -> None:
    if failure is None:
        then = "not remembered"
    elif failure.retry_at is None:
        then = "not asked for again"
    else:
        then = f"asked again after {failure.retry_at.isoformat(timespec='minutes')}"
    log.info("source %s: article %s (%s)", source, problem.message, then, extra={"source": source})


def _fetch_article(
    tools: Tools, url: str, etag: str | None = None, last_modified: str | None = None
) -> FetchResult:
    """An article page, if robots.txt allows it, after its host's Crawl-delay; raises FetchError."""
    tools.robots.check(url)
    tools.pacer.wait(url)
    return tools.client.fetch(
        url, etag=etag, last_modified=last_modified, accept=HTML_ACCEPT, content_types=HTML_TYPES
    )


def _summarize(tools: Tools, page: FetchResult) -> tuple[dict[str, Any] | None, str | None]:
    html = decode_html(page.content, page.headers)
    try:
        return extract_summary(html, page.final_url, gazetteer=tools.gazetteer).to_dict(), None
    except Exception as exc:  # the item is still worth storing without its facts
        log.exception("extracting %s failed", page.final_url)
        return None, f"article {page.final_url}: could not extract a summary ({type(exc).__name__}: {exc})"


# -- asking again for articles that failed before (worker threads) --------------------------------------


def _retry_safely(
    tools: Tools, harvest: Harvest, due: list[ArticleFailure], known: dict[str, bool], reads: ArticleReads
) -> Harvest:
    """`_retry`, but a surprise costs only the articles asked for again, not the source's harvest."""
    try:
        return _retry(tools, harvest, due, known, reads)
    except Exception:
        log.exception("source %s: asking again for failed articles went wrong", harvest.source.name)
        return harvest


def _retry(
    tools: Tools, harvest: Harvest, due: list[ArticleFailure], known: dict[str, bool], reads: ArticleReads
) -> Harvest:
    """The harvest with the failed articles whose back-off has passed asked for again: a page source's
    as new (or newly read) items, a feed's as facts for its stored items."""
    source = harvest.source
    items: list[Harvested] = []
    checks: list[ArticleCheck] = []
    filled: list[tuple[str, dict[str, Any] | None, bytes]] = []
    notes: list[str] = []
    for failure in due:
        article = _read_into(tools, reads, failure.key, failure.url, failure.title)
        if isinstance(article, ArticleProblem):
            items.extend(_listing_item(source, reads.failures.get(failure.key), known))
            if article.host_trouble:
                break  # the others wait for the next sync, first in line
            continue
        notes.extend([article.note] if article.note else [])
        if source.kind == "feed":
            filled.append((failure.key, article.summary, article.page.content))
            continue
        item = _article(article.page, source.name, article.summary)
        items.append(Harvested(item, article.summary, article.page.content))
        checks.append(_read(item.key, article.page))
    return replace(
        harvest,
        items=harvest.items + items,
        warnings=harvest.warnings + notes,
        checks=harvest.checks + checks,
        filled=filled,
    )


# -- re-checking known articles of page sources (worker threads) ----------------------------------------


def due_rechecks(
    articles: Iterable[KnownArticle], *, now: datetime, window: timedelta, every: timedelta, limit: int
) -> list[KnownArticle]:
    """The articles to fetch again now: first seen within `window`, not fetched for `every`, at most
    `limit` of them, those fetched longest ago first (so a big source works through all in turn)."""
    due = [
        a
        for a in articles
        if a.first_seen >= now - window
        and a.last_checked <= now - every
        and a.key.startswith(("http://", "https://"))
    ]
    return sorted(due, key=lambda a: (a.last_checked, a.key))[:limit]


def _recheck(tools: Tools, harvest: Harvest, rechecks: list[Recheck]) -> Harvest:
    """The harvest with the known articles fetched again: the edited ones as items, all as checks."""
    edited: list[Harvested] = []
    checks: list[ArticleCheck] = []
    for recheck in rechecks:
        try:
            change, check = _recheck_one(tools, harvest.source, recheck)
        except FetchError as exc:
            checks.append(_failed(harvest.source, recheck, exc))
            if exc.kind in HOST_TROUBLE or (exc.status or 0) >= 500:
                break  # the host is struggling: the others wait for the next sync, first in line
            continue
        checks.append(check)
        edited.extend([change] if change else [])
    return replace(
        harvest, items=harvest.items + edited, checks=harvest.checks + checks, rechecked=len(checks)
    )


def _recheck_one(
    tools: Tools, source: SourceConfig, recheck: Recheck
) -> tuple[Harvested | None, ArticleCheck]:
    """Fetch one known article again (raises FetchError) and compare it with what is stored."""
    page = _fetch_article(tools, recheck.key, recheck.article.etag, recheck.article.last_modified)
    try:
        return _compare(tools, source, recheck, page)
    except Exception:  # a surprise in one article must not cost the source its harvest
        log.exception("source %s: re-checking %s failed; the item is kept", source.name, recheck.key)
        return None, ArticleCheck(recheck.key)


def _compare(
    tools: Tools, source: SourceConfig, recheck: Recheck, page: FetchResult
) -> tuple[Harvested | None, ArticleCheck]:
    """What a re-fetched article means: an edit to store (with the check), or only a check to note."""
    if page.not_modified or _hash(page.content) == recheck.page_hash:
        return None, ArticleCheck(recheck.key, validators=(page.etag, page.last_modified))
    if wall := consent_wall(decode_html(page.content, page.headers)):
        log.warning(
            "source %s: re-checked %s but got %s; the stored item is kept",
            source.name,
            recheck.key,
            wall,
            extra={"source": source.name},
        )
        return None, ArticleCheck(recheck.key)
    summary, problem = _summarize(tools, page)
    if not _readable(summary):  # an error page or broken HTML must not replace a good item
        log.warning(
            "source %s: re-checked %s but found no article in it (%s); the stored item is kept",
            source.name,
            recheck.key,
            problem or "no headline or text",
            extra={"source": source.name},
        )
        return None, ArticleCheck(recheck.key)
    item = _article(page, source.name, summary)
    check = _read(recheck.key, page)
    if recheck.old_page is not None and not _edited(tools, replace(page, content=recheck.old_page), item):
        return None, replace(check, raw=page.content)  # only the markup around the article changed
    return Harvested(item, summary, page.content), check


def _edited(tools: Tools, old: FetchResult, item: Item) -> bool:
    """Whether the article's text changed, read from the old bytes by the same extractor, so that an
    improved extractor alone does not make every re-checked article look edited."""
    summary, _ = _summarize(tools, old)
    before = _article(old, item.source, summary)
    return content_hash(before.title, before.text) != content_hash(item.title, item.text)


def _readable(summary: dict[str, Any] | None) -> bool:
    return bool(summary and summary.get("title") and (summary.get("lead") or summary.get("sections")))


def _read(key: str, page: FetchResult) -> ArticleCheck:
    return ArticleCheck(key, validators=(page.etag, page.last_modified), page_hash=_hash(page.content))


def _failed(source: SourceConfig, recheck: Recheck, error: FetchError) -> ArticleCheck:
    """A failed re-check keeps the item; 404/410 ends its re-checks, anything else waits `recheck_every`."""
    extra = {"source": source.name}
    if error.status in (404, 410):
        log.info(
            "source %s: %s answered %s: the article is kept and no longer re-checked",
            source.name,
            recheck.key,
            error.status,
            extra=extra,
        )
        return ArticleCheck(recheck.key, gone=True)
    level = logging.INFO if error.kind == "robots" else logging.WARNING
    log.log(level, "source %s: re-check skipped, the item is kept: %s", source.name, error, extra=extra)
    return ArticleCheck(recheck.key)


# -- feed parsing: in the worker threads, or in a process pool -----------------------------------------


def _parse_here(result: FetchResult, source: str, now: datetime) -> FeedResult:
    return parse_feed(result, source, now=now)


class _ProcessParser:
    """parse_feed in a pool of processes, started on the first feed that needs parsing (a run of 304s
    never pays for it). feedparser is pure Python: in threads, parsing holds the GIL."""

    def __init__(self, processes: int) -> None:
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, result: FetchResult, source: str, now: datetime) -> FeedResult:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded process
                self._pool = ProcessPoolExecutor(self._processes, mp_context=context)
            pool = self._pool
        return pool.submit(parse_feed, result, source, now=now).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


@contextmanager
def _feed_parser(processes: int) -> Iterator[ParseFeed]:
    if processes <= 0:
        yield _parse_here
        return
    parser = _ProcessParser(processes)
    try:
        yield parser
    finally:
        parser.close()


# -- storing (only the thread that runs `sync`) ----------------------------------------------------------


def _save_safely(
    store: Store, source: SourceConfig, harvest: Harvest, *, now: datetime, config: Config
) -> SourceReport:
    """save_harvest, but a store error for one source's data fails that source only."""
    try:
        return save_harvest(store, harvest, now=now, config=config)
    except Exception as exc:
        log.exception("source %s: storing its items failed", source.name)
        failed = Harvest(source, error=RuntimeError(f"{source.name}: storing its items failed: {exc}"))
        return save_harvest(store, failed, now=now, config=config)


def save_harvest(store: Store, harvest: Harvest, *, now: datetime, config: Config) -> SourceReport:
    """Write one source's items, then its validators and health, in one transaction."""
    name = harvest.source.name
    with store.write() as conn:
        state = get_source(conn, name)
        assert state is not None, f"source {name} was prepared before fetching"
        if harvest.error is not None:
            return _record_failure(conn, state, harvest.error, now, config)
        outcomes = save_items(conn, name, [(h.item, h.summary, h.raw) for h in harvest.items], now=now)
        record_checks(conn, name, harvest.checks, now=now)
        _save_article_memory(conn, harvest)
        warnings = harvest.warnings + _selector_warning(state, harvest)
        update_source(conn, name, **_success_values(state, harvest, warnings, now, config))
    new, updated = outcomes.count("new"), outcomes.count("updated")
    status = "not_modified" if harvest.unchanged else "ok"
    warnings += harvest.article_warnings or []
    return SourceReport(name, status, new, updated, warnings=tuple(warnings), rechecked=harvest.rechecked)


def _save_article_memory(conn: Any, harvest: Harvest) -> None:
    """Facts of feed articles read late, and which articles failed (when to ask again) or recovered."""
    name = harvest.source.name
    record_article_reads(conn, name, harvest.filled)
    forget_failures(conn, name, harvest.recovered)
    remember_failures(conn, name, harvest.failures)


def _success_values(
    state: SourceState, harvest: Harvest, warnings: list[str], now: datetime, config: Config
) -> dict[str, Any]:
    result = harvest.result
    assert result is not None
    ttl = harvest.ttl_seconds
    if harvest.unchanged and ttl is None:
        ttl = state.min_interval  # a 304 has no <ttl>: the feed's last one still holds
    interval = max(config.sync.interval, timedelta(seconds=ttl or 0))
    values: dict[str, Any] = {
        "last_attempt_at": now,
        "last_success_at": now,
        "last_status": result.status,
        "last_error": None,
        "failures": 0,
        "gone": False,  # back (fetched again by name): healthy again
        "next_due_at": now + interval,
        "min_interval": ttl,
        # Unchanged content keeps the warnings it had (a malformed feed stays malformed behind a 304).
        "warning": state.warning if harvest.unchanged else "; ".join(warnings) or None,
        "article_warning": _article_warning(state, harvest),
    }
    if not result.not_modified:
        values.update(
            etag=result.etag, last_modified=result.last_modified, content_hash=_hash(result.content)
        )
    if harvest.links_found:  # the last count that was not zero, so a silent selector stays reported
        values["links_found"] = harvest.links_found
    values.update(_redirect_values(state, result))
    return values


def _article_warning(state: SourceState, harvest: Harvest) -> str | None:
    """What the article pages asked for in this sync did wrong; if none was asked for, what they did last."""
    if harvest.article_warnings is None:
        return state.article_warning
    return "; ".join(harvest.article_warnings) or None


def _redirect_values(state: SourceState, result: FetchResult) -> dict[str, Any]:
    """Adopt a permanent move only after it was seen on several consecutive syncs."""
    target = result.permanent_redirect
    if not target:
        return {"redirect_target": None, "redirect_seen": 0}
    seen = state.redirect_seen + 1 if state.redirect_target == target else 1
    if seen < REDIRECT_CONFIRMATIONS:
        log.info(
            "source %s: %s moved permanently to %s (seen %d of %d times before the URL is updated)",
            state.name,
            state.fetch_url,
            target,
            seen,
            REDIRECT_CONFIRMATIONS,
            extra={"source": state.name},
        )
        return {"redirect_target": target, "redirect_seen": seen}
    log.warning(
        "source %s moved permanently to %s (seen on %d syncs in a row): now fetching the new URL; "
        "update the config to match",
        state.name,
        target,
        seen,
        extra={"source": state.name},
    )
    return {"effective_url": target, "redirect_target": None, "redirect_seen": 0}


def _selector_warning(state: SourceState, harvest: Harvest) -> list[str]:
    before, found = state.links_found, harvest.links_found
    if found == 0 and not before:  # a new page source: most likely a selector that never matched
        return [
            f"link_selector {harvest.source.link_selector!r} matches no article links on {state.fetch_url}: "
            "check it against the page's HTML (links to other sites count only if in allow_domains)"
        ]
    if found == 0 and before and before >= SELECTOR_BROKEN_AT:
        return [
            f"link_selector {harvest.source.link_selector!r} found no links on {state.fetch_url} "
            f"(it found {before} before): the page layout probably changed; check the selector"
        ]
    return []


def _record_failure(
    conn: Any, state: SourceState, error: Exception, now: datetime, config: Config
) -> SourceReport:
    status = getattr(error, "status", None)
    common = {"last_attempt_at": now, "last_status": status, "last_error": str(error)}
    failures = state.failures + 1
    if getattr(error, "kind", None) == "gone":
        # No next due time: scheduled syncs leave it alone until the config's URL changes.
        update_source(conn, state.name, **common, gone=True, failures=failures, next_due_at=None)
        return SourceReport(state.name, "gone", error=str(error))
    cap = config.sync.max_backoff
    delay = backoff_delay(failures, base=BACKOFF_BASE, cap=cap, jitter=random.random())
    retry_after = getattr(error, "retry_after", None)
    if retry_after:  # the server said when; capped so a silly value cannot silence a source
        delay = max(delay, min(timedelta(seconds=retry_after), cap))
    update_source(conn, state.name, **common, failures=failures, next_due_at=now + delay)
    return SourceReport(state.name, "failed", error=str(error))


def _prepare(store: Store, chosen: list[SourceConfig], now: datetime) -> dict[str, SourceState]:
    with store.write() as conn:
        return {
            s.name: ensure_source(
                conn, name=s.name, kind=s.kind, url=s.url, now=now, settings_hash=settings_hash(s)
            )
            for s in chosen
        }


def settings_hash(source: SourceConfig) -> str:
    """The settings that decide what a source's bytes yield; a change makes the next sync read it anew."""
    settings = [source.link_selector, sorted(source.allow_domains), source.fetch_articles]
    return hashlib.sha256(json.dumps(settings).encode("utf-8")).hexdigest()


def _known(store: Store, source: SourceConfig) -> dict[str, bool]:
    with store.read() as conn:
        return known_keys(conn, source.name)


def _memory(store: Store, source: SourceConfig, now: datetime) -> ArticleMemory:
    """The source's remembered article failures, and those to ask for again now."""
    if source.kind == "feed" and not source.fetch_articles:
        return ArticleMemory()
    with store.read() as conn:
        failures = remembered_failures(conn, source.name)
    return ArticleMemory(failures, due_retries(failures.values(), now=now, limit=RETRIES_PER_SOURCE))


def _rechecks(store: Store, source: SourceConfig, config: Config, now: datetime) -> list[Recheck]:
    """A page source's known articles due for a re-check, with their stored bytes to compare against."""
    window = config.sync.recheck_articles
    if source.kind != "page" or window <= timedelta(0):
        return []
    every = config.sync.recheck_every
    with store.read() as conn:
        known = known_articles(conn, source.name, first_seen_since=now - window)
        due = due_rechecks(known, now=now, window=window, every=every, limit=RECHECKS_PER_SOURCE)
        pages = article_pages(conn, source.name, [a.key for a in due])
    return [Recheck(article, pages.get(article.key)) for article in due]


def _selector_found_nothing(state: SourceState) -> bool:
    """The last listing gave no links (a warning says so), or none ever: the selector may have been
    corrected in the config since, so the page is read again even if it did not change."""
    return not state.links_found or "link_selector " in (state.warning or "")


def _same_content(result: FetchResult, state: SourceState) -> bool:
    """A server that ignores validators and answers 200 with the same bytes: nothing to process."""
    return state.content_hash is not None and state.content_hash == _hash(result.content)


def _hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _log_report(report: SourceReport) -> None:
    extra = {"source": report.name}
    if report.failed:
        log.error("source %s %s: %s", report.name, report.status, report.error, extra=extra)
    else:
        log.info(
            "source %s %s: %d new, %d updated, %d articles re-checked",
            report.name,
            report.status,
            report.new,
            report.updated,
            report.rechecked,
            extra=extra,
        )
    for warning in report.warnings:
        log.warning("source %s: %s", report.name, warning, extra=extra)
