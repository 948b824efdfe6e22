"""HttpClient against a real local server: limits, validators, redirects, errors."""

from __future__ import annotations

import gzip
import socket
import ssl
import subprocess
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import urllib3

from httpserver import (
    LocalServer,
    Reply,
    Request,
    conditional,
    ignores_validators,
    redirect,
    retry_after,
    wait_until,
)
from scc_sync.fetch.encoding import decode_html
from scc_sync.fetch.http import HTML_TYPES, FetchError, HttpClient, parse_retry_after

UA = "scc-sync-test/1.0 (+https://example.org/bot)"


@pytest.fixture
def client():
    with HttpClient(user_agent=UA, timeout=2.0) as c:
        yield c


def fetch_error(client: HttpClient, url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as info:
        client.fetch(url, **kwargs)
    assert url in str(info.value), "the message names the URL"
    return info.value


# -- plain answers and conditional GET ---------------------------------------------------------------


def test_fetch_returns_body_headers_and_validators(http_server: LocalServer, client: HttpClient) -> None:
    url = http_server.route("/feed", conditional(b"<rss/>", etag='"abc"'))
    result = client.fetch(url, accept="application/rss+xml")
    assert (result.status, result.content, result.final_url) == (200, b"<rss/>", url)
    assert result.etag == '"abc"'
    assert result.last_modified == "Mon, 02 Nov 2020 10:00:00 GMT"
    assert result.headers["content-type"] == "application/rss+xml"  # names lowercased
    assert result.permanent_redirect is None
    sent = http_server.last_request("/feed").headers
    assert sent["user-agent"] == UA
    assert sent["accept"] == "application/rss+xml"
    assert "if-none-match" not in sent


def test_etag_gives_304_with_empty_content_and_keeps_validators(http_server, client) -> None:
    url = http_server.route("/feed", conditional(b"<rss/>", etag='"abc"'))
    first = client.fetch(url)
    again = client.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.status == 304
    assert again.content == b""
    assert (again.etag, again.last_modified) == (first.etag, first.last_modified)
    sent = http_server.last_request("/feed").headers
    assert sent["if-none-match"] == '"abc"'
    assert sent["if-modified-since"] == first.last_modified


def test_last_modified_alone_gives_304(http_server, client) -> None:
    url = http_server.route("/feed", conditional(b"<rss/>", etag=None))
    first = client.fetch(url)
    assert first.etag is None
    assert client.fetch(url, last_modified=first.last_modified).status == 304


def test_changed_resource_answers_200_despite_old_validators(http_server, client) -> None:
    url = http_server.route("/feed", conditional(b"<rss>new</rss>", etag='"v2"'))
    result = client.fetch(url, etag='"v1"')
    assert (result.status, result.content, result.etag) == (200, b"<rss>new</rss>", '"v2"')


def test_server_that_ignores_validators_still_gives_the_full_body(http_server, client) -> None:
    url = http_server.route("/feed", ignores_validators(b"<rss>always</rss>"))
    first = client.fetch(url)
    again = client.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.status == 200 and again.content == b"<rss>always</rss>"


def test_gzip_bodies_are_decoded(http_server, client) -> None:
    body = "Grüße aus Köln ".encode() * 200
    url = http_server.route("/gz", Reply(body=body, gzip=True))
    result = client.fetch(url)
    assert result.content == body
    assert "gzip" in http_server.last_request("/gz").headers["accept-encoding"]


# -- redirects ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "permanent"), [(301, True), (308, True), (302, False), (303, False), (307, False)]
)
def test_first_hop_tells_permanent_from_temporary(http_server, client, status, permanent) -> None:
    target = http_server.route("/new", Reply(body=b"here"))
    url = http_server.route("/old", redirect("/new", status))
    result = client.fetch(url)
    assert (result.url, result.final_url, result.content) == (url, target, b"here")
    assert result.permanent_redirect == (target if permanent else None)


def test_permanent_then_temporary_reports_only_the_permanent_part(http_server, client) -> None:
    http_server.route("/a", redirect("/b", 301))
    http_server.route("/b", redirect("/c", 302))
    http_server.route("/c", Reply(body=b"c"))
    result = client.fetch(http_server.url("/a"))
    assert result.final_url == http_server.url("/c")
    assert result.permanent_redirect == http_server.url("/b")


def test_temporary_then_permanent_is_not_permanent(http_server, client) -> None:
    http_server.route("/a", redirect("/b", 302))
    http_server.route("/b", redirect("/c", 301))
    http_server.route("/c", Reply(body=b"c"))
    assert client.fetch(http_server.url("/a")).permanent_redirect is None


def test_redirect_loop_is_detected(http_server, client) -> None:
    http_server.route("/a", redirect("/b", 302))
    http_server.route("/b", redirect("/a", 302))
    error = fetch_error(client, http_server.url("/a"))
    assert error.kind == "redirect_loop"
    assert f"{http_server.url('/b')} -> {http_server.url('/a')}" in str(error)
    assert http_server.hits("/a") == 1


def test_redirect_chain_is_bounded(http_server) -> None:
    for i in range(4):
        http_server.route(f"/r{i}", redirect(f"/r{i + 1}", 302))
    http_server.route("/r4", Reply(body=b"end"))
    with HttpClient(user_agent=UA, max_redirects=4) as client:
        assert client.fetch(http_server.url("/r0")).content == b"end"  # exactly the limit: fine
    with HttpClient(user_agent=UA, max_redirects=3) as client:
        error = fetch_error(client, http_server.url("/r0"))
    assert error.kind == "too_many_redirects"
    assert http_server.hits("/r4") == 1  # the short-leashed client never got there


def test_redirect_without_location_is_an_http_status_error(http_server, client) -> None:
    url = http_server.route("/nowhere", Reply(302, b""))
    error = fetch_error(client, url)
    assert (error.kind, error.status) == ("http_status", 302)
    assert "Location" in str(error)


@pytest.mark.parametrize(
    "target", ["ftp://files.example/presse.xml", "javascript:void(0)", "mailto:a@b.example"]
)
def test_redirect_to_a_non_http_scheme_is_refused(http_server, client, target) -> None:
    url = http_server.route("/odd", redirect(target))
    error = fetch_error(client, url)
    assert (error.kind, error.status) == ("http_status", 302)
    assert f"redirects to {target}, which is not an http(s) URL" in str(error)


@pytest.mark.parametrize("location", ["neu", "./neu", "../presse/neu", "//{host}/presse/neu", "/presse/neu?"])
def test_relative_locations_resolve_against_the_current_url(http_server, client, location) -> None:
    target = http_server.route("/presse/neu", Reply(body=b"neu"))
    url = http_server.route("/presse/alt", redirect(location.format(host=http_server.base_url[7:])))
    result = client.fetch(url)
    assert (result.final_url.rstrip("?"), result.content) == (target, b"neu")


@pytest.mark.parametrize("raw_location", ["/stra\N{LATIN SMALL LETTER SHARP S}e".encode(), b"/stra\xdfe"])
def test_non_ascii_location_in_utf8_or_latin1(http_server, client, raw_location) -> None:
    # http.client reads header bytes as latin-1; UTF-8 (what servers mostly send) must not become "straÃŸe".
    http_server.route("/stra%C3%9Fe", Reply(body=b"Strasse"))
    url = http_server.route(
        "/alt",
        Reply(raw=b"HTTP/1.1 301 Moved\r\nLocation: " + raw_location + b"\r\nConnection: close\r\n\r\n"),
    )
    result = client.fetch(url)
    assert result.content == b"Strasse"
    assert result.final_url == http_server.url("/straße")


def test_the_body_of_a_redirect_is_not_waited_for(http_server) -> None:
    # A redirect whose body never comes: the client must go on to the Location, not read it.
    target = http_server.route("/neu", Reply(body=b"neu"))
    url = http_server.route(
        "/alt", Reply(302, b"x" * 10, headers={"Location": "/neu"}, stall=30, announce_length=False)
    )
    with HttpClient(user_agent=UA, timeout=0.5) as client:
        result = client.fetch(url)
    assert (result.final_url, result.content) == (target, b"neu")


def test_redirect_to_the_same_url_with_a_cookie_is_followed_once(http_server, client) -> None:
    def consent(request: Request) -> Reply:
        if "consent=1" in request.headers.get("cookie", ""):
            return Reply(body=b"<rss/>")
        return Reply(
            302, b"", content_type=None, headers={"Location": "/feed", "Set-Cookie": "consent=1; Path=/"}
        )

    url = http_server.route("/feed", consent)
    assert client.fetch(url).content == b"<rss/>"
    assert http_server.hits("/feed") == 2


def test_redirect_to_the_same_url_that_keeps_setting_a_cookie_is_a_loop(http_server, client) -> None:
    http_server.route(
        "/feed", Reply(302, b"", content_type=None, headers={"Location": "/feed", "Set-Cookie": "tries=1"})
    )
    error = fetch_error(client, http_server.url("/feed"))
    assert error.kind == "redirect_loop"
    assert http_server.hits("/feed") == 2


def refresh_page(content: str, *, noscript: bool = False) -> Reply:
    tag = f'<meta http-equiv="Refresh" content="{content}">'
    head = f"<noscript>{tag}</noscript>" if noscript else tag
    body = (
        f"<html><head><title>Weiterleitung</title>{head}</head><body>Sie werden weitergeleitet.</body></html>"
    )
    return Reply(body=body.encode(), content_type="text/html; charset=utf-8")


@pytest.mark.parametrize(
    "content",
    [
        "0; URL=/aktuelles/liste.html",
        "0;url='liste.html'",
        "3; url=/aktuelles/liste.html?a=1&amp;b=2",
        "1,liste.html",
    ],
)
def test_meta_refresh_forwards_like_a_temporary_redirect(http_server, client, content) -> None:
    listing = http_server.route(
        "/aktuelles/liste.html", Reply(body=b"<ul>...</ul>", content_type="text/html")
    )
    url = http_server.route("/aktuelles/", refresh_page(content))
    result = client.fetch(url, content_types=HTML_TYPES)
    assert (result.content, result.final_url.split("?")[0]) == (b"<ul>...</ul>", listing)
    assert result.permanent_redirect is None  # the config keeps the address it was given
    if "a=1" in content:
        assert http_server.last_request("/aktuelles/liste.html").query == "a=1&b=2"


@pytest.mark.parametrize(
    ("content", "noscript"),
    [
        ("300; url=/", False),
        ("600", False),
        ("0; url=/aktuelles/", False),
        ("0; url=/aktuelles/#oben", False),
        ("0; url=javascript:location.reload()", False),
        ("0; url=/ohne-js.html", True),
    ],
)
def test_meta_refresh_that_only_reloads_or_waits_long_is_not_followed(
    http_server, client, content, noscript
) -> None:
    url = http_server.route("/aktuelles/", refresh_page(content, noscript=noscript))
    result = client.fetch(url, content_types=HTML_TYPES)
    assert result.final_url == url and b"Sie werden weitergeleitet" in result.content


def test_meta_refresh_loop_is_a_redirect_loop(http_server, client) -> None:
    http_server.route("/a", refresh_page("0; url=/b"))
    http_server.route("/b", refresh_page("0; url=/a"))
    assert fetch_error(client, http_server.url("/a")).kind == "redirect_loop"


def test_meta_refresh_in_a_feed_answer_is_not_followed(http_server, client) -> None:
    # An entry may quote a refresh tag in its HTML; only an HTML page itself forwards.
    tag = b'<meta http-equiv="refresh" content="0; url=/x">'
    body = b"<rss><channel><item><description><![CDATA[" + tag + b"]]></description></item></channel></rss>"
    url = http_server.route("/feed", Reply(body=body, content_type="application/rss+xml"))
    assert client.fetch(url).final_url == url


def test_validators_are_sent_after_a_redirect(http_server, client) -> None:
    http_server.route("/feed", conditional(b"<rss/>", etag='"x"'))
    url = http_server.route("/old-feed", redirect("/feed", 301))
    result = client.fetch(url, etag='"x"')
    assert result.status == 304 and result.permanent_redirect == http_server.url("/feed")


# -- status codes --------------------------------------------------------------------------------------


def test_gone_is_its_own_kind(http_server, client) -> None:
    error = fetch_error(client, http_server.route("/gone", Reply(410, b"gone")))
    assert (error.kind, error.status) == ("gone", 410)
    assert "remove" in str(error).lower()


@pytest.mark.parametrize("status", [404, 403, 500, 502])
def test_other_error_statuses(http_server, client, status) -> None:
    error = fetch_error(client, http_server.route("/x", Reply(status, b"no")))
    assert (error.kind, error.status, error.retry_after) == ("http_status", status, None)
    assert str(status) in str(error)


CHALLENGE = b"""<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
<noscript>Enable JavaScript and cookies to continue</noscript>
<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>"""


@pytest.mark.parametrize(
    ("reply", "vendor"),
    [
        # Cloudflare's managed challenge: 403, marked by a header, a page that needs JavaScript.
        (
            Reply(403, CHALLENGE, "text/html", {"Server": "cloudflare", "cf-mitigated": "challenge"}),
            "Cloudflare",
        ),
        # ... its older form: 503 with the same page and no header mark
        (Reply(503, CHALLENGE, "text/html", {"Server": "cloudflare", "Retry-After": "5"}), "Cloudflare"),
        (
            Reply(403, b"<html><title>Access denied</title>Incapsula incident ID: 1-2</html>", "text/html"),
            "Imperva",
        ),
        (Reply(405, b"", None, {"x-amzn-waf-action": "captcha"}), "AWS WAF"),
        (
            Reply(429, b"<html><title>Sorry</title>Please solve this CAPTCHA</html>", "text/html"),
            "bot protection",
        ),
    ],
)
def test_bot_protection_is_a_clear_refusal_without_retries(http_server, client, reply, vendor) -> None:
    url = http_server.route("/presse/", reply)
    error = fetch_error(client, url)
    assert (error.kind, error.status, error.retry_after) == ("blocked", reply.status, None)
    assert error.protection == vendor
    assert f"refused automated access: HTTP {reply.status} from {vendor}" in str(error)
    assert "Retrying will not help" in str(error) and repr(UA) in str(error)
    assert http_server.hits("/presse/") == 1


def test_bot_wall_page_title_is_named(http_server, client) -> None:
    url = http_server.route(
        "/x", Reply(403, CHALLENGE, "text/html", {"Server": "cloudflare", "cf-mitigated": "challenge"})
    )
    assert "(page title: 'Just a moment...')" in str(fetch_error(client, url))


def test_chunked_bot_wall_page_is_still_recognised(http_server, client) -> None:
    # Challenge pages mostly come without Content-Length; the client must still look at them.
    url = http_server.route("/x", Reply(403, CHALLENGE, "text/html", announce_length=False))
    assert fetch_error(client, url).kind == "blocked"


def test_plain_403_behind_cloudflare_is_not_called_a_bot_wall(http_server, client) -> None:
    # Every answer of a site behind Cloudflare says "Server: cloudflare", its own 403s too.
    page = b"<html><head><title>Zugriff verweigert | Stadt Musterhausen</title></head></html>"
    url = http_server.route("/intern/", Reply(403, page, "text/html", {"Server": "cloudflare"}))
    error = fetch_error(client, url)
    assert (error.kind, error.status) == ("http_status", 403)
    assert "(page title: 'Zugriff verweigert | Stadt Musterhausen')" in str(error)
    assert "If the URL works in a browser, the site blocks automated clients" in str(error)


def test_401_says_a_login_is_needed(http_server, client) -> None:
    url = http_server.route(
        "/mitglieder/", Reply(401, b"", headers={"WWW-Authenticate": 'Basic realm="Intern"'})
    )
    error = fetch_error(client, url)
    assert (error.kind, error.status) == ("http_status", 401)
    assert "it needs a login" in str(error)


def test_429_with_delta_seconds(http_server, client) -> None:
    error = fetch_error(client, http_server.route("/busy", retry_after("120")))
    assert (error.kind, error.status, error.retry_after) == ("rate_limited", 429, 120.0)
    assert "120 s" in str(error)


def test_503_with_http_date_uses_the_clock(http_server) -> None:
    now = datetime(2020, 11, 2, 10, 0, 0, tzinfo=UTC)
    url = http_server.route("/busy", retry_after("Mon, 02 Nov 2020 10:05:00 GMT", status=503))
    with HttpClient(user_agent=UA, clock=lambda: now) as client:
        error = fetch_error(client, url)
    assert (error.kind, error.status, error.retry_after) == ("rate_limited", 503, 300.0)


def test_429_without_retry_after(http_server, client) -> None:
    error = fetch_error(client, http_server.route("/busy", Reply(429, b"")))
    assert (error.kind, error.retry_after) == ("rate_limited", None)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        (" 3600 ", 3600.0),
        ("Mon, 02 Nov 2020 10:01:30 GMT", 90.0),
        ("Monday, 02-Nov-20 10:01:30 GMT", 90.0),  # obsolete RFC 850 form
        ("Mon, 02 Nov 2020 09:00:00 GMT", 0.0),  # in the past: no waiting
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, seconds) -> None:
    assert parse_retry_after(value, datetime(2020, 11, 2, 10, 0, tzinfo=UTC)) == seconds


# -- limits --------------------------------------------------------------------------------------------


def test_announced_oversized_body_is_refused_before_download(http_server) -> None:
    url = http_server.route("/big", Reply(body=b"x" * 5000))
    with HttpClient(user_agent=UA, max_bytes=1000) as client:
        error = fetch_error(client, url)
    assert error.kind == "too_large" and "1,000 bytes" in str(error)


def test_unannounced_oversized_body_is_cut_off_while_streaming(http_server) -> None:
    url = http_server.route("/big", Reply(body=b"x" * 50_000, announce_length=False))
    with HttpClient(user_agent=UA, max_bytes=1000) as client:
        assert fetch_error(client, url).kind == "too_large"
        http_server.route("/small", Reply(body=b"x" * 900, announce_length=False))
        assert client.fetch(http_server.url("/small")).content == b"x" * 900


def test_gzip_bomb_counts_decoded_bytes(http_server) -> None:
    url = http_server.route("/bomb", Reply(body=b"\0" * 2_000_000, gzip=True))
    assert len(gzip.compress(b"\0" * 2_000_000)) < 10_000  # small on the wire...
    with HttpClient(user_agent=UA, max_bytes=100_000) as client:
        assert fetch_error(client, url).kind == "too_large"  # ...but not once unpacked


def test_double_gzip_bomb_counts_decoded_bytes(http_server) -> None:
    body = gzip.compress(gzip.compress(b"\0" * 20_000_000))
    assert len(body) < 1_000
    url = http_server.route("/bomb", Reply(raw=answer(body, "Content-Encoding: gzip, gzip")))
    with HttpClient(user_agent=UA, max_bytes=100_000) as client:
        assert fetch_error(client, url).kind == "too_large"


def test_slow_drip_hits_the_total_deadline(http_server) -> None:
    # 400 bytes, one every 50 ms: each read is quick, so only the total deadline can stop it.
    url = http_server.route("/drip", Reply(body=b"x" * 400, drip=0.05))
    with HttpClient(user_agent=UA, timeout=2.0, deadline=0.3) as client:
        error = fetch_error(client, url)
    assert error.kind == "timeout" and "too slowly" in str(error)


def test_server_that_stalls_after_headers_hits_the_read_timeout(http_server) -> None:
    url = http_server.route("/stall", Reply(body=b"late", stall=10))
    with HttpClient(user_agent=UA, timeout=0.3) as client:
        assert fetch_error(client, url).kind == "timeout"


def test_server_that_never_answers_hits_the_read_timeout(http_server) -> None:
    url = http_server.route("/silent", Reply(body=b"late", delay=10))
    with HttpClient(user_agent=UA, timeout=0.3) as client:
        assert fetch_error(client, url).kind == "timeout"


def test_connection_refused(client) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = fetch_error(client, f"http://127.0.0.1:{port}/feed")
    assert error.kind == "connection" and error.status is None
    assert "refused" in str(error).lower()


def test_invalid_url(client) -> None:
    error = fetch_error(client, "not a url")
    assert error.kind == "connection" and "not a valid" in str(error)


def test_content_types_reject_before_the_body(http_server, client) -> None:
    url = http_server.route("/pdf", Reply(body=b"%PDF", content_type="application/pdf"))
    error = fetch_error(client, url, content_types=HTML_TYPES)
    assert error.kind == "content_type" and "application/pdf" in str(error)
    html = http_server.route("/page", Reply(body=b"<html>", content_type="text/html; charset=utf-8"))
    assert client.fetch(html, content_types=HTML_TYPES).content == b"<html>"


# -- broken transfers and malformed answers ----------------------------------------------------------


def answer(body: bytes, *headers: str, status: str = "200 OK", length: int | None = None) -> bytes:
    """The bytes of an HTTP answer, as a broken server might send them (see Reply.raw)."""
    lines = [f"HTTP/1.1 {status}", *headers]
    if length is not None or not any(h.lower().startswith("transfer-encoding") for h in headers):
        lines.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def test_body_shorter_than_its_content_length(http_server, client) -> None:
    url = http_server.route("/cut", Reply(raw=answer(b"<rss>" + b" " * 95, length=1000)))
    error = fetch_error(client, url)
    assert error.kind == "connection"
    assert "broke off its answer after 100 of the 1,000 bytes it announced" in str(error)


def test_body_shorter_than_its_content_length_then_a_stall(http_server) -> None:
    url = http_server.route("/cut", Reply(raw=answer(b"x" * 100, length=1000), stall=30))
    with HttpClient(user_agent=UA, timeout=0.3) as client:
        error = fetch_error(client, url)
    assert error.kind == "timeout"
    assert "stopped sending after 100 bytes" in str(error)


@pytest.mark.parametrize(
    "chunks",
    [
        b"5\r\nhello\r\nZZ\r\nxx\r\n0\r\n\r\n",  # a chunk size that is not hex
        b"100\r\nhello",  # the connection closes inside a chunk
        b"5\r\nhello\r\n",  # ... or before the last chunk
    ],
)
def test_malformed_or_cut_chunked_body(http_server, client, chunks) -> None:
    url = http_server.route("/chunked", Reply(raw=answer(chunks, "Transfer-Encoding: chunked")))
    error = fetch_error(client, url)
    assert error.kind == "connection"
    assert "broke off its answer after 5 bytes" in str(error) and "chunked" in str(error)


def test_chunked_body_that_stalls_before_its_last_chunk(http_server) -> None:
    url = http_server.route(
        "/chunked", Reply(raw=answer(b"5\r\nhello\r\n", "Transfer-Encoding: chunked"), stall=30)
    )
    with HttpClient(user_agent=UA, timeout=0.3) as client:
        error = fetch_error(client, url)
    assert error.kind == "timeout" and "stopped sending after 5 bytes" in str(error)


@pytest.mark.parametrize(
    "body",
    [
        b"\x1f\x8b\x08\x00" + b"not really deflate data",  # a gzip header, then garbage
        b"<rss>plain, though it says gzip</rss>",
    ],
)
def test_corrupt_gzip_is_a_bad_answer(http_server, client, body) -> None:
    url = http_server.route("/gz", Reply(raw=answer(body, "Content-Encoding: gzip")))
    error = fetch_error(client, url)
    assert error.kind == "bad_answer"
    assert "'gzip'-compressed, but it cannot be unpacked" in str(error)


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])  # zlib-wrapped, and raw as IIS sends it
def test_deflate_bodies_are_decoded(http_server, client, wbits) -> None:
    packer = zlib.compressobj(wbits=wbits)
    body = packer.compress("Grüße".encode()) + packer.flush()
    url = http_server.route("/deflate", Reply(raw=answer(body, "Content-Encoding: deflate")))
    assert client.fetch(url).content == "Grüße".encode()


@pytest.mark.parametrize("coding", ["br", "zstd", "x-compress", "gzip, br"])
def test_compression_that_was_not_asked_for_is_refused(http_server, client, coding) -> None:
    unknown = [c.strip() for c in coding.split(",") if c.strip() not in urllib3.HTTPResponse.CONTENT_DECODERS]
    if not unknown:
        pytest.skip(f"this urllib3 can unpack {coding}")
    url = http_server.route(
        "/packed", Reply(raw=answer(b"\x0b\x02\x80<rss/>", f"Content-Encoding: {coding}"))
    )
    error = fetch_error(client, url)
    assert error.kind == "bad_answer"
    assert f"compressed as {', '.join(unknown)!r}, which cannot be unpacked here" in str(error)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (answer(b"ok", "X-Long: " + "a" * 70_000), "LineTooLong"),
        (answer(b"ok", *(f"X-Header-{i}: v" for i in range(150))), "got more than 100 headers"),
        (b"HTTTP/1.1 OK 200\r\n\r\nok", "BadStatusLine"),
        (b"<?xml version='1.0'?><rss version='2.0'></rss>", "BadStatusLine: <?xml"),  # no HTTP at all
        (answer(b"okabc", "Content-Length: 2", length=5), "multiple unmatching values"),
    ],
)
def test_answer_that_is_not_valid_http(http_server, client, raw, reason) -> None:
    error = fetch_error(client, http_server.route("/broken", Reply(raw=raw)))
    assert error.kind == "bad_answer"
    assert "not valid HTTP" in str(error) and reason in str(error)


def test_server_that_closes_without_answering(http_server, client) -> None:
    error = fetch_error(client, http_server.route("/hangup", Reply(raw=b"")))
    assert error.kind == "connection"
    assert "closed the connection without answering" in str(error)


@pytest.mark.parametrize(
    "header",
    [
        "X-Note: Stra\xdfe",  # latin-1 bytes in a header value
        "this line is no header",
        "Content-Length: 2",  # the same length twice
        "X-Empty:",
    ],
)
def test_odd_but_harmless_headers_are_tolerated(http_server, client, header) -> None:
    url = http_server.route("/odd", Reply(raw=answer(b"ok", header)))
    assert client.fetch(url).content == b"ok"


@pytest.mark.parametrize(
    "content_type",
    [
        'text/html;;charset="UTF-8"; foo; boundary=x',
        "TEXT/HTML ; Charset=utf-8",
        "text/html, text/html; charset=utf-8",  # Content-Type sent twice, joined by the client
        "text/plain, text/html; charset=utf-8",
    ],
)
def test_odd_content_types_still_count_as_html(http_server, client, content_type) -> None:
    url = http_server.route("/page", Reply(body="<p>Grüße</p>".encode(), content_type=content_type))
    result = client.fetch(url, content_types=HTML_TYPES)
    assert decode_html(result.content, result.headers) == "<p>Grüße</p>"


# -- concurrency ---------------------------------------------------------------------------------------


class Gauge:
    """Counts requests in flight at the server."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = self.peak = 0

    def handler(self, release: threading.Event):
        def handle(_request: Request) -> Reply:
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            release.wait(0.05)
            with self.lock:
                self.now -= 1
            return Reply(body=b"ok")

        return handle


def test_per_host_limit_holds_under_a_thread_pool(http_server) -> None:
    gauge = Gauge()
    url = http_server.route("/slow", gauge.handler(threading.Event()))
    with HttpClient(user_agent=UA, per_host=2) as client, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: client.fetch(url), range(12)))
    assert all(r.content == b"ok" for r in results)
    assert gauge.peak == 2


def test_hosts_do_not_share_a_limit() -> None:
    # Both servers hold their answer until both requests have arrived: with one shared slot
    # for both hosts the barrier would break.
    barrier = threading.Barrier(2, timeout=5)

    def meet(_request: Request) -> Reply:
        barrier.wait()
        return Reply(body=b"met")

    with LocalServer() as one, LocalServer() as two, HttpClient(user_agent=UA, per_host=1) as client:
        urls = [one.route("/x", meet), two.route("/x", meet)]
        with ThreadPoolExecutor(2) as pool:
            assert [r.content for r in pool.map(client.fetch, urls)] == [b"met", b"met"]


@pytest.mark.parametrize("bad", [{"timeout": 0}, {"max_bytes": 0}, {"max_redirects": -1}, {"per_host": 0}])
def test_nonsense_limits_are_refused(bad) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        HttpClient(user_agent=UA, **bad)


def test_connections_are_kept_alive_across_304s_redirects_and_errors(http_server, client) -> None:
    url = http_server.route("/feed", conditional(b"<rss/>" * 100, etag='"k"'))
    http_server.route("/moved", redirect("/feed", 302))
    http_server.route("/missing", Reply(404, b"nicht gefunden"))
    client.fetch(url)
    for _ in range(3):
        assert client.fetch(url, etag='"k"').status == 304
        assert client.fetch(http_server.url("/moved")).status == 200
        with pytest.raises(FetchError):
            client.fetch(http_server.url("/missing"))
    assert len({request.client_port for request in http_server.requests}) == 1


def test_the_test_server_sends_without_waiting_for_acks(http_server, client) -> None:
    # Its headers and body are two writes; with Nagle's algorithm on, each answer after the first on a
    # kept-alive connection would wait ~40 ms for the client's delayed ACK and benchmarks would measure that.
    url = http_server.route("/feed", conditional(b"<rss/>"))
    client.fetch(url)
    client.fetch(url)
    assert [request.nodelay for request in http_server.requests] == [True, True]


def test_failure_after_a_redirect_is_reported_for_the_url_asked_for(http_server, client) -> None:
    http_server.route("/new", Reply(410, b""))
    url = http_server.route("/old", redirect("/new", 301))
    error = fetch_error(client, url)
    assert (error.url, error.kind, error.status) == (url, "gone", 410)
    assert f"redirected to {http_server.url('/new')}" in str(error)


# -- one deadline for the whole request, headers included ---------------------------------------------

# A status line and headers dribbled out one byte at a time: each byte comes long before the read
# timeout, the whole header block (about 140 bytes at 50 ms) long after the deadline. No body, so only
# the headers can be too slow.
TRICKLED = answer(b"", "Content-Type: application/rss+xml", *(f"X-Pad-{i}: {i}" for i in range(6)))


def timers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if isinstance(thread, threading.Timer)]


def test_headers_trickled_slower_than_the_deadline_time_out(http_server) -> None:
    url = http_server.route("/trickle", Reply(raw=TRICKLED, drip=0.05))
    with HttpClient(user_agent=UA, timeout=2.0, deadline=0.3) as client:
        error = fetch_error(client, url)
    assert error.kind == "timeout"
    assert "sent its headers too slowly: no complete answer after 0.3 s" in str(error)
    # The client hung up while the server was still trickling: the worker did not wait it out.
    assert wait_until(lambda: http_server.hung_up == 1)
    assert not timers()


def test_a_trickled_body_is_still_caught_by_the_deadline(http_server) -> None:
    # Headers at once, then the body byte by byte, with no Content-Length: a body cut off when the
    # connection goes down must not pass for the whole of it.
    url = http_server.route("/drip", Reply(body=b"x" * 400, drip=0.05, announce_length=False))
    with HttpClient(user_agent=UA, timeout=2.0, deadline=0.3) as client:
        error = fetch_error(client, url)
    assert error.kind == "timeout"
    assert "sent its answer too slowly: not complete after 0.3 s" in str(error)
    assert "bytes so far" in str(error)


def test_a_connection_cut_by_the_deadline_is_not_reused(http_server) -> None:
    ok = http_server.route("/ok", conditional(b"<rss/>", etag='"v1"'))
    trickle = http_server.route("/trickle", Reply(raw=TRICKLED, drip=0.05))
    with HttpClient(user_agent=UA, timeout=2.0, deadline=0.3, per_host=1) as client:
        assert client.fetch(ok).status == 200
        assert "sent its headers too slowly" in str(fetch_error(client, trickle))  # on the kept-alive one
        assert client.fetch(ok, etag='"v1"').status == 304
        assert client.fetch(ok).content == b"<rss/>"
    ports = [request.client_port for request in http_server.requests]
    assert ports[0] == ports[1] != ports[2] == ports[3], "a fresh connection after the cut, then kept alive"
    assert not timers()


def test_many_fetches_with_some_stuck_servers_all_return(http_server) -> None:
    def outcome(client: HttpClient, url: str) -> str:
        try:
            return client.fetch(url).content.decode()
        except FetchError as exc:
            return exc.kind

    with (
        LocalServer() as stuck,
        HttpClient(user_agent=UA, timeout=2.0, deadline=0.3, per_host=2) as client,
        ThreadPoolExecutor(6) as pool,
    ):
        good = [http_server.route(f"/ok{i}", Reply(body=b"ok")) for i in range(8)]
        bad = [stuck.route(f"/trickle{i}", Reply(raw=TRICKLED, drip=0.05)) for i in range(4)]
        urls = [url for pair in zip(good, bad + bad, strict=True) for url in pair]
        outcomes = list(pool.map(lambda url: outcome(client, url), urls))
        assert outcomes == ["ok", "timeout"] * 8
        assert wait_until(lambda: stuck.hung_up == 8), "every stuck answer was cut off, none waited out"
    assert not timers()


def test_one_thread_watches_the_deadlines_of_all_requests(http_server) -> None:
    # Each answer waits until all six requests have arrived, so six deadlines are armed at once.
    barrier = threading.Barrier(6, timeout=5)
    watchers: list[int] = []

    def meet(_request: Request) -> Reply:
        barrier.wait()
        watchers.append(len(timers()) + sum(t.name == "http-deadlines" for t in threading.enumerate()))
        return Reply(body=b"met")

    url = http_server.route("/x", meet)
    with HttpClient(user_agent=UA, per_host=6) as client, ThreadPoolExecutor(6) as pool:
        assert [r.content for r in pool.map(client.fetch, [url] * 6)] == [b"met"] * 6
    assert watchers == [1] * 6


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """A LocalServer speaking HTTPS with a certificate for 127.0.0.1 that the client trusts."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        subprocess.run(
            "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
            f"-addext subjectAltName=IP:127.0.0.1 -keyout {key} -out {cert}".split(),
            check=True,
            capture_output=True,
        )
    except FileNotFoundError:
        pytest.skip("needs openssl to make a test certificate")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    with LocalServer(tls=context) as server:
        yield server


def test_the_deadline_holds_over_https(tls_server) -> None:
    ok = tls_server.route("/ok", Reply(body=b"sicher"))
    trickle = tls_server.route("/trickle", Reply(raw=TRICKLED, drip=0.05))
    with HttpClient(user_agent=UA, timeout=2.0, deadline=0.3, per_host=1) as client:
        assert client.fetch(ok).content == b"sicher"
        error = fetch_error(client, trickle)
        assert error.kind == "timeout" and "sent its headers too slowly" in str(error)
        assert client.fetch(ok).content == b"sicher"
    assert wait_until(lambda: tls_server.hung_up == 1)
    assert not timers()


def test_a_redirect_to_a_private_https_origin_is_refused(http_server, tls_server) -> None:
    tls_server.route("/secret", Reply(body=b"intern"))
    url = http_server.route("/feed", redirect(tls_server.url("/secret")))
    with HttpClient(user_agent=UA, timeout=2.0) as client:
        error = fetch_error(client, url)
    assert error.kind == "private_address" and "[http] allow_private" in str(error)
    assert tls_server.requests == []
