"""`scc-sync check`: is this configuration ready to go live? Each part is tried for real, nothing is stored.

The database is opened (not created), the signing secret read, a session with the mail server opened as a
run would (TLS, login) and closed without mail, and every enabled source fetched once, the way sync fetches
it: feeds are parsed, listing pages searched with their `link_selector`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scc_sync.config import Config, ConfigError, SourceConfig
from scc_sync.effects import Effects
from scc_sync.fetch.feeds import FeedError, FeedResult, parse_feed
from scc_sync.fetch.http import FetchError, HttpClient
from scc_sync.fetch.pages import find_article_links
from scc_sync.fetch.robots import RobotsCache
from scc_sync.newsletter.transports import SmtpTransport, SmtpUnavailable
from scc_sync.store import StoreError
from scc_sync.store.engine import head_revision, hide_password, read_schema_version, sqlite_file


@dataclass(frozen=True)
class Finding:
    part: str  # "database", "mail", "source vku-presse", ...
    ok: bool
    detail: str


def check_database(config: Config) -> Finding:
    """Connect and read the schema version; nothing is created or upgraded (sync and run do that)."""
    url = config.state.url
    shown = hide_password(url)
    file = sqlite_file(url)
    if file is not None and not file.exists():
        return Finding("database", True, f"{file.resolve()} does not exist yet: sync creates it")
    try:
        version = read_schema_version(url)
    except StoreError as exc:
        return Finding("database", False, f"{shown}: {exc}")
    head = head_revision()
    if version == head:
        return Finding("database", True, f"{shown} (schema {version})")
    if version is None:
        return Finding("database", True, f"{shown}: empty; the first sync creates the tables")
    return Finding("database", True, f"{shown}: schema {version}, upgraded to {head} by the next run")


def check_secret(config: Config, effects: Effects) -> Finding:
    try:
        keys = effects.secret_keys(config.web)
    except ConfigError as exc:
        return Finding("secret", False, str(exc))
    return Finding("secret", True, f"{config.web.secret_env}: {len(keys)} signing key(s)")


def check_mail(config: Config, effects: Effects) -> Finding:
    """Open and close a session with the mail server (no mail is sent); for a Maildir, its folder."""
    if config.delivery.transport == "maildir":
        return _check_maildir(Path(config.delivery.maildir))
    try:
        transport = effects.transport(config)
    except ConfigError as exc:
        return Finding("mail", False, str(exc))
    assert isinstance(transport, SmtpTransport)
    try:
        return Finding("mail", True, transport.check())
    except SmtpUnavailable as exc:
        return Finding("mail", False, str(exc))


def _check_maildir(path: Path) -> Finding:
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return Finding("mail", False, f"Maildir {path}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        return Finding("mail", False, f"Maildir {path}: cannot write into {existing}")
    return Finding("mail", True, f"Maildir {path.resolve()}")


def check_sources(
    config: Config, client: HttpClient, names: Iterable[str] = (), *, now: datetime
) -> list[Finding]:
    """Fetch each chosen (else each enabled) source once, several at a time, as sync would."""
    wanted = set(names)
    chosen = [s for s in config.sources if (s.name in wanted if wanted else s.enabled)]
    robots = RobotsCache(client)
    with ThreadPoolExecutor(max_workers=max(1, config.http.concurrency)) as pool:
        return list(pool.map(lambda source: check_source(source, client, robots, now=now), chosen))


def check_source(source: SourceConfig, client: HttpClient, robots: RobotsCache, *, now: datetime) -> Finding:
    part = f"source {source.name}"
    try:
        result = client.fetch_source(source.url, source.kind)
        if source.kind == "feed":
            return Finding(part, True, _feed_summary(parse_feed(result, source.name, now=now)))
        assert source.link_selector is not None
        links = find_article_links(result, source.link_selector, allow_domains=source.allow_domains)
    except (FetchError, FeedError) as exc:
        return Finding(part, False, str(exc))
    except ValueError as exc:  # a link_selector that is not valid CSS
        return Finding(part, False, f"link_selector {source.link_selector!r}: {exc}")
    if not links:
        return Finding(part, False, f"page: link_selector {source.link_selector!r} matches no article links")
    try:
        with client.trusting(source.url):  # as sync reads articles: only the source's origin may be private
            robots.check(links[0])
    except FetchError as exc:
        return Finding(part, False, f"page: {len(links)} article links, but {exc}")
    return Finding(part, True, f"page: {len(links)} article links, e.g. {links[0]}")


def _feed_summary(feed: FeedResult) -> str:
    if not feed.items:
        return "feed: no entries"
    newest = feed.items[0]
    warnings = f"; {len(feed.warnings)} warning(s): {feed.warnings[0]}" if feed.warnings else ""
    return f"feed: {len(feed.items)} entries, the first: {newest.title!r}{warnings}"
