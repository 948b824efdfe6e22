"""Feeds through the whole sync: warnings, identity, dates, TTL, changes, article pages for facts."""

from __future__ import annotations

from datetime import timedelta

from httpserver import Reply, conditional, fixture
from scc_sync.demo_site import SEED_PAGE
from scc_sync.store import Store
from scc_sync.store.items import list_items
from scc_sync.store.sources import source_health
from tests.pipeline.sync.conftest import T0, Entry, config, feed, rss, run, state

SEED = SEED_PAGE.read_bytes()
HTML = "text/html; charset=utf-8"


def items(store: Store, source: str | None = None):
    with store.read() as conn:
        return {i.key: i for i in list_items(conn, source=source)}


def test_malformed_feed_stores_what_parsed_and_warns_in_status(
    http_server, store: Store, client, clock
) -> None:
    url = http_server.route("/feed", Reply(200, fixture("fetch/rss2_malformed.xml"), "application/rss+xml"))
    report = run(config(feed("f", url)), store, client, clock)
    [source] = report.sources
    assert source.status == "ok" and source.new >= 1
    assert any("malformed" in w for w in source.warnings)
    with store.read() as conn:
        [health] = source_health(conn)
    assert "malformed" in health["warning"] and health["items"] == source.new


def test_html_instead_of_feed_fails_naming_it(http_server, store: Store, client, clock) -> None:
    url = http_server.route("/feed", Reply(200, fixture("fetch/not_a_feed.html"), HTML))
    [source] = run(config(feed("presse", url)), store, client, clock).sources
    assert source.status == "failed"
    assert f"presse: {url} returned an HTML page, not a feed" in (source.error or "")
    assert state(store, "presse").last_error == source.error and state(store, "presse").next_due is not None


def test_guid_reused_for_different_links_keeps_both(http_server, store: Store, client, clock) -> None:
    body = rss(
        Entry("Alt", "https://example.org/alt", "same-guid", published=T0 - timedelta(days=3)),
        Entry("Neu", "https://example.org/neu", "same-guid", published=T0 - timedelta(days=1)),
    )
    url = http_server.route("/feed", conditional(body))
    report = run(config(feed("f", url)), store, client, clock)
    assert report.sources[0].new == 2
    assert {i.title for i in items(store).values()} == {"Alt", "Neu"}


def test_changed_tracking_parameters_are_the_same_item(http_server, store: Store, client, clock) -> None:
    def body(campaign: str) -> bytes:
        return rss(Entry("Meldung", f"https://example.org/a?id=1&utm_source={campaign}&fbclid=x"))

    url = http_server.route("/feed", Reply(200, body("rss"), "application/rss+xml"))
    cfg = config(feed("f", url))
    assert run(cfg, store, client, clock).sources[0].new == 1
    http_server.route("/feed", Reply(200, body("newsletter"), "application/rss+xml"))
    again = run(cfg, store, client, clock).sources[0]
    assert (again.status, again.new, again.updated) == ("ok", 0, 0)
    [stored] = items(store).values()
    assert stored.key == stored.url == "https://example.org/a?id=1"


def test_dates_are_utc_missing_means_first_seen_future_is_clamped(
    http_server, store: Store, client, clock
) -> None:
    body = rss(
        Entry("Datiert", "https://example.org/d", published=T0 - timedelta(days=2)),
        Entry("Ohne Datum", "https://example.org/o"),
        Entry("Zukunft", "https://example.org/z", published=T0 + timedelta(days=30)),
    )
    url = http_server.route("/feed", conditional(body))
    run(config(feed("f", url)), store, client, clock)
    stored = {i.title: i for i in items(store).values()}
    assert stored["Datiert"].published == T0 - timedelta(days=2)
    assert stored["Ohne Datum"].published == T0 == stored["Ohne Datum"].first_seen
    assert stored["Zukunft"].published <= T0
    assert all(
        i.published.tzinfo is not None and i.published.utcoffset() == timedelta(0) for i in stored.values()
    )


def test_feed_ttl_and_max_age_are_the_minimum_interval(http_server, store: Store, client, clock) -> None:
    ttl_url = http_server.route("/ttl", conditional(rss(Entry("A", "https://example.org/a"), ttl=180)))
    max_age_url = http_server.route(
        "/max-age",
        conditional(
            rss(Entry("B", "https://example.org/b")), extra_headers={"Cache-Control": "max-age=7200"}
        ),
    )
    plain_url = http_server.route("/plain", conditional(rss(Entry("C", "https://example.org/c"), ttl=5)))
    cfg = config(feed("ttl", ttl_url), feed("max-age", max_age_url), feed("plain", plain_url))
    run(cfg, store, client, clock)
    assert state(store, "ttl").next_due == T0 + timedelta(hours=3)
    assert state(store, "max-age").next_due == T0 + timedelta(hours=2)
    assert state(store, "plain").next_due == T0 + timedelta(minutes=30)  # [sync] interval wins over 5 min
    # A 304 carries no <ttl>; the feed's last one still holds.
    clock.now = T0 + timedelta(hours=3)
    report = run(cfg, store, client, clock, respect_schedule=True)
    assert {s.name: s.status for s in report.sources} == {
        "ttl": "not_modified",
        "max-age": "not_modified",
        "plain": "not_modified",
    }
    assert state(store, "ttl").next_due == clock.now + timedelta(hours=3)
    clock.advance(hours=2)
    skipped = run(cfg, store, client, clock, respect_schedule=True)
    assert {s.name for s in skipped.sources if s.status == "skipped"} == {"ttl"}


def test_meaningful_changes_are_revisions_whitespace_and_returns_are_not(
    http_server, store: Store, client, clock
) -> None:
    a = Entry("Kongress", "https://example.org/a", "a", "Rund 900 Gäste.", T0 - timedelta(days=1))
    b = Entry("Förderung", "https://example.org/b", "b", "Ein Programm.", T0 - timedelta(days=2))
    cfg = config(feed("f", http_server.url("/feed")))

    def serve(*entries: Entry) -> None:
        http_server.route("/feed", Reply(200, rss(*entries), "application/rss+xml"))

    serve(a, b)
    run(cfg, store, client, clock)
    serve(Entry(a.title, a.link, a.guid, "  Rund   900\nGäste. ", a.published), b)  # whitespace only
    assert (run(cfg, store, client, clock).sources[0].updated, items(store)["a"].revision) == (0, 1)
    serve(a)  # b vanishes from the feed …
    run(cfg, store, client, clock)
    clock.advance(hours=1)
    serve(Entry(a.title, a.link, a.guid, "Rund 1.200 Gäste.", a.published), b)  # … and comes back
    report = run(cfg, store, client, clock).sources[0]
    assert (report.new, report.updated) == (0, 1)
    stored = items(store)
    assert (
        stored["a"].revision == 2
        and stored["a"].changed == clock.now
        and stored["a"].text == "Rund 1.200 Gäste."
    )
    assert stored["b"].revision == 1 and stored["b"].first_seen == T0
    assert stored["a"].as_json()["updated"] == clock.now.isoformat()


def test_new_items_articles_are_read_once_for_their_facts(http_server, store: Store, client, clock) -> None:
    article = http_server.route("/presse/scc.html", Reply(200, SEED, HTML))
    body = rss(
        Entry("SCC digital erfolgreich", article + "?utm_medium=rss", "scc"),
        Entry("Ohne Link", None, None, "Nur Text im Feed"),
    )
    url = http_server.route("/feed", Reply(200, body, "application/rss+xml"))
    cfg = config(feed("f", url, fetch_articles=True))
    assert run(cfg, store, client, clock).sources[0].new == 2
    assert http_server.hits("/presse/scc.html") == 1
    assert http_server.last_request("/presse/scc.html").headers["accept"].startswith("text/html")
    assert (
        http_server.hits("/feed") == 1
    )  # the link-less entry's "URL" (the feed) was not fetched as an article
    stored = items(store)
    facts = stored["scc"].summary
    assert facts and facts["event"]["name"].startswith("Smart Country Convention")
    [linkless] = [i for k, i in stored.items() if k.startswith("sha256:")]
    assert linkless.summary is None
    # The feed changes (a new entry): the known article is not fetched again.
    other = http_server.route(
        "/presse/other.html", Reply(200, b"<html><h1>Andere</h1><p>Text</p></html>", HTML)
    )
    newer = rss(
        Entry("Andere", other, "o"),
        Entry("SCC digital erfolgreich", article + "?utm_medium=rss", "scc"),
        Entry("Ohne Link", None, None, "Nur Text im Feed"),
    )
    http_server.route("/feed", Reply(200, newer, "application/rss+xml"))
    assert run(cfg, store, client, clock).sources[0].new == 1
    assert (http_server.hits("/presse/scc.html"), http_server.hits("/presse/other.html")) == (1, 1)


def test_article_that_failed_is_asked_again_after_its_backoff_even_if_the_feed_is_unchanged(
    http_server, store: Store, client, clock
) -> None:
    article = http_server.route("/a.html", Reply(503, b"busy"))
    cfg = config(feed("f", http_server.url("/feed"), fetch_articles=True))
    http_server.route("/feed", conditional(rss(Entry("A", article, "a"))))
    [first] = run(cfg, store, client, clock).sources
    assert first.new == 1 and any("/a.html" in w and "503" in w for w in first.warnings)
    assert items(store)["a"].summary is None and items(store)["a"].text == "Text"  # the feed's
    run(cfg, store, client, clock)
    assert http_server.hits("/a.html") == 1  # not before its back-off
    http_server.route("/a.html", Reply(200, SEED, HTML))
    clock.advance(minutes=15)
    [second] = run(cfg, store, client, clock).sources
    assert (second.status, second.new, second.updated, second.warnings) == ("not_modified", 0, 0, ())
    assert http_server.hits("/a.html") == 2
    assert items(store)["a"].summary is not None and items(store)["a"].revision == 1


def test_unchanged_items_keep_their_summary_when_the_feed_is_reread(
    http_server, store: Store, client, clock
) -> None:
    article = http_server.route("/a.html", Reply(200, SEED, HTML))
    cfg = config(feed("f", http_server.url("/feed"), fetch_articles=True))
    http_server.route("/feed", Reply(200, rss(Entry("A", article, "a", "eins")), "application/rss+xml"))
    run(cfg, store, client, clock)
    http_server.route("/feed", Reply(200, rss(Entry("A", article, "a", "zwei")), "application/rss+xml"))
    assert run(cfg, store, client, clock).sources[0].updated == 1
    assert items(store)["a"].summary is not None  # the text changed in the feed; the facts stay
