"""Bot walls and forwarding pages, told from status, headers and body."""

from __future__ import annotations

import pytest

from scc_sync.fetch.sniff import bot_protection, meta_refresh


@pytest.mark.parametrize(
    ("tag", "url"),
    [
        (b'<meta http-equiv="refresh" content="0; URL=/neu/">', "/neu/"),
        (b'<META CONTENT="0;url=\'neu.html\'" HTTP-EQUIV="Refresh">', "neu.html"),  # attributes either way
        (b"<meta http-equiv=refresh content=0;url=/neu>", "/neu"),  # no quotes at all
        (b'<meta http-equiv="refresh" content="2.5; url=/a?x=1&amp;y=2">', "/a?x=1&y=2"),
        (b'<meta http-equiv="refresh" content="0; url=/stra\xdfe">', "/straße"),  # a cp1252 page
        (b'<meta http-equiv="refresh" content="0; /ohne-url-gleich">', "/ohne-url-gleich"),
        (b'<meta http-equiv="refresh" content="30">', None),  # reloads itself
        (b'<meta http-equiv="refresh" content="600; url=/">', None),  # a news page that reloads late
        (b'<meta http-equiv="refresh">', None),
        (b'<meta name="refresh" content="0; url=/x">', None),  # not http-equiv
        (b'<noscript><meta http-equiv="refresh" content="0; url=/nojs"></noscript>', None),
    ],
)
def test_meta_refresh(tag: bytes, url: str | None) -> None:
    assert meta_refresh(b"<html><head><title>x</title>" + tag + b"</head><body></body></html>") == url


def test_meta_refresh_after_a_noscript_block_counts() -> None:
    body = b'<noscript><img src="/p.gif"></noscript><meta http-equiv="refresh" content="0; url=/neu">'
    assert meta_refresh(body) == "/neu"


@pytest.mark.parametrize(
    ("status", "headers", "body", "verdict"),
    [
        (403, {"cf-mitigated": "challenge", "server": "cloudflare"}, b"", "Cloudflare"),
        (503, {"server": "cloudflare"}, b"<title>Just a moment...</title>", "Cloudflare"),
        (403, {"server": "cloudflare"}, b"<title>Attention Required! | Cloudflare</title>", "Cloudflare"),
        (403, {}, b"Request unsuccessful. Incapsula incident ID: 123", "Imperva"),
        (403, {"server": "Sucuri/Cloudproxy"}, b"Sucuri WebSite Firewall - Access Denied", "Sucuri"),
        (403, {"server": "ddos-guard"}, b"<title>DDoS-Guard</title>", "DDoS-Guard"),
        (403, {}, b'<script src="https://ct.captcha-delivery.com/c.js"></script>', "bot protection"),
        (202, {"x-amzn-waf-action": "challenge"}, b"", "AWS WAF"),
        (403, {"server": "cloudflare"}, b"<title>403 Forbidden</title>", None),  # the site's own 403
        (503, {"server": "cloudflare", "retry-after": "60"}, b"Wartungsarbeiten", None),
        (404, {}, b"captcha", None),  # only refusals can be walls
        (200, {}, b"Bitte das Captcha im Kontaktformular ausfuellen", None),
    ],
)
def test_bot_protection(status: int, headers: dict[str, str], body: bytes, verdict: str | None) -> None:
    assert bot_protection(status, headers, body) == verdict
