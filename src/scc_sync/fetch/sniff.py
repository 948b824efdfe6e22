"""What an answer really is, beyond its status code: a bot wall, a page that only forwards elsewhere,
a cookie consent or login page where an article should be, or a file that is no web page at all.

Pure functions on status, headers (names lowercased) and the first bytes of a body, so HttpClient
can tell the user why a site said no, and follow the HTML stand-in for a redirect; and on an article
page's HTML, so sync does not store a consent wall as the article.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from lxml import etree
from lxml import html as lxml_html

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


# -- consent walls and login pages instead of an article ----------------------------------------------

# Consent managers, by a mark their script or container leaves in the page.
_CONSENT_MANAGERS = {
    "usercentrics": "Usercentrics",
    "cookiebot": "Cookiebot",
    "onetrust": "OneTrust",
    "cookielaw.org": "OneTrust",
    "optanon": "OneTrust",
    "borlabs": "Borlabs Cookie",
    "consentmanager": "consentmanager",
    "cmpbox": "consentmanager",
    "sp_message_container": "Sourcepoint",
    "didomi": "Didomi",
    "qc-cmp2": "Quantcast Choice",
    "trustarc": "TrustArc",
    "cmplz": "Complianz",
    "real-cookie-banner": "Real Cookie Banner",
}
# Containers (by id or class) that hold a consent banner: their text is not the page's own.
_CONSENT_BOX = re.compile(
    r"cookie|consent|gdpr|cmpbox|usercentrics|onetrust|optanon|cybot|borlabs|didomi|sp_message|qc-cmp"
    r"|cmplz|privacy-banner|privacy-manager",
    re.IGNORECASE,
)
# What a consent wall says about itself: in its title, or in the little text it has.
_CONSENT_WORDS = re.compile(
    r"cookie|consent|datenschutz-?einstellung|privatsph[äa]re|zustimmung|einwilligung"
    r"|privacy (?:settings|preferences|choices)|we value your privacy"
    r"|before you continue|bevor sie fortfahren",
    re.IGNORECASE,
)
_ACCEPT_WORDS = re.compile(
    r"akzeptier|zustimmen|einverstanden|annehmen|erlauben|accept|agree|allow all", re.IGNORECASE
)
_LOGIN_WORDS = re.compile(r"\b(?:anmeld|einlogg|login|log in|sign in|konto|account)", re.IGNORECASE)
# Below this many words of the page's own text (banners, navigation, header and footer left out) there
# is no article; at or above it there is one, whatever banner comes with it.
ARTICLE_WORDS = 120
_SHELL_WORDS = 20  # a page this empty next to a consent manager is the manager's page, nothing else
_BANNER_WORDS = 60  # a page with a consent title and this little else is the consent page
_CONSENT_CANDIDATES = (
    "//*[@id or @class][not(self::html or self::body)][not(.//article or .//main or .//*[@role='main'])]"
)
_NOT_OWN_TEXT = (
    "head",
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "nav",
    "header",
    "footer",
)


def consent_wall(html: str) -> str | None:
    """'a cookie consent page (Usercentrics)', 'a login page' or the like if an HTML page that should be
    an article is one of those instead, else None.

    A page with a real article body (ARTICLE_WORDS or more of its own text) is never one: most
    article pages carry a cookie banner or a login box next to the article.
    """
    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # nothing but whitespace or comments
        return None
    lowered = html.lower()
    manager = next((name for mark, name in _CONSENT_MANAGERS.items() if mark in lowered), None)
    title = " ".join(_texts(root, "//title | //h1"))
    login = bool(root.xpath("//form//input[@type='password']"))
    text = _own_text(root)
    words = len(text.split())
    if words >= ARTICLE_WORDS:
        return None
    rest = len(_without_consent_blocks(root).split())  # what is left besides whatever asks for consent
    if (
        (_CONSENT_WORDS.search(title) and (manager or rest < _BANNER_WORDS))
        or (_asks_for_consent(text) and rest < _SHELL_WORDS)
        or (manager and words < _SHELL_WORDS)
    ):
        return f"a cookie consent page ({manager})" if manager else "a cookie consent page"
    if login and _LOGIN_WORDS.search(title):
        return "a login page"
    return None


def _asks_for_consent(text: str) -> bool:
    return bool(_CONSENT_WORDS.search(text) and _ACCEPT_WORDS.search(text))


def _without_consent_blocks(root: lxml_html.HtmlElement) -> str:
    """The text left when the smallest elements that ask for consent (a banner in a container whose
    name does not say so) are taken out."""
    asking = [e for e in root.iter() if e.tag not in ("html", "body") and _asks_for_consent(e.text_content())]
    for element in asking:
        if not any(_asks_for_consent(inner.text_content()) for inner in element.iterdescendants()):
            element.drop_tree()
    return " ".join(root.text_content().split())


def _own_text(root: lxml_html.HtmlElement) -> str:
    """The page's visible text without consent containers and page chrome (inside <article> kept)."""
    # A wrapper of the whole page may carry such a class too (<body class="cookie-banner-open">): the
    # parts that hold the page's content are never dropped.
    for element in root.xpath(_CONSENT_CANDIDATES):
        marks = f"{element.get('id', '')} {element.get('class', '')}"
        if _CONSENT_BOX.search(marks) and element.getparent() is not None:
            element.drop_tree()
    for element in list(root.iter(*_NOT_OWN_TEXT)):
        inside_article = any(parent.tag == "article" for parent in element.iterancestors())
        if element.tag in ("header", "footer") and inside_article:
            continue
        if element.getparent() is not None:
            element.drop_tree()
    return " ".join(root.text_content().split())


def _texts(root: lxml_html.HtmlElement, path: str) -> list[str]:
    return [" ".join(element.text_content().split()) for element in root.xpath(path)]


# What people take for web pages: the first bytes of common files that are not HTML.
_NOT_HTML = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
)


def not_html(body: bytes) -> str | None:
    """What a body is ("a PDF document") when its first bytes show it is no HTML page; else None."""
    head = body[:1024]
    kind = next((what for magic, what in _NOT_HTML if head.startswith(magic)), None)
    if kind is None and b"\x00" in head:
        kind = "a binary file"
    return kind
