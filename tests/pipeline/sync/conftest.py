"""Shared pieces of the sync tests: a fixed clock, config builders, feed XML, a polite test client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

import pytest

from scc_sync.config import Config, parse_config
from scc_sync.fetch.http import HttpClient
from scc_sync.pipeline.sync import SyncReport, sync
from scc_sync.store import Store
from scc_sync.store.sources import SourceState, get_source

T0 = datetime(2021, 10, 19, 8, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Entry:
    title: str
    link: str | None = None
    guid: str | None = None
    text: str = "Text"
    published: datetime | None = None


def rss(*entries: Entry, ttl: int | None = None, extra: str = "") -> bytes:
    """A small RSS 2.0 feed."""
    parts = []
    for e in entries:
        tags = [f"<title>{escape(e.title)}</title>", f"<description>{escape(e.text)}</description>"]
        if e.link:
            tags.append(f"<link>{escape(e.link)}</link>")
        if e.guid:
            tags.append(f'<guid isPermaLink="false">{escape(e.guid)}</guid>')
        if e.published:
            tags.append(f"<pubDate>{format_datetime(e.published, usegmt=True)}</pubDate>")
        parts.append("<item>" + "".join(tags) + "</item>")
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl is not None else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://example.org/</link><description>d</description>{ttl_tag}{extra}"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


def config(*sources: dict[str, Any], **sections: Any) -> Config:
    data: dict[str, Any] = {"sources": list(sources), "http": {"timeout": 2, "concurrency": 4}}
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return parse_config(data)


def feed(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "feed", "url": url, "fetch_articles": False, **extra}


def page(name: str, url: str, selector: str = "ul.news a", **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "page", "url": url, "link_selector": selector, **extra}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(clock: Clock) -> Iterator[HttpClient]:
    """The client reads Retry-After dates against the test's clock."""
    with HttpClient(user_agent="scc-sync-test/1.0", timeout=2, per_host=2, clock=clock) as opened:
        yield opened


def run(cfg: Config, store: Store, client: HttpClient, clock: Clock, **kwargs: Any) -> SyncReport:
    return sync(cfg, store, client, now=clock, **kwargs)


def state(store: Store, name: str) -> SourceState:
    with store.read() as conn:
        found = get_source(conn, name)
    assert found is not None
    return found
