"""The fast reader and feedparser give the same items for every feed: identity, title, link, text, dates.

parse_feed reads most feeds with `fastfeed` (lxml) and the rest with feedparser. Stored items must
not change with the reader, so every fixture file and many generated variants go through both, and
the results must be equal in everything an Item carries, plus warnings, TTL and the feed's title.
"""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scc_sync.fetch.feeds import FeedError, FeedResult, parse_feed
from scc_sync.models import FetchResult

NOW = datetime(2020, 11, 5, 12, 0, tzinfo=UTC)
FEED_URL = "https://www.vku.example/presse/feed.xml"
ROOT = Path(__file__).resolve().parents[2]
FIXTURE_FILES = sorted(p for p in (ROOT / "tests" / "fixtures").rglob("*") if p.is_file())
FIXTURE_FILES.append(ROOT / "src" / "scc_sync" / "demo_site" / "site" / "feed.xml")


def both(body: bytes, content_type: str | None = "application/rss+xml") -> tuple[FeedResult, FeedResult]:
    """The same answer read with the fast reader where it can, and with feedparser alone."""
    result = FetchResult(
        FEED_URL, FEED_URL, 200, {"content-type": content_type} if content_type else {}, body
    )
    outcomes = []
    for fast in (True, False):
        try:
            outcomes.append(parse_feed(result, "vku", now=NOW, fast=fast))
        except FeedError as error:
            outcomes.append(str(error))
    return outcomes[0], outcomes[1]


def assert_same(body: bytes, content_type: str | None = "application/rss+xml") -> FeedResult:
    fast, slow = both(body, content_type)
    assert fast == slow
    return fast


def assert_fast_and_same(body: bytes, content_type: str | None = "application/rss+xml") -> FeedResult:
    feed = assert_same(body, content_type)
    assert feed.reader == "fastfeed"
    assert feed.items  # something was compared
    return feed


def assert_feedparser_reads(body: bytes, content_type: str | None = "application/rss+xml") -> None:
    feed = assert_same(body, content_type)
    assert isinstance(feed, str) or feed.reader == "feedparser"


# -- every fixture file ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize(
    "content_type", ["application/rss+xml", "text/xml", "text/html; charset=utf-8", None]
)
def test_every_fixture_file_reads_the_same(path: Path, content_type: str | None) -> None:
    assert_same(path.read_bytes(), content_type)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("fetch/rss2_utf8.xml", "application/rss+xml"),
        ("fetch/rss2_utf8.xml", "text/xml"),
        ("fetch/rss2_utf8_bom.xml", "text/xml; charset=iso-8859-1"),  # the BOM wins
        ("fetch/rss1_rdf.xml", "application/rdf+xml"),
        ("fetch/rss2_duplicate_guids.xml", "application/rss+xml"),
        ("fetch/rss2_latin1_strict.xml", "text/xml; charset=iso-8859-1"),
        # ISO-8859-1 declared, windows-1252 bytes: both read latin-1 and map cp1252's characters
        ("fetch/rss2_latin1.xml", "application/rss+xml"),
    ],
)
def test_common_fixtures_take_the_fast_path(name: str, content_type: str) -> None:
    assert_fast_and_same((ROOT / "tests" / "fixtures" / name).read_bytes(), content_type)


@pytest.mark.parametrize(
    "name",
    [
        "fetch/rss2_cp1252.xml",  # windows-1252 declared: libxml2 and Python differ on its gaps
        "fetch/rss2_malformed.xml",
        "fetch/atom_utf8_bom.xml",  # xml:base
    ],
)
def test_doubtful_fixtures_go_to_feedparser(name: str) -> None:
    assert_feedparser_reads((ROOT / "tests" / "fixtures" / name).read_bytes())


# -- generated variants ----------------------------------------------------------------------------


def rss2(items: str, *, channel: str = "<title>Presse</title>", declaration: str = "utf-8") -> bytes:
    head = f'<?xml version="1.0" encoding="{declaration}"?>\n' if declaration else ""
    return (
        f'{head}<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
        f"<channel>{channel}{items}</channel></rss>"
    ).encode()


def atom(entries: str, *, feed: str = "<title>Städtetag</title>") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"{feed}<id>urn:feed</id>{entries}</feed>"
    ).encode()


def rss1(items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        '<channel rdf:about="https://lkt.example/"><title>Landkreistag</title>'
        "<link>https://lkt.example/</link>"
        "<description>Meldungen</description></channel>"
        f"{items}</rdf:RDF>"
    ).encode()


def bench_like_feed(items: int = 20) -> bytes:
    """The shape of bench/bench_sync.py's feeds: title, link with tracking, GUID, RFC 822 date, HTML."""
    entries = []
    for i in range(items):
        published = format_datetime(NOW - timedelta(hours=i), usegmt=True)
        entries.append(
            f"<item><title>Meldung {i}: Wärmewende in Städten</title>"
            f"<link>https://site.example/presse/{i}?utm_source=rss</link>"
            f'<guid isPermaLink="false">feed-item-{i}</guid><pubDate>{published}</pubDate>'
            "<description>&lt;p&gt;Über 10.600 Teilnehmende – „digital und vor "
            "Ort“.&lt;/p&gt;</description></item>"
        )
    return rss2("".join(entries))


RSS_ITEMS = {
    "bench feed": bench_like_feed(),
    "guid permalink, no link": rss2(
        "<item><title>A</title><guid>https://vku.example/a?utm_source=x</guid></item>"
    ),
    "guid not an address": rss2("<item><title>A</title><guid>12345</guid></item>"),
    "guid not permalink": rss2('<item><title>A</title><guid isPermaLink="false">urn:a</guid></item>'),
    "guid isPermaLink True (capital)": rss2(
        '<item><title>A</title><guid isPermaLink="True">abc</guid><link>/x</link></item>'
    ),
    "no guid": rss2(
        "<item><title>A</title><link>/presse/a/#comments</link><description>x</description></item>"
    ),
    "no guid, no link": rss2("<item><title>Kurz</title><description>Nur Text</description></item>"),
    "guid before link, same text": rss2("<item><guid>12345</guid><link>12345</link><title>A</title></item>"),
    "link before guid, same text": rss2("<item><link>12345</link><guid>12345</guid><title>A</title></item>"),
    "guid before an empty link": rss2(
        "<item><guid>https://vku.example/g</guid><link/><title>A</title></item>"
    ),
    "empty guid": rss2("<item><guid></guid><link>https://vku.example/a</link><title>A</title></item>"),
    "guid with spaces": rss2("<item><guid>  \n id-1 \t</guid><title>A</title></item>"),
    "links with entities and slashes": rss2(
        "<item><title>A</title><link>https:////vku.example/a?x=1&amp;amp;y=2&amp;copy;z</link></item>"
        "<item><title>B</title><link>  http://[broken/a  </link></item>"
        "<item><title>C</title><link>javascript:alert(1)</link></item>"
    ),
    "atom links inside RSS": rss2(
        '<item><title>A</title><atom:link href="https://vku.example/self" rel="self"/>'
        '<link>https://vku.example/a</link><atom:link rel="alternate" href="/b"/></item>'
    ),
    "entities": rss2(
        "<item><guid>1</guid><title>Rathaus&nbsp;geschlossen &ndash; &bdquo;Sanierung&ldquo; "
        "f&uuml;r 5&nbsp;&euro;"
        " &amp;lt;b&amp;gt; &#150; &#x80;</title><description>&lt;p&gt;Caf&eacute; &amp;amp; "
        "B&auml;ckerei&lt;/p&gt;"
        "</description></item>"
    ),
    "CDATA": rss2(
        "<item><guid>1</guid><title><![CDATA[Grüße <b>fett</b> & mehr]]></title>"
        "<description><![CDATA[<p>Absatz</p><script>x()</script>]]></description>"
        "<content:encoded><![CDATA[<h2>Voll</h2><p>Der ganze Text, länger als die Beschreibung.</p>]]>"
        "</content:encoded></item>"
    ),
    "content before description": rss2(
        "<item><guid>1</guid><content:encoded>&lt;p&gt;Kurz&lt;/p&gt;</content:encoded>"
        "<description>Die längere Beschreibung des Eintrags</description><title>T</title></item>"
    ),
    "content only": rss2("<item><guid>1</guid><content:encoded>Nur Inhalt</content:encoded></item>"),
    "double-encoded UTF-8 and C1 controls": rss2(
        "<item><guid>Ã¤-1</guid><title>FÃ¼r StÃ¤dte \u0096 \u0084Zitat\u0093</title>"
        "<dc:creator>JÃ¶rg</dc:creator><link>https://vku.example/Ã¼</link></item>"
    ),
    "whitespace and comments": rss2(
        "<item>\n  <title>\n  Ein <!-- Kommentar --> Titel \n</title>\n  <guid>\n g1 \n</guid>\n"
        "  <description>  a<?pi x?>b  </description>\n</item>"
    ),
    "authors": rss2(
        "<item><guid>1</guid><title>A</title><author>Redaktion Süd</author></item>"
        "<item><guid>2</guid><title>B</title><dc:creator>  Jörg Müller </dc:creator></item>"
        "<item><guid>3</guid><title>C</title><author>presse@vku.example (Pressestelle)</author></item>"
    ),
    "inert elements": rss2(
        "<item><title>A</title><guid>1</guid><category>Energie</category><category "
        "domain='x'>Wasser</category>"
        "<comments>/a#c</comments><enclosure url='/a.mp3' length='1' type='audio/mpeg'/>"
        "<wfw:commentRss>/a/feed</wfw:commentRss><source url='https://other.example/feed'>Andere</source>"
        "<media:content url='/b.jpg' medium='image'/></item>"
    ),
    "WordPress item": rss2(
        "<item><title>Wärmeplanung &#8211; was Kommunen jetzt tun</title>"
        "<link>https://verband.example/2020/11/waermeplanung/</link>"
        "<comments>https://verband.example/2020/11/waermeplanung/#respond</comments>"
        "<dc:creator><![CDATA[Redaktion]]></dc:creator><pubDate>Mon, 02 Nov 2020 08:30:00 +0000</pubDate>"
        '<category><![CDATA[Energie]]></category><guid isPermaLink="false">https://verband.example/?p=123</guid>'
        "<description><![CDATA[Kurz &#8230;]]></description><content:encoded><![CDATA[<p>Lang</p>]]>"
        "</content:encoded><wfw:commentRss>https://verband.example/2020/11/waermeplanung/feed/</wfw:commentRss>"
        '<post-id xmlns="com-wordpress:feed-additions:1">123</post-id></item>'
    ),
    "unknown elements": rss2(
        "<item><title>A</title><guid>1</guid><foo:bar xmlns:foo='urn:foo'>x</foo:bar></item>"
        "<item><title>B</title><guid>2</guid><media:group><media:title>Anders</media:title>"
        "</media:group></item>"
    ),
    "title twice": rss2("<item><title></title><title>Zweiter</title><guid>1</guid></item>"),
    "media title": rss2("<item><media:title>Medien</media:title><guid>1</guid></item>"),
    "uppercase element names": rss2(
        "<item><TITLE>Gross</TITLE><Link>/gross</Link><PubDate>2 Nov 2020</PubDate></item>"
    ),
    "markup inside a title": rss2("<item><title>Mit <b>Markup</b></title><guid>1</guid></item>"),
    "feed ttl and syndication": rss2(
        "<item><title>A</title></item>",
        channel="<title>Presse</title><ttl> 90 </ttl><sy:updatePeriod>daily</sy:updatePeriod>"
        "<sy:updateFrequency>4</sy:updateFrequency><image><title>Logo</title><url>/l.png</url></image>",
    ),
    "channel title after image and items": rss2(
        "<item><title>A</title></item>", channel="<image><title>Logo</title></image>"
    ).replace(b"</channel>", b"<title>Spaet</title></channel>"),
    "channel with two titles": rss2(
        "<item><title>A</title></item>", channel="<title>Eins</title><title>Zwei</title>"
    ),
    "no channel title": rss2("<item><title>A</title></item>", channel=""),
    "no declaration": rss2("<item><title>Grüße</title></item>", declaration=""),
    "item outside the channel": rss2("<item><title>A</title></item>").replace(
        b"</rss>", b"<item><title>B</title></item></rss>"
    ),
    "item with CDF href": rss2('<item href="https://vku.example/cdf"><title>A</title></item>'),
    "xml:base": rss2('<item xml:base="https://other.example/"><title>A</title><link>a</link></item>'),
    "empty feed": rss2(""),
    "only empty items": rss2("<item></item><item><title> </title></item>"),
    "duplicate GUIDs": rss2(
        "<item><guid>news</guid><title>A</title><link>https://vku.example/a</link><pubDate>2 Nov "
        "2020</pubDate></item>"
        "<item><guid>news</guid><title>B</title><link>https://vku.example/b</link><pubDate>1 Nov "
        "2020</pubDate></item>"
        "<item><guid>news</guid><title>B</title><link>https://vku.example/b?utm_source=x</link></item>"
    ),
}

ATOM_ENTRIES = {
    "atom basic": atom(
        '<entry><id>tag:vku.example,2020:1</id><title type="html">Gr&amp;uuml;&#223;e '
        "&lt;i&gt;x&lt;/i&gt;</title>"
        '<link rel="alternate" type="text/html" href="https://vku.example/1?fbclid=a"/>'
        '<link rel="enclosure" href="/1.mp3"/><updated>2020-11-03T07:45:00+01:00</updated>'
        "<author><name> Jörg Müller </name><uri>https://vku.example/jm</uri></author>"
        '<summary type="html">&lt;p&gt;Kurz&lt;/p&gt;</summary></entry>'
    ),
    "atom id without link": atom("<entry><id>tag:vku.example,2020:2</id><title>Ohne Link</title></entry>"),
    "atom http id without link": atom(
        "<entry><id>https:///vku.example/3</id><title>Id als Link</title></entry>"
    ),
    "atom link before id": atom(
        '<entry><link href="tag:x"/><id>tag:x</id><title>A</title></entry>'
        '<entry><id>tag:y</id><link href="tag:y"/><title>B</title></entry>'
    ),
    "atom several alternates": atom(
        '<entry><id>1</id><title>A</title><link href="/a"/><link rel="alternate" type="text/html" href="/b"/>'
        '<link rel="alternate" type="application/pdf" href="/c.pdf"/><link rel="related" href="/d"/></entry>'
    ),
    "atom link type xhtml": atom('<entry><id>1</id><title>A</title><link type="XHTML" href="/x"/></entry>'),
    "atom content and summary": atom(
        '<entry><id>1</id><title>A</title><content type="html">&lt;p&gt;Lang und '
        "ausführlich&lt;/p&gt;</content>"
        "<summary>Kurz</summary><published>2020-11-01T09:00:00Z</published>"
        "<updated>2020-11-02T09:00:00Z</updated>"
        "</entry>"
        '<entry><id>2</id><title>B</title><summary>Kurz</summary><content type="text">Lang '
        "&lt;b&gt;</content></entry>"
    ),
    "atom xhtml content": atom(
        '<entry><id>1</id><title>A</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        "<p>Absatz</p></div></content></entry>"
    ),
    "atom author with email": atom(
        "<entry><id>1</id><title>A</title><author><name>J</name><email>j@vku.example</email></author></entry>"
    ),
    "atom two authors": atom(
        "<entry><id>1</id><title>A</title><author><name>J</name></author><author><name>K</name>"
        "</author></entry>"
    ),
    "atom source": atom("<entry><id>1</id><title>A</title><source><title>Quelle</title></source></entry>"),
    "atom 0.3": b'<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Alt</title>'
    b"<entry><id>1</id><title>A</title><issued>2020-11-01T09:00:00Z</issued></entry></feed>",
    "atom with prefix": b'<?xml version="1.0"?><a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>P</a:title>'
    b'<a:entry><a:id>1</a:id><a:title>A</a:title><a:link href="/a"/></a:entry></a:feed>',
    "atom relative href": atom('<entry><id>1</id><title>A</title><link href="eins.html"/></entry>'),
}

RSS1_ITEMS = {
    "rss1": rss1(
        '<item rdf:about="https://lkt.example/m/1"><title>Eins</title><link>https://lkt.example/m/1</link>'
        "<dc:date>2020-11-01T10:00:00+01:00</dc:date><dc:creator>Redaktion</dc:creator>"
        "<description>Text</description></item>"
        '<item rdf:about="urn:m:2"><title>Zwei</title>'
        "<content:encoded>&lt;p&gt;Voll&lt;/p&gt;</content:encoded></item>"
    ),
    "rss1 without about": rss1("<item><title>Drei</title><link>/m/3</link></item>"),
}

DATES = [
    "Mon, 02 Nov 2020 09:30:00 +0100",
    "Mon, 2 Nov 2020 09:30:00 GMT",
    "02 Nov 2020 09:30 +0100",
    "Mon, 02 Nov 2020 09:30:00 CET",
    "Mon, 02 Nov 2020 09:30:00 MESZ",
    "Monday, 02-Nov-20 09:30:00 EST",
    "Mon, 02 Nov 20 09:30:00 +0100",
    "Mon, 2 November 2020 09:30:00 +0100",
    "2020-11-02T09:30:00+01:00",
    "2020-11-02T09:30:00.123456Z",
    "2020-11-02T09:30:00Z",
    "2020-11-02T09:30Z",
    "2020-11-02 09:30:00",
    "2020-11-02",
    "2020-11",
    "20201102T093000Z",
    "02.11.2020",
    "2020-11-02T25:61:00Z",
    "Mon, 01 Jan 0001 00:00:00 +0100",
    "0001-01-01T00:00:00Z",
    "1899-12-31T23:59:59Z",
    "1989-12-31T23:59:59Z",
    "1990-01-01T00:00:00Z",
    "Thu, 01 Jan 2099 12:00:00 GMT",
    "Fri, 06 Nov 2020 11:00:00 GMT",  # within two days of the fetch
    "9999-12-31T23:59:59-12:00",
    "gestern",
    "",
    "Mon, 02 Nov 2020 09:30:00 \u0096",
]


def dated(date: str) -> bytes:
    return rss2(
        f"<item><guid>p</guid><title>pubDate</title><pubDate>{date}</pubDate></item>"
        f"<item><guid>d</guid><title>dc:date</title><dc:date>{date}</dc:date></item>"
        f"<item><guid>b</guid><title>both</title><pubDate>{date}</pubDate>"
        f"<dc:date>2020-11-01</dc:date></item>"
    )


VARIANTS = {
    **RSS_ITEMS,
    **ATOM_ENTRIES,
    **RSS1_ITEMS,
    **{f"date {date!r}": dated(date) for date in DATES},
    "atom dates": atom(
        "".join(
            f"<entry><id>{n}</id><title>A</title><updated>{d}</updated></entry>" for n, d in enumerate(DATES)
        )
    ),
    # encodings
    "utf-8 BOM": codecs.BOM_UTF8 + rss2("<item><title>Grüße</title></item>"),
    "utf-16": codecs.BOM_UTF16_LE + rss2("<item><title>Grüße</title></item>").decode().encode("utf-16-le"),
    "iso-8859-1 with cp1252 bytes": rss2(
        "<item><title>Tag – „x“ 5 €</title></item>", declaration="ISO-8859-1"
    )
    .decode()
    .encode("cp1252"),
    "iso-8859-1, ASCII only": rss2(
        "<item><title>Tag - &#150; &#228;</title></item>", declaration="ISO-8859-1"
    ),
    "declared utf-8, cp1252 bytes": rss2("<item><title>Grüße</title></item>").decode().encode("cp1252"),
    "declared windows-1252, UTF-8 bytes": rss2(
        "<item><title>Grüße</title></item>", declaration="windows-1252"
    ),
    # the XML around the feed
    "XML 1.1": rss2("<item><title>A</title></item>").replace(b'version="1.0"', b'version="1.1"'),
    "stylesheet and comment before the root": rss2("<item><title>A</title></item>").replace(
        b"?>\n", b'?>\n<?xml-stylesheet href="a.xsl"?><!-- c -->'
    ),
    "CR LF and CR": rss2("<item><title>A\r\nB</title><description>x\ry</description></item>"),
    "newline in an attribute": rss2('<item><title>A</title><atom:link rel="alternate" href="/a\nb"/></item>'),
    "noncharacters": rss2("<item><title>A\ufdd0\ufffd</title></item>"),
    # malformed
    "junk after the root": rss2("<item><title>A</title></item>") + b"<!-- x -->junk",
    "mismatched tag": rss2("<item><title>A</title></item><item><title>B</item>"),
    "bare ampersand": rss2("<item><title>A & B</title></item>"),
    "control characters": rss2("<item><title>Alarm\x1b[2J\x07</title></item>"),
    "unknown entity": rss2("<item><title>A &foo; B</title></item>"),
    "undeclared prefix": rss2("<item><title>A</title><x:y>1</x:y></item>"),
    "doctype": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "Ersetzt">]><rss version="2.0"><channel>'
    b"<title>T</title><item><title>&e;</title></item></channel></rss>",
    "truncated": rss2("<item><title>A</title></item><item><title>B</title></item>")[:-40],
    "not a feed": b"<html><head><title>Login</title></head><body></body></html>",
}


@pytest.mark.parametrize("body", VARIANTS.values(), ids=list(VARIANTS))
@pytest.mark.parametrize("content_type", ["application/rss+xml", "text/xml", "text/xml; charset=utf-8"])
def test_variants_read_the_same(body: bytes, content_type: str) -> None:
    assert_same(body, content_type)


FAST = [
    "bench feed",
    "WordPress item",
    "guid permalink, no link",
    "no guid",
    "guid before link, same text",
    "link before guid, same text",
    "links with entities and slashes",
    "entities",
    "CDATA",
    "content before description",
    "double-encoded UTF-8 and C1 controls",
    "whitespace and comments",
    "inert elements",
    "feed ttl and syndication",
    "channel title after image and items",
    "no declaration",
    "atom basic",
    "atom id without link",
    "atom link before id",
    "atom several alternates",
    "atom content and summary",
    "atom with prefix",
    "rss1",
    "utf-8 BOM",
    "iso-8859-1, ASCII only",
    "iso-8859-1 with cp1252 bytes",
    "date 'Mon, 01 Jan 0001 00:00:00 +0100'",
    "date '2020-11-02T25:61:00Z'",
]
FEEDPARSER = [
    "unknown elements",
    "title twice",
    "markup inside a title",
    "channel with two titles",
    "item outside the channel",
    "item with CDF href",
    "xml:base",
    "atom xhtml content",
    "atom author with email",
    "atom two authors",
    "atom source",
    "atom 0.3",
    "utf-16",
    "declared utf-8, cp1252 bytes",
    "declared windows-1252, UTF-8 bytes",
    "mismatched tag",
    "bare ampersand",
    "control characters",
    "unknown entity",
    "undeclared prefix",
    "doctype",
    "truncated",
]


@pytest.mark.parametrize("name", FAST)
def test_plain_feeds_take_the_fast_path(name: str) -> None:
    assert_fast_and_same(VARIANTS[name])


@pytest.mark.parametrize("name", FEEDPARSER)
def test_doubtful_feeds_go_to_feedparser(name: str) -> None:
    assert_feedparser_reads(VARIANTS[name])


# -- random entries --------------------------------------------------------------------------------

TEXTS = st.sampled_from(
    [
        "",
        " ",
        "Grüße",
        "a &amp; b",
        "&lt;p&gt;x&lt;/p&gt;",
        "<![CDATA[<b>y</b> &]]>",
        "Ã¼ber",
        "\u0093z\u0094",
        "  pad  ",
    ]
)
URLS = st.sampled_from(
    ["https://vku.example/a", "/rel/b?utm_source=x", "c#frag", "12345", "", "https:///d", "tag:e", " f "]
)
RSS_PARTS = st.one_of(
    TEXTS.map(lambda t: ("title", f"<title>{t}</title>")),
    URLS.map(lambda u: ("link", f"<link>{u}</link>")),
    st.tuples(URLS, st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"'])).map(
        lambda g: ("guid", f"<guid{g[1]}>{g[0]}</guid>")
    ),
    TEXTS.map(lambda t: ("description", f"<description>{t}</description>")),
    TEXTS.map(lambda t: ("content", f"<content:encoded>{t}</content:encoded>")),
    st.sampled_from(DATES).map(lambda d: ("pubDate", f"<pubDate>{d}</pubDate>")),
    st.sampled_from(DATES).map(lambda d: ("dc:date", f"<dc:date>{d}</dc:date>")),
    TEXTS.map(lambda t: ("creator", f"<dc:creator>{t}</dc:creator>")),
    URLS.map(lambda u: ("atom:link", f'<atom:link rel="alternate" href="{u}"/>')),
    st.just(("category", "<category>Energie</category>")),
)
ATOM_PARTS = st.one_of(
    st.tuples(st.sampled_from(["", ' type="html"', ' type="text"']), TEXTS).map(
        lambda t: ("title", f"<title{t[0]}>{t[1]}</title>")
    ),
    URLS.map(lambda u: ("id", f"<id>{u}</id>")),
    st.tuples(URLS, st.sampled_from(["", ' rel="alternate"', ' rel="enclosure"', ' type="text/html"'])).map(
        lambda link: ("link", f'<link href="{link[0]}"{link[1]}/>')
    ),
    TEXTS.map(lambda t: ("summary", f'<summary type="html">{t}</summary>')),
    TEXTS.map(lambda t: ("content", f'<content type="html">{t}</content>')),
    st.sampled_from(DATES).map(lambda d: ("published", f"<published>{d}</published>")),
    st.sampled_from(DATES).map(lambda d: ("updated", f"<updated>{d}</updated>")),
    st.sampled_from(["Jörg", " A B ", "Ã¶"]).map(lambda n: ("author", f"<author><name>{n}</name></author>")),
)


def entries_of(parts: st.SearchStrategy[tuple[str, str]]) -> st.SearchStrategy[list[str]]:
    """Entries of random elements in random order: mostly each kind once (what the fast reader takes),
    sometimes any (repeats go to feedparser)."""
    entry = st.one_of(
        st.lists(parts, max_size=8, unique_by=lambda part: part[0]), st.lists(parts, max_size=8)
    ).map(lambda chosen: "".join(xml for _, xml in chosen))
    return st.lists(entry, min_size=1, max_size=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries_of(RSS_PARTS))
def test_random_rss_items_read_the_same(items: list[str]) -> None:
    assert_same(rss2("".join(f"<item>{item}</item>" for item in items)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries_of(ATOM_PARTS))
def test_random_atom_entries_read_the_same(entries: list[str]) -> None:
    assert_same(atom("".join(f"<entry>{entry}</entry>" for entry in entries)), "application/atom+xml")
