"""Page sources through the whole sync: link selection, new articles only, facts, robots, broken selectors."""

from __future__ import annotations

from httpserver import Reply, conditional
from scc_sync.fetch.http import HttpClient
from scc_sync.store import Store
from scc_sync.store.items import list_items
from scc_sync.store.sources import source_health, update_source
from tests.pipeline.sync.conftest import config, page, run, state
from tests.pipeline.sync.test_feeds_sync import HTML, SEED


def listing(*hrefs: str, wrapper: str = "ul class='news'") -> bytes:
    links = "".join(f"<li><a href='{href}'>Artikel {n}</a></li>" for n, href in enumerate(hrefs))
    nav = "<nav><a href='/impressum'>Impressum</a></nav>"
    return f"<html><body>{nav}<{wrapper}>{links}</ul></body></html>".encode()


def article(title: str) -> Reply:
    return Reply(
        200,
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{title}: ein Bericht.</p></article></body></html>".encode(),
        HTML,
    )


def stored(store: Store):
    with store.read() as conn:
        return {i.key: i for i in list_items(conn)}


def test_selector_finds_same_site_links_and_only_new_articles_are_fetched(
    http_server, store: Store, client, clock
) -> None:
    http_server.route("/presse/scc.html", Reply(200, SEED, HTML))
    http_server.route("/presse/b.html", article("Zweiter Artikel"))
    url = http_server.route(
        "/presse/",
        Reply(200, listing("scc.html?utm_source=x", "/presse/b.html", "https://other.example/x"), HTML),
    )
    cfg = config(page("presse", url))
    [first] = run(cfg, store, client, clock).sources
    assert (first.status, first.new) == ("ok", 2)
    items = stored(store)
    assert set(items) == {http_server.url("/presse/scc.html"), http_server.url("/presse/b.html")}
    seed = items[http_server.url("/presse/scc.html")]
    assert seed.summary and seed.summary["event"]["name"].startswith("Smart Country Convention")
    assert http_server.hits("/impressum") == 0 and state(store, "presse").links_found == 2
    # A new link appears: only that article is fetched.
    http_server.route("/presse/c.html", article("Dritter Artikel"))
    http_server.route("/presse/", Reply(200, listing("/presse/c.html", "scc.html", "/presse/b.html"), HTML))
    [second] = run(cfg, store, client, clock).sources
    assert second.new == 1
    assert [http_server.hits(p) for p in ("/presse/scc.html", "/presse/b.html", "/presse/c.html")] == [
        1,
        1,
        1,
    ]


def test_other_domains_only_when_allowed(http_server, store: Store, clock) -> None:
    http_server.route("/a.html", article("Eigener"))
    other = http_server.url("/b.html").replace("127.0.0.1", "localhost")
    http_server.route("/b.html", article("Partner"))
    url = http_server.route("/", Reply(200, listing("/a.html", other), HTML))
    # localhost is another site on a private address: it must be allowed as a site and as an address.
    with HttpClient(user_agent="scc-sync-test/1.0", timeout=2, allow_private=["localhost"]) as client:
        assert run(config(page("p", url)), store, client, clock).sources[0].new == 1
        assert http_server.hits("/b.html") == 0
        [report] = run(config(page("q", url, allow_domains=["localhost"])), store, client, clock).sources
        assert report.new == 2
        assert http_server.hits("/b.html") == 1


def test_article_redirect_keeps_the_listed_key_and_the_final_url(
    http_server, store: Store, client, clock
) -> None:
    http_server.route("/old.html", Reply(301, b"", None, {"Location": "/new.html"}))
    http_server.route("/new.html", article("Umgezogen"))
    url = http_server.route("/", Reply(200, listing("/old.html"), HTML))
    run(config(page("p", url)), store, client, clock)
    [item] = stored(store).values()
    assert (item.key, item.url) == (http_server.url("/old.html"), http_server.url("/new.html"))
    run(config(page("p", url)), store, client, clock)
    assert http_server.hits("/old.html") == 1  # known by the listed URL: not fetched again


def test_robots_disallowed_article_is_skipped_with_a_warning(
    http_server, store: Store, client, clock
) -> None:
    http_server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /intern/\nCrawl-delay: 0.01\n"))
    http_server.route("/a.html", article("Offen"))
    http_server.route("/intern/b.html", article("Intern"))
    url = http_server.route("/", Reply(200, listing("/a.html", "/intern/b.html"), HTML))
    [report] = run(config(page("p", url)), store, client, clock).sources
    assert report.new == 1 and http_server.hits("/intern/b.html") == 0
    assert any("/intern/b.html" in w and "robots.txt" in w for w in report.warnings)
    with store.read() as conn:
        [health] = source_health(conn)
    assert "robots.txt" in (health["warning"] or "")


def test_non_html_article_is_refused_before_download(http_server, store: Store, client, clock) -> None:
    http_server.route("/report.pdf", Reply(200, b"%PDF-1.4" + b"x" * 1000, "application/pdf"))
    url = http_server.route("/", Reply(200, listing("/report.pdf"), HTML))
    [report] = run(config(page("p", url)), store, client, clock).sources
    assert report.new == 0 and any("application/pdf" in w for w in report.warnings)


def test_selector_that_goes_silent_is_reported_until_it_finds_links_again(
    http_server, store: Store, client, clock
) -> None:
    for n in range(4):
        http_server.route(f"/{n}.html", article(f"Artikel {n}"))
    hrefs = [f"/{n}.html" for n in range(4)]
    url = http_server.route("/", Reply(200, listing(*hrefs), HTML))
    cfg = config(page("p", url))
    run(cfg, store, client, clock)
    http_server.route("/", Reply(200, listing(*hrefs, wrapper="ul class='relaunch'"), HTML))
    [report] = run(cfg, store, client, clock).sources
    assert report.status == "ok" and "probably changed" in " ".join(report.warnings)
    http_server.route("/", Reply(200, listing(*hrefs, wrapper="ul class='relaunch2'"), HTML))
    run(cfg, store, client, clock)  # still silent: still reported
    with store.read() as conn:
        [health] = source_health(conn)
    assert "found no links" in health["warning"] and "found 4 before" in health["warning"]
    http_server.route("/", Reply(200, listing(*hrefs), HTML))
    run(cfg, store, client, clock)
    assert state(store, "p").warning is None


def test_invalid_selector_fails_only_that_source(http_server, store: Store, client, clock) -> None:
    http_server.route("/a.html", article("A"))
    url = http_server.route("/", Reply(200, listing("/a.html"), HTML))
    report = run(config(page("bad", url, selector="ul[["), page("good", url)), store, client, clock)
    by_name = {s.name: s for s in report.sources}
    assert by_name["bad"].status == "failed" and "not valid CSS" in (by_name["bad"].error or "")
    assert by_name["good"].new == 1


def test_page_items_carry_the_extracted_headline_and_body_not_the_page_chrome(
    http_server, store: Store, client, clock
) -> None:
    http_server.route("/presse/scc.html", Reply(200, SEED, HTML))
    url = http_server.route("/presse/", Reply(200, listing("scc.html"), HTML))
    run(config(page("presse", url)), store, client, clock)
    [item] = stored(store).values()
    assert item.title == "Smart Country Convention digital erfolgreich"
    assert item.text.startswith("Am 27. und 28. Oktober fand in diesem Jahr")  # the lead, no kicker or date
    assert "Weitere Meldungen" not in item.text and "Cookies" not in item.text


def test_a_changed_selector_applies_at_the_next_sync_though_the_listing_is_unchanged(
    http_server, store: Store, client, clock
) -> None:
    http_server.route("/a.html", article("Artikel A"))
    http_server.route("/b.html", article("Artikel B"))
    body = (
        b"<html><body><ul class='news'><li><a href='/a.html'>A</a></li></ul>"
        b"<div class='teaser'><a href='/b.html'>B</a></div></body></html>"
    )
    url = http_server.route("/", conditional(body, content_type=HTML))  # answers 304 when asked again
    [first] = run(config(page("p", url)), store, client, clock).sources
    assert first.new == 1
    [same] = run(config(page("p", url)), store, client, clock).sources
    assert same.status == "not_modified"  # the server said 304: nothing to look at
    # the editor notices the teaser was missed and widens the selector
    [widened] = run(config(page("p", url, "ul.news a, div.teaser a")), store, client, clock).sources
    assert (widened.status, widened.new) == ("ok", 1)
    assert set(stored(store)) == {http_server.url("/a.html"), http_server.url("/b.html")}
    [again] = run(config(page("p", url, "ul.news a, div.teaser a")), store, client, clock).sources
    assert again.status == "not_modified"  # validators count again once the new settings are applied


def test_sources_from_before_settings_fingerprints_keep_their_validators(
    http_server, store: Store, client, clock
) -> None:
    http_server.route("/a.html", article("Artikel A"))
    url = http_server.route("/", conditional(listing("/a.html"), content_type=HTML))
    run(config(page("p", url)), store, client, clock)
    with store.write() as conn:  # as the 0004 migration leaves an existing source
        update_source(conn, "p", settings_hash=None)
    [report] = run(config(page("p", url)), store, client, clock).sources
    assert report.status == "not_modified" and state(store, "p").settings_hash is not None
