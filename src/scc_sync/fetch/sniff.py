"""What an answer really is, beyond its status code: a bot wall, or a page that only forwards elsewhere.

Pure functions on status, headers (names lowercased) and the first bytes of a body, so HttpClient
can tell the user why a site said no, and follow the HTML stand-in for a redirect.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

# Only these answers can be a bot wall; Cloudflare and AWS WAF also mark theirs by a header.
_WALL_STATUSES = {403, 429, 503}
_WALL_HEADERS = ("cf-mitigated", "x-amzn-waf-action")
# What challenge and block pages say. A bare "Server: cloudflare" is no sign: every answer of a
# site behind Cloudflare has it, its own 403s and 503s too.
_WALL_TEXT = re.compile(
    rb"captcha|challenge-platform|cf-browser-verification|<title>\s*just a moment|attention required!"
    rb"|checking your browser|enable javascript and cookies to continue|_incapsula_resource"
    rb"|incapsula incident|sucuri website firewall|ddos-guard",
    re.IGNORECASE,
)
_VENDORS = {
    "cloudflare": "Cloudflare",
    "cf-mitigated": "Cloudflare",
    "x-amzn-waf": "AWS WAF",
    "incapsula": "Imperva",
    "sucuri": "Sucuri",
    "ddos-guard": "DDoS-Guard",
    "datadome": "DataDome",
    "akamai": "Akamai",
}

_REFRESH_TAG = re.compile(rb"<meta\b[^>]*\bhttp-equiv\s*=\s*[\"']?refresh\b[^>]*>", re.IGNORECASE)
_CONTENT_ATTR = re.compile(rb"""\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_REFRESH_VALUE = re.compile(r"^\s*(\d+)[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(.*)$", re.IGNORECASE | re.DOTALL)
MAX_REFRESH_DELAY = 5  # seconds; a longer refresh is a page that reloads itself, not one that forwards


def bot_protection(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """'Cloudflare', 'bot protection' and the like if the answer is a bot wall, else None."""
    marked = any(name in headers for name in _WALL_HEADERS)
    if not marked and not (status in _WALL_STATUSES and _WALL_TEXT.search(body)):
        return None
    signs = " ".join([*headers, headers.get("server", ""), body.decode("latin-1")]).lower()
    return next((vendor for sign, vendor in _VENDORS.items() if sign in signs), "bot protection")


def meta_refresh(body: bytes) -> str | None:
    """The URL a `<meta http-equiv="refresh">` forwards to within MAX_REFRESH_DELAY seconds, as written.

    A refresh inside <noscript> is skipped: it sends clients without JavaScript to a page that says
    so, never to the content.
    """
    for tag in _REFRESH_TAG.finditer(body):
        if _inside_noscript(body, tag.start()):
            continue
        attribute = _CONTENT_ATTR.search(tag.group(0))
        if attribute is None:
            continue
        value = html.unescape(_text(next(group for group in attribute.groups() if group is not None)))
        match = _REFRESH_VALUE.match(value)
        if match is None or int(match.group(1)) > MAX_REFRESH_DELAY:
            continue
        url = match.group(2).strip().strip("'\"").strip()
        return url or None
    return None


def _inside_noscript(body: bytes, position: int) -> bool:
    before = body[:position].lower()
    return before.rfind(b"<noscript") > before.rfind(b"</noscript")


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("cp1252", errors="replace")
