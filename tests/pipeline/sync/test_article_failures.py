"""Article pages that fail are remembered: asked again only after a back-off, never after a 404, and a
consent page is no article. The items keep their feed text (or the listing's link text) and are delivered."""

from __future__ import annotations

import mailbox
from datetime import timedelta

import pytest

from httpserver import Reply, conditional
from scc_sync.config import parse_config
from scc_sync.newsletter.transports import MaildirTransport
from scc_sync.pipeline.digest import run_digest
from scc_sync.pipeline.sync import RECHECKS_PER_SOURCE, RETRIES_PER_SOURCE
from scc_sync.store import Store
from scc_sync.store.article_failures import remembered_failures
from scc_sync.store.sources import source_health
from tests.pipeline.helpers import SECRET, SECRET_ENV, fixed, mail_kit, parse
from tests.pipeline.sync.conftest import Entry, config, feed, page, rss, run, state
from tests.pipeline.sync.test_feeds_sync import HTML, SEED, items
from tests.pipeline.sync.test_pages_sync import listing

CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<noscript>Enable JavaScript and cookies to continue</noscript>"
    b"<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script></body></html>"
)
BOT_WALL = Reply(403, CHALLENGE, "text/html", {"Server": "cloudflare", "cf-mitigated": "challenge"})
CONSENT = Reply(
    200,
    b"<!doctype html><html lang='de'><head><title>Datenschutzeinstellungen</title>"
    b"<script id='usercentrics-cmp' src='https://app.usercentrics.eu/browser-ui/latest/loader.js'></script>"
    b"</head><body><div id='usercentrics-root'></div></body></html>",
    HTML,
)
WALL_WARNING = (
    "article pages refused automated access (HTTP 403 from Cloudflare); items carry the feed text only"
)


def news_feed(http_server, *paths: str) -> str:
    """A feed (answering 304 when unchanged) whose entries link to these article paths."""
    entries = [Entry(f"Meldung {path}", http_server.url(path), path, f"Feedtext {path}") for path in paths]
    return http_server.route("/feed", conditional(rss(*entries)))


def status_warning(store: Store, name: str) -> str | None:
    with store.read() as conn:
        return next(h["warning"] for h in source_health(conn) if h["name"] == name)


def memory(store: Store, name: str):
    with store.read() as conn:
        return remembered_failures(conn, name)


def test_a_bot_wall_on_articles_is_asked_once_a_day_and_the_items_keep_the_feed_text(
    http_server, store: Store, client, clock
) -> None:
    http_server.route("/a.html", BOT_WALL)
    cfg = config(feed("f", news_feed(http_server, "/a.html"), fetch_articles=True))
    [first] = run(cfg, store, client, clock).sources
    assert (first.status, first.new, first.failed) == ("ok", 1, False)
    assert first.warnings == (WALL_WARNING,)
    item = items(store)["/a.html"]
    assert (item.title, item.text, item.summary) == ("Meldung /a.html", "Feedtext /a.html", None)
    assert status_warning(store, "f") == WALL_WARNING and state(store, "f").last_error is None
    for hours in (0.5, 12, 11):  # syncs within the day: the article is left alone
        clock.advance(hours=hours)
        [report] = run(cfg, store, client, clock).sources
        assert report.warnings == () and not report.failed
    assert http_server.hits("/a.html") == 1
    assert status_warning(store, "f") == WALL_WARNING  # still the last word on its article pages
    clock.advance(hours=0.5)  # a day after the first try
    run(cfg, store, client, clock)
    assert http_server.hits("/a.html") == 2 and items(store)["/a.html"].summary is None


def test_refused_articles_are_asked_after_one_two_and_four_days_then_never(
    http_server, store: Store, client, clock
) -> None:
    http_server.route("/a.html", Reply(403, b"<title>403 Forbidden</title>", HTML))  # a plain refusal
    cfg = config(feed("f", news_feed(http_server, "/a.html"), fetch_articles=True))
    hits = []
    for _day in range(15):
        run(cfg, store, client, clock)
        hits.append(http_server.hits("/a.html"))
        clock.advance(days=1)
    # day 0; 1 (one day later); 3 (two days); 7 (four days), and then no more
    assert hits == [1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4]
    [failure] = memory(store, "f").values()
    assert (failure.reason, failure.failures, failure.retry_at, failure.status) == ("refused", 4, None, 403)
    assert items(store)["/a.html"].text == "Feedtext /a.html"


@pytest.mark.parametrize("status", [404, 410])
def test_a_vanished_article_is_never_asked_for_again(
    http_server, store: Store, client, clock, status: int
) -> None:
    http_server.route("/weg.html", Reply(status, b"nicht gefunden"))
    http_server.route("/da.html", Reply(200, SEED, HTML))
    url = http_server.route("/presse/", Reply(200, listing("/weg.html"), HTML))
    cfg = config(page("p", url))
    [first] = run(cfg, store, client, clock).sources
    assert first.new == 0 and any("/weg.html" in w and str(status) in w for w in first.warnings)
    for days in (1, 7, 30):
        clock.advance(days=days)
        http_server.route("/presse/", Reply(200, listing("/weg.html", "/da.html"), HTML))  # it stays listed
        run(cfg, store, client, clock)
    assert http_server.hits("/weg.html") == 1
    assert set(items(store)) == {http_server.url("/da.html")}  # no item that links to nothing


def test_a_consent_page_is_not_stored_as_the_article(http_server, store: Store, client, clock) -> None:
    http_server.route("/a.html", CONSENT)
    cfg = config(feed("f", news_feed(http_server, "/a.html"), fetch_articles=True))
    [report] = run(cfg, store, client, clock).sources
    assert report.new == 1
    assert report.warnings == (
        "article pages showed a cookie consent page (Usercentrics) instead of the article; "
        "items carry the feed text only",
    )
    item = items(store)["/a.html"]
    assert (item.title, item.text, item.summary) == ("Meldung /a.html", "Feedtext /a.html", None)
    clock.advance(hours=12)
    run(cfg, store, client, clock)
    assert http_server.hits("/a.html") == 1  # asked again only after a day, like a bot wall
    assert memory(store, "f")["/a.html"].kind == "consent"


def test_a_later_success_clears_the_memory_and_the_warning(http_server, store: Store, client, clock) -> None:
    http_server.route("/a.html", BOT_WALL)
    cfg = config(feed("f", news_feed(http_server, "/a.html"), fetch_articles=True))
    run(cfg, store, client, clock)
    http_server.route("/a.html", conditional(SEED, content_type=HTML))  # the site lets us through
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert (report.status, report.new, report.updated, report.warnings) == ("not_modified", 0, 0, ())
    item = items(store)["/a.html"]
    assert item.summary["event"]["name"].startswith("Smart Country Convention")
    assert item.text == "Feedtext /a.html" and item.revision == 1  # the feed's text, now with facts
    assert memory(store, "f") == {} and status_warning(store, "f") is None
    clock.advance(days=1)
    run(cfg, store, client, clock)
    assert http_server.hits("/a.html") == 2  # read: feed articles are not asked again


def test_a_page_source_behind_a_bot_wall_stores_the_listing_links(
    http_server, store: Store, client, clock
) -> None:
    http_server.route("/presse/scc.html", BOT_WALL)
    url = http_server.route("/presse/", conditional(listing("scc.html"), content_type=HTML))
    cfg = config(page("presse", url))
    [first] = run(cfg, store, client, clock).sources
    assert first.new == 1 and not first.failed
    [item] = items(store).values()
    assert (item.title, item.text, item.summary) == ("Artikel 0", "", None)
    assert status_warning(store, "presse") == (
        "article pages refused automated access (HTTP 403 from Cloudflare); "
        "items carry the listing's link text only"
    )
    clock.advance(hours=23)
    run(cfg, store, client, clock)
    assert http_server.hits("/presse/scc.html") == 1  # neither read again nor re-checked
    http_server.route("/presse/scc.html", conditional(SEED, content_type=HTML))
    clock.advance(hours=1)
    [later] = run(cfg, store, client, clock).sources
    assert (later.new, later.updated, later.rechecked) == (0, 1, 0)
    [item] = items(store).values()
    assert item.revision == 2 and "10.600" in item.text and item.summary is not None
    assert status_warning(store, "presse") is None and memory(store, "presse") == {}
    clock.advance(days=1)  # from now on it is re-checked like any article, with its validators
    [report] = run(cfg, store, client, clock).sources
    assert report.rechecked == 1 and http_server.last_request("/presse/scc.html").headers["if-none-match"]


def test_a_server_error_is_retried_on_the_next_syncs_and_a_struggling_host_stops_the_others(
    http_server, store: Store, client, clock
) -> None:
    for name in ("a", "b"):
        http_server.route(f"/{name}.html", Reply(503, b"busy"))
    cfg = config(feed("f", news_feed(http_server, "/a.html", "/b.html"), fetch_articles=True))
    [first] = run(cfg, store, client, clock).sources
    assert first.warnings == ("article pages answered HTTP 503; asked again later",)
    assert (http_server.hits("/a.html"), http_server.hits("/b.html")) == (1, 1)
    clock.advance(minutes=15)
    run(cfg, store, client, clock)  # both due: the first fails, so the second waits
    assert http_server.hits("/a.html") + http_server.hits("/b.html") == 3
    for name in ("a", "b"):
        http_server.route(f"/{name}.html", Reply(200, SEED, HTML))
    clock.advance(minutes=30)
    run(cfg, store, client, clock)
    assert all(i.summary is not None for i in items(store).values()) and memory(store, "f") == {}


def test_retries_per_sync_are_bounded(http_server, store: Store, client, clock) -> None:
    paths = [f"/{n}.html" for n in range(RETRIES_PER_SOURCE + 2)]
    for path in paths:
        http_server.route(path, BOT_WALL)
    cfg = config(feed("f", news_feed(http_server, *paths), fetch_articles=True))
    run(cfg, store, client, clock)
    clock.advance(days=1)
    run(cfg, store, client, clock)
    assert sum(http_server.hits(p) for p in paths) == len(paths) + RETRIES_PER_SOURCE
    clock.advance(minutes=30)
    run(cfg, store, client, clock)
    assert [http_server.hits(p) for p in paths] == [2] * len(paths)


def test_items_whose_article_failed_are_delivered_with_the_feed_text(
    http_server, store: Store, client, clock, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    http_server.route("/a.html", BOT_WALL)
    cfg = parse_config(
        {
            "sources": [feed("f", news_feed(http_server, "/a.html"), fetch_articles=True)],
            "http": {"timeout": 2},
            "web": {"base_url": "https://news.example.org", "secret_env": SECRET_ENV},
            "subscribers": [{"email": "anna@example.org", "frequency": "daily"}],
        }
    )
    run(cfg, store, client, clock)
    with MaildirTransport(tmp_path / "maildir") as transport:
        assert (
            run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(clock.now + timedelta(days=1))).sent
            == 1
        )
    box = mailbox.Maildir(tmp_path / "maildir")
    [key] = box.keys()
    text = parse(box.get_bytes(key)).get_body(("plain",)).get_content()
    assert "Meldung /a.html" in text and "Feedtext /a.html" in text


def test_articles_waiting_after_a_failure_leave_the_rechecks_to_the_others(
    http_server, store: Store, client, clock
) -> None:
    walled = [f"/{n:02d}.html" for n in range(RECHECKS_PER_SOURCE + 1)]
    for path in walled:
        http_server.route(path, BOT_WALL)
    http_server.route("/zz.html", conditional(SEED, content_type=HTML))  # sorts after the others
    url = http_server.route("/", conditional(listing(*walled, "/zz.html"), content_type=HTML))
    cfg = config(page("p", url))
    assert run(cfg, store, client, clock).sources[0].new == len(walled) + 1
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert report.rechecked == 1 and http_server.hits("/zz.html") == 2
