"""RSS 0.9x/1.0/2.0 and Atom feeds to Items: `fastfeed` (lxml) reads the common feeds, feedparser the rest.

Identity matters more than anything here: an item's `key` must stay the same across runs, or
subscribers get the same news twice. It is the GUID, else the canonical link, else a content hash;
a GUID that a broken CMS reuses for different links is told apart by link.
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import html.entities
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser
from bs4 import BeautifulSoup

from scc_sync.errors import SccSyncError
from scc_sync.fetch.encoding import declared_charset, decode_html, header
from scc_sync.fetch.fastfeed import read_feed
from scc_sync.fetch.text import html_to_text, normalize_space, page_title
from scc_sync.fetch.urls import canonical_url
from scc_sync.models import (
    EARLIEST_ITEM_DATE,
    FUTURE_DATE_SLACK,
    FetchResult,
    Item,
    plausible_item_date,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TTL_SECONDS = 24 * 3600  # a publisher's TTL above a day would silently stop a source; cap it
_SY_PERIODS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 7 * 86400,
    "monthly": 30 * 86400,
    "yearly": 365 * 86400,
}
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
# How an HTML page starts (after an XML declaration and comments), even without <!DOCTYPE html>.
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|body|title|meta|link|script|style|iframe|div|table|h1|p|a|b|br|font)[\s>/]",
    re.I | re.S,
)
_URL_STARTS = ("http://", "https://", "/")
# Named entities other than the five XML itself defines (the lookahead spares feeds full of &amp;
# a Python call per match).
_NAMED_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{1,31});")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16le"), (codecs.BOM_UTF16_BE, "utf-16be"))


class FeedError(SccSyncError):
    """The answer is not a feed at all (an HTML page, or nothing parseable)."""

    def __init__(self, source: str, url: str, message: str) -> None:
        super().__init__(message)
        self.source = source
        self.url = url


@dataclass(frozen=True)
class FeedResult:
    items: list[Item]
    warnings: list[str] = field(default_factory=list)
    ttl_seconds: int | None = None  # the publisher's minimum interval between fetches
    title: str | None = None
    reader: str = field(default="feedparser", compare=False)  # or "fastfeed": which one read the bytes


def parse_feed(result: FetchResult, source: str, *, now: datetime, fast: bool = True) -> FeedResult:
    """Items of a fetched feed, newest first as the feed lists them; raise FeedError if it is no feed.

    `fast=False` reads every feed with feedparser (the tests compare both readers on every feed).
    """
    url = result.final_url
    if result.not_modified:
        return FeedResult([], [], _ttl_seconds({}, result.headers))
    reader, feed, raw_entries, warnings = _read(result, source, fast=fast)
    entries = [_Entry.of(raw, index, url, now) for index, raw in enumerate(raw_entries)]
    empty = [entry for entry in entries if not (entry.title or entry.link or entry.text)]
    if empty:
        warnings.append(
            f"{source}: {url} has {len(empty)} entries without title, link or text; skipped them."
        )
        kept = [entry for entry in entries if entry.title or entry.link or entry.text]
        entries = [replace(entry, index=index) for index, entry in enumerate(kept)]
    warnings += _impossible_dates_warning(entries, source, url)
    items = _identify(entries, source, url, warnings)
    title = normalize_space(feed.get("title", "")) or None
    return FeedResult(items, warnings, _ttl_seconds(feed, result.headers), title, reader)


def _read(result: FetchResult, source: str, *, fast: bool) -> tuple[str, Any, list[Any], list[str]]:
    """Which reader read the feed, its fields, its entries in feedparser's terms, and warnings.

    Most feeds are well-formed UTF-8 RSS or Atom that `fastfeed` reads like feedparser at a small
    fraction of the cost; everything else goes to feedparser, which reads anything.
    """
    content = _numeric_entities(result.content)
    # No content-location: feedparser would resolve GUIDs against it, and a GUID must not change
    # when the feed moves. Links are made absolute later, against the URL the feed came from.
    headers = {k: v for k, v in result.headers.items() if k.lower() != "content-location"}
    headers_to_believe = _bom_wins(headers, content)
    if fast and (read := read_feed(content, headers_to_believe)) is not None:
        return ("fastfeed", *read, [])
    # Entry HTML only ever becomes plain text here, so feedparser's sanitizer and URI rewriting in
    # content would be wasted work (a fifth of the parse time).
    parsed = feedparser.parse(
        content, response_headers=headers_to_believe, sanitize_html=False, resolve_relative_uris=False
    )
    if not parsed.get("version") and not parsed.entries:
        raise _not_a_feed(result, source, parsed)
    warnings = _bozo_warnings(parsed, headers, source, result.final_url)
    return "feedparser", parsed.feed, parsed.entries, warnings


@dataclass(frozen=True)
class _Entry:
    index: int
    guid: str | None
    link: str | None
    title: str
    text: str
    published: datetime | None
    author: str | None
    impossible_date: str | None = None  # the date the entry gave, when it cannot be right

    @classmethod
    def of(cls, raw: Any, index: int, base: str, now: datetime) -> _Entry:
        link = raw.get("link")
        if link and raw.get("guidislink") and link == raw.get("id") and not link.startswith(_URL_STARTS):
            link = None  # an RSS <guid>12345</guid> without isPermaLink="false" is no address
        text = html_to_text(_body(raw))
        title = html_to_text(raw.get("title", "")) or text[:80]
        published, impossible_date = _published(raw, now)
        return cls(
            index=index,
            guid=(raw.get("id") or "").strip() or None,
            link=_absolute(base, link) if link else None,
            title=title,
            text=text,
            published=published,
            author=normalize_space(raw.get("author", "")) or None,
            impossible_date=impossible_date,
        )


def _absolute(base: str, link: str) -> str | None:
    try:
        return canonical_url(urljoin(base, link))
    except ValueError:  # "http://[broken": no address at all
        return None


def _body(raw: Any) -> str:
    """The fullest text the entry has: its longest content, else its summary."""
    contents = [c.get("value", "") for c in raw.get("content", [])]
    longest = max(contents, key=len, default="")
    return longest if len(longest) >= len(raw.get("summary", "")) else raw.get("summary", "")


def _published(raw: Any, now: datetime) -> tuple[datetime | None, str | None]:
    """The entry's first plausible date (published, updated, created) in UTC, not after `now`;
    else None and the date it gave that cannot be right (see `plausible_item_date`)."""
    impossible = None
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(raw, name)  # as stored: feedparser would answer `updated` with `published`
        if not parsed:
            continue
        when = _utc(parsed)
        if when is not None and plausible_item_date(when, now):
            return min(when, now.astimezone(UTC)), None
        impossible = impossible or f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}"
    return None, impossible


def _utc(parsed: time.struct_time) -> datetime | None:
    try:  # a struct_time may hold any year; a datetime only 1 to 9999
        return _EPOCH + timedelta(seconds=calendar.timegm(parsed))
    except (OverflowError, ValueError):
        return None


def _impossible_dates_warning(entries: list[_Entry], source: str, url: str) -> list[str]:
    impossible = [entry for entry in entries if entry.impossible_date]
    if not impossible:
        return []
    count = f"{len(impossible)} {'entry' if len(impossible) == 1 else 'entries'}"
    named = ", ".join(f"{entry.title[:60]!r} ({entry.impossible_date})" for entry in impossible[:3])
    more = f" and {len(impossible) - 3} more" if len(impossible) > 3 else ""
    return [
        f"{source}: {url} dates {count} before {EARLIEST_ITEM_DATE:%Y-%m-%d} or more than "
        f"{FUTURE_DATE_SLACK.days} days ahead, which cannot be right; stored them as undated: {named}{more}."
    ]


def _identify(entries: list[_Entry], source: str, url: str, warnings: list[str]) -> list[Item]:
    """Give each entry its key; drop exact repeats; keep entries that share a GUID but not a link."""
    keys = _keys(entries, source, url, warnings)
    items: list[Item] = []
    seen: set[str] = set()
    for entry, key in zip(entries, keys, strict=True):
        if key in seen:
            warnings.append(
                f"{source}: {url} lists the entry {key!r} more than once; the repeat was skipped."
            )
            continue
        seen.add(key)
        items.append(
            Item(
                source=source,
                key=key,
                url=entry.link or url,
                title=entry.title,
                published=entry.published,
                text=entry.text,
                author=entry.author,
            )
        )
    return items


def _keys(entries: list[_Entry], source: str, url: str, warnings: list[str]) -> list[str]:
    by_guid: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        if entry.guid:
            by_guid[entry.guid].append(entry)
    keys = [entry.guid or entry.link or _content_hash(entry) for entry in entries]
    for guid, sharing in by_guid.items():
        links = {entry.link for entry in sharing}
        if len(links) < 2:
            continue
        warnings.append(
            f"{source}: {url} uses the GUID {guid!r} for {len(links)} different links; "
            "those entries are told apart by their links."
        )
        # The oldest entry keeps the bare GUID (it is the one already stored from earlier runs);
        # undated entries count as older the further down the feed they are.
        far_future = datetime.max.replace(tzinfo=UTC)
        original = min(sharing, key=lambda e: (e.published or far_future, -e.index))
        for entry in sharing:
            if entry.link != original.link:
                keys[entry.index] = f"{guid}|{entry.link or _content_hash(entry)}"
    return keys


def _content_hash(entry: _Entry) -> str:
    digest = hashlib.sha256(f"{entry.title}\n{entry.text}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def _bozo_warnings(parsed: Any, headers: dict[str, str], source: str, url: str) -> list[str]:
    if not parsed.bozo:
        return []
    exc = parsed.get("bozo_exception")
    if isinstance(exc, feedparser.NonXMLContentType):
        return []  # a feed served as text/plain or without a type parses fine; not worth a warning
    if isinstance(exc, feedparser.CharacterEncodingOverride) and declared_charset(headers) is None:
        return []  # text/xml without charset "means" US-ASCII (RFC 3023); nobody means that
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return [
            f"{source}: {url} declares one character encoding but uses another ({exc}); "
            "read it as the latter."
        ]
    return [
        f"{source}: the feed at {url} is malformed ({exc}); used the {len(parsed.entries)} entries "
        "that could be read. Tell the publisher if entries are missing."
    ]


def _numeric_entities(content: bytes) -> bytes:
    """HTML entities (&nbsp; &auml; &bdquo;) as numeric references, which XML knows without a DTD.

    Feeds made from HTML templates are full of them. The strict XML parser stops at the first one
    and feedparser falls back to its lenient parser, which reads them right but calls the whole
    feed malformed, on every run, and hides any real fault behind that.
    """
    if b"<!ENTITY" in content or b"\0" in content[:4]:  # entities of its own, or UTF-16/32
        return content
    return _NAMED_ENTITY.sub(_numeric_entity, content)


def _numeric_entity(match: re.Match[bytes]) -> bytes:
    text = html.entities.html5.get(match.group(1).decode("ascii") + ";")
    return b"".join(b"&#%d;" % ord(char) for char in text) if text else match.group(0)


def _bom_wins(headers: dict[str, str], content: bytes) -> dict[str, str]:
    """Headers whose charset is the byte-order mark's, if the body has one.

    A BOM cannot lie, a header can: feedparser believes a header's single-byte charset over the
    BOM of a UTF-16 feed, and then finds nothing in it.
    """
    charset = next((name for bom, name in _BOMS if content.startswith(bom)), None)
    if charset is None:
        return headers
    media_type = (header(headers, "content-type") or "application/xml").split(";", 1)[0].strip()
    others = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return {**others, "content-type": f"{media_type}; charset={charset}"}


def _not_a_feed(result: FetchResult, source: str, parsed: Any) -> FeedError:
    url = result.final_url
    content_type = header(result.headers, "content-type") or "no content type"
    if _HTML_START.match(result.content) or content_type.startswith(("text/html", "application/xhtml")):
        return _html_instead_of_feed(result, source, content_type)
    reason = parsed.get("bozo_exception") or (
        "an empty body" if not result.content.strip() else "no feed elements"
    )
    return FeedError(
        source,
        url,
        f"{source}: nothing parseable as RSS or Atom at {url} ({content_type}: {reason}). "
        "Check the URL in a browser; the publisher may have broken or moved the feed.",
    )


def _html_instead_of_feed(result: FetchResult, source: str, content_type: str) -> FeedError:
    url = result.final_url
    html_text = decode_html(result.content, result.headers)
    title = page_title(html_text)
    alternates = _alternate_feeds(html_text, url)
    if len(alternates) == 1:
        hint = f"The page names a feed at {alternates[0]}: use that URL for this source."
    elif alternates:
        hint = f"The page names feeds at {', '.join(alternates[:3])}: use one of them for this source."
    else:
        hint = (
            "If the title shows a cookie banner, a login or an error page, the site puts it in front of "
            "the feed: open the URL in a browser. Otherwise use the site's RSS/Atom URL, or configure "
            "the source as a page source with a link selector."
        )
    what = f"title: {title!r}; {content_type}" if title else content_type
    return FeedError(source, url, f"{source}: {url} returned an HTML page, not a feed ({what}). {hint}")


def _alternate_feeds(html_text: str, url: str) -> list[str]:
    soup = BeautifulSoup(html_text, "lxml")
    links = soup.select('link[rel~="alternate"][href]')
    feeds = [link for link in links if re.search(r"(rss|atom|rdf)\+xml", str(link.get("type", "")), re.I)]
    found = [canonical_url(urljoin(url, str(link["href"]))) for link in feeds]
    return [feed for index, feed in enumerate(found) if feed not in found[:index] and feed != url]


def cache_ttl_seconds(headers: dict[str, str]) -> int | None:
    """The Cache-Control max-age of an answer, capped like a feed's TTL (for 304s and pages)."""
    return _ttl_seconds({}, headers)


def _ttl_seconds(feed: Any, headers: dict[str, str]) -> int | None:
    """The longest interval the publisher asks for: RSS <ttl>, sy:updatePeriod, Cache-Control max-age."""
    asked: list[int] = []
    ttl = str(feed.get("ttl", "")).strip()
    if ttl.isdigit():
        asked.append(int(ttl) * 60)
    period = _SY_PERIODS.get(str(feed.get("sy_updateperiod", "")).strip().lower())
    if period:
        frequency = str(feed.get("sy_updatefrequency", "1")).strip()
        asked.append(period // max(int(frequency), 1) if frequency.isdigit() else period)
    cache_control = header(headers, "cache-control") or ""
    if (match := _MAX_AGE.search(cache_control)) and "no-cache" not in cache_control.lower():
        asked.append(int(match.group(1)))
    asked = [seconds for seconds in asked if seconds > 0]
    return min(max(asked), MAX_TTL_SECONDS) if asked else None
