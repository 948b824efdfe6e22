"""SSRF through the whole sync: a source on 127.0.0.1 is trusted, what it links or redirects to on other
local ports is not, unless `[http] allow_private` says so; robots.txt that cannot be read says so."""

from __future__ import annotations

import pytest

from httpserver import LocalServer, Reply, conditional, redirect
from scc_sync.fetch.http import HttpClient
from scc_sync.store import Store
from scc_sync.store.article_failures import remembered_failures
from tests.pipeline.sync.conftest import Entry, config, feed, page, rss, run, state
from tests.pipeline.sync.test_feeds_sync import HTML, SEED, items
from tests.pipeline.sync.test_pages_sync import listing


@pytest.fixture
def inside():
    """Another origin on 127.0.0.1 (another port): an admin page, what a hostile feed points at."""
    with LocalServer() as server:
        server.route("/admin", Reply(200, SEED, HTML))
        yield server


def hostile_feed(http_server: LocalServer, inside: LocalServer) -> str:
    """A feed whose one entry links to its own site and the other to `inside`."""
    http_server.route("/own.html", Reply(200, SEED, HTML))
    entries = [
        Entry("Eigener Artikel", http_server.url("/own.html"), "own", "Feedtext own"),
        Entry("Interne Seite", inside.url("/admin"), "admin", "Feedtext admin"),
    ]
    return http_server.route("/feed", conditional(rss(*entries)))


def test_an_item_link_to_another_local_port_is_not_fetched(
    http_server, inside, store: Store, client, clock
) -> None:
    other = http_server.route("/other-feed", conditional(rss(Entry("Andere Quelle", guid="x"))))
    cfg = config(feed("f", hostile_feed(http_server, inside), fetch_articles=True), feed("g", other))
    report = run(cfg, store, client, clock)
    assert [s.status for s in report.sources] == ["ok", "ok"]
    assert inside.requests == []
    stored = items(store, "f")
    assert stored["own"].summary is not None  # the source's own origin: read as always
    assert (stored["admin"].text, stored["admin"].summary) == ("Feedtext admin", None)
    [warning] = report.sources[0].warnings
    assert inside.url("/admin") in warning and "[http] allow_private" in warning
    # Remembered like a refusal: asked again after a day (the operator may have allowed it by then).
    [failure] = remembered_failures_of(store, "f").values()
    assert (failure.kind, failure.reason) == ("private_address", "refused")


def test_allow_private_lets_the_sync_read_it(http_server, inside, store: Store, clock) -> None:
    cfg = config(feed("f", hostile_feed(http_server, inside), fetch_articles=True))
    with HttpClient(user_agent="scc-sync-test/1.0", timeout=2, allow_private=["127.0.0.1"]) as client:
        [report] = run(cfg, store, client, clock).sources
    assert report.warnings == ()
    assert inside.hits("/admin") == 1 and items(store, "f")["admin"].summary is not None


def test_a_source_redirected_to_a_private_address_fails_and_says_why(
    http_server, inside, store: Store, client, clock
) -> None:
    moved = http_server.route("/feed", redirect(inside.url("/admin")))
    fine = http_server.route("/fine", conditional(rss(Entry("Gut", guid="g"))))
    report = run(config(feed("f", moved), feed("g", fine)), store, client, clock)
    assert [s.status for s in report.sources] == ["failed", "ok"]
    error = state(store, "f").last_error or ""
    assert f"redirected to {inside.url('/admin')}" in error and "[http] allow_private" in error
    assert inside.requests == []


def test_a_page_source_refuses_private_article_links_and_their_robots_txt(
    http_server, inside, store: Store, client, clock
) -> None:
    http_server.route("/a.html", Reply(200, SEED, HTML))
    url = http_server.route("/presse/", Reply(200, listing("/a.html", inside.url("/admin")), HTML))
    cfg = config(page("p", url, allow_domains=["127.0.0.1"]))
    [report] = run(cfg, store, client, clock).sources
    assert report.status == "ok" and inside.requests == []
    assert any(inside.url("/admin") in w and "[http] allow_private" in w for w in report.warnings)


def test_unreadable_robots_txt_is_not_called_a_disallow(http_server, store: Store, client, clock) -> None:
    http_server.route("/robots.txt", Reply(503, b"overloaded"))
    http_server.route("/a.html", Reply(200, SEED, HTML))
    cfg = config(page("p", http_server.route("/presse/", Reply(200, listing("/a.html"), HTML))))
    [report] = run(cfg, store, client, clock).sources
    [warning] = report.warnings
    assert "robots.txt could not be read" in warning and "503" in warning and "disallow" not in warning
    assert http_server.hits("/a.html") == 0
    # Asked again like an article whose server had trouble: after 15 minutes, robots.txt first.
    [failure] = remembered_failures_of(store, "p").values()
    assert (failure.reason, failure.status) == ("transient", 503)
    http_server.route("/robots.txt", Reply(404, b""))
    clock.advance(minutes=16)
    run(cfg, store, client, clock)
    assert http_server.hits("/robots.txt") == 2 and http_server.hits("/a.html") == 1


def remembered_failures_of(store: Store, source: str):
    with store.read() as conn:
        return remembered_failures(conn, source)
