"""Listing pages to article links; article pages to minimal Items."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from httpserver import LocalServer, Reply, fixture
from scc_sync.fetch.http import HTML_TYPES, HttpClient
from scc_sync.fetch.pages import article_item, article_links, find_article_links
from scc_sync.models import FetchResult

LISTING_URL = "https://www.vku.example/presse/index.html?utm_source=nl"


def page(name: str, url: str = LISTING_URL, headers: dict[str, str] | None = None) -> FetchResult:
    return FetchResult(url, url, 200, headers or {"content-type": "text/html"}, fixture(f"fetch/{name}"))


def test_links_are_absolute_canonical_deduplicated_same_site_in_page_order() -> None:
    links = find_article_links(page("listing.html"), "article.teaser a")
    assert links == [
        "https://www.vku.example/presse/scc-2020-recap/",  # relative to <base>, utm gone, duplicate dropped
        "https://www.vku.example/presse/waermewende/",  # fragment gone
        "https://vku.example/presse/glasfaser",  # bare domain = same site; default port and case gone
    ]


def test_allow_domains_admits_other_hosts() -> None:
    links = find_article_links(page("listing.html"), "article.teaser a", allow_domains=["partner.example"])
    assert "https://partner.example/artikel/1" in links
    assert not any(link.startswith(("mailto:", "javascript:")) for link in links)


def test_selector_may_match_containers_of_links() -> None:
    links = find_article_links(page("listing.html"), "article.teaser h2")
    assert links[0] == "https://www.vku.example/presse/scc-2020-recap/"
    assert len(links) == 3


def test_each_link_comes_with_its_text_on_the_listing() -> None:
    html = (
        "<div class='teaser'><a href='/a'><img src='a.jpg'></a><h3>Kommunalkongress 2024</h3></div>"
        "<div class='teaser'><a href='/b'>  Glasfaser\n für alle </a></div>"
        "<div class='teaser'><a href='/c'><img src='c.jpg'></a></div>"
    )
    url = "https://www.stadt.example/aktuelles/"
    result = FetchResult(url, url, 200, {"content-type": "text/html"}, html.encode())
    assert article_links(result, "div.teaser") == {
        "https://www.stadt.example/a": "Kommunalkongress 2024",  # an image link: the teaser's heading
        "https://www.stadt.example/b": "Glasfaser für alle",
        "https://www.stadt.example/c": None,
    }
    assert article_links(result, "div.teaser a")["https://www.stadt.example/a"] is None  # the link alone


def test_without_base_href_links_resolve_against_the_final_url() -> None:
    html = b'<a class="x" href="../artikel/1">1</a><a class="x" href="2">2</a>'
    result = FetchResult("https://a.example/old", "https://a.example/news/list/", 200, {}, html)
    assert find_article_links(result, "a.x") == [
        "https://a.example/news/artikel/1",
        "https://a.example/news/list/2",
    ]


def links_in(html: str, selector: str = "a", url: str = "https://www.stadt.example/aktuelles/") -> list[str]:
    return find_article_links(
        FetchResult(url, url, 200, {"content-type": "text/html"}, html.encode()), selector
    )


def test_one_malformed_href_does_not_break_the_listing() -> None:
    html = '<a href="http://[::1">kaputt</a><a href="/artikel/1">1</a><a href="http://%zz/">x</a>'
    assert links_in(html) == ["https://www.stadt.example/artikel/1"]


LISTING = "https://www.stadt.example/aktuelles/index.php"


@pytest.mark.parametrize(
    "href",
    [
        " JavaScript:void(0)",
        "java\nscript:alert(1)",  # browsers drop the newline, and so does urlsplit
        "MAILTO:presse@stadt.example",
        "tel:+49221123",
        "data:text/html,hallo",
        "whatsapp://send?text=x",
        "#",
        "  #top",
        "",
        "index.php#kommentare",  # the listing itself, under other spellings
        "?utm_source=newsletter",
        "/aktuelles/index.php#top",
    ],
)
def test_links_that_lead_to_no_article_are_skipped(href: str) -> None:
    assert links_in(f'<a href="{href}">x</a><a href="/artikel/1">1</a>', url=LISTING) == [
        "https://www.stadt.example/artikel/1"
    ]


def test_container_link_is_the_first_one_that_can_be_an_article() -> None:
    html = '<div class="teaser"><a href="#" class="merken">☆</a><h2><a href="/artikel/1">Titel</a></h2></div>'
    assert links_in(html, "div.teaser") == ["https://www.stadt.example/artikel/1"]


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ('<base href="/de/presse/">', "https://www.stadt.example/de/presse/artikel-1.html"),
        ('<base href="javascript:void(0)">', "https://www.stadt.example/aktuelles/artikel-1.html"),
        ('<base target="_blank">', "https://www.stadt.example/aktuelles/artikel-1.html"),
        ('<base href="">', "https://www.stadt.example/aktuelles/artikel-1.html"),
    ],
)
def test_base_href(base: str, expected: str) -> None:
    assert links_in(f'<head>{base}</head><a href="artikel-1.html">1</a>') == [expected]


def test_nothing_matched_is_an_empty_list() -> None:
    assert find_article_links(page("listing.html"), "div.nothing-here a") == []


def test_invalid_selector_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"selector 'a\[href' is not valid CSS"):
        find_article_links(page("listing.html"), "a[href")


@pytest.mark.parametrize(
    "name",
    [
        "article_utf8.html",
        "article_latin1.html",
        "article_cp1252.html",
        "article_utf8_bom.html",
        "article_undeclared_cp1252.html",
    ],
)
def test_article_item_in_every_encoding(name: str) -> None:
    url = "https://www.vku.example/presse/scc-2020-recap/?utm_medium=email"
    item = article_item(page(name, url=url), "vku")
    assert item.source == "vku"
    assert item.key == item.url == "https://www.vku.example/presse/scc-2020-recap/"
    assert item.title == "Smart Country Convention digital erfolgreich – „Special Edition“ für 5 €"
    assert item.published == datetime(2020, 11, 2, 8, 30, tzinfo=UTC)
    assert item.text.startswith("Smart Country Convention digital erfolgreich")
    assert "Zahlreiche Teilnehmer und hochkarätige Referenten dabei" in item.text
    assert "„vor Ort“" in item.text
    for chrome in ("Impressum", "Newsletter abonnieren", "Übles Skript", "font-family", "Presse"):
        assert chrome not in item.text
    assert item.html is not None and "<article>" in item.html and "Wärmewende" in item.html


@pytest.mark.parametrize(
    ("meta", "published"),
    [
        ("2020-11-02T09:30:00+01:00", datetime(2020, 11, 2, 8, 30, tzinfo=UTC)),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC
        ("0001-01-01T00:00:00Z", None),
        ("1970-01-01T00:00:00Z", None),
        ("2020-11-02T09:30:00", None),  # no zone
    ],
)
def test_article_date_must_be_plausible(meta: str, published: datetime | None) -> None:
    html = f'<html><head><meta property="article:published_time" content="{meta}"></head><p>x</p></html>'
    url = "https://x.example/a"
    result = FetchResult(url, url, 200, {"content-type": "text/html"}, html.encode())
    assert article_item(result, "x").published == published


def test_article_title_falls_back_to_h1_then_title() -> None:
    h1 = FetchResult(
        "https://x.example/a",
        "https://x.example/a",
        200,
        {},
        "<title>T | Site</title><h1>Überschrift</h1><p>Text</p>".encode(),
    )
    assert article_item(h1, "s").title == "Überschrift"
    title_only = FetchResult(
        "https://x.example/a", "https://x.example/a", 200, {}, b"<title>Nur Titel</title>"
    )
    assert article_item(title_only, "s").title == "Nur Titel"


def test_article_key_is_the_asked_url_and_url_is_where_it_lives() -> None:
    result = FetchResult(
        "https://x.example/a?fbclid=1", "https://x.example/moved#top", 200, {}, b"<p>Hallo</p>"
    )
    item = article_item(result, "s")
    assert (item.key, item.url, item.published) == ("https://x.example/a", "https://x.example/moved", None)
    assert item.text == "Hallo"


def test_listing_and_article_through_the_server(http_server: LocalServer) -> None:
    listing = fixture("fetch/listing.html").replace(b"https://www.vku.example/presse/", b"/presse/")
    http_server.route("/presse/", Reply(body=listing, content_type="text/html; charset=utf-8"))
    http_server.route(
        "/presse/scc-2020-recap/",
        Reply(body=fixture("fetch/article_latin1.html"), content_type="text/html; charset=ISO-8859-1"),
    )
    with HttpClient(user_agent="scc-sync-test/1.0", timeout=2.0) as client:
        links = find_article_links(client.fetch(http_server.url("/presse/")), "article.teaser a")
        assert links[0] == http_server.url("/presse/scc-2020-recap/")
        item = article_item(client.fetch(links[0], content_types=HTML_TYPES), "vku")
    assert item.title.endswith("„Special Edition“ für 5 €")


def test_listing_that_forwards_with_meta_refresh(http_server: LocalServer) -> None:
    # Municipal sites often keep an old address that forwards to the real listing.
    stub = b'<html><head><meta http-equiv="refresh" content="0; URL=/aktuelles/liste.html"></head></html>'
    url = http_server.route("/presse/", Reply(body=stub, content_type="text/html"))
    listing = b'<ul class="news"><li><a href="artikel-1.html">Eins</a></li></ul>'
    http_server.route("/aktuelles/liste.html", Reply(body=listing, content_type="text/html"))
    with HttpClient(user_agent="scc-sync-test/1.0", timeout=2.0) as client:
        result = client.fetch(url, content_types=HTML_TYPES)
    assert find_article_links(result, "ul.news a") == [http_server.url("/aktuelles/artikel-1.html")]


def test_header_inside_the_article_is_content_but_page_header_is_not() -> None:
    html = """<html><body><header>Seitenkopf Menü</header><article><header><h1>Titel</h1>
    <p>Vorspann mit Ümlaut</p></header><p>Text</p><aside>Verwandte Artikel</aside>
    <footer>Autorin: Jana Weiß</footer></article><footer>Seitenfuß</footer></body></html>"""
    result = FetchResult("https://x.example/a", "https://x.example/a", 200, {}, html.encode())
    assert article_item(result, "s").text == "Titel\nVorspann mit Ümlaut\nText\nAutorin: Jana Weiß"
