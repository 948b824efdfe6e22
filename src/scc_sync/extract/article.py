"""HTML page → the article layer: title, kicker, publication date, language, lead, sections, links.

Metadata is read from the whole page first (structured data, meta tags, the article header); then
boilerplate (navigation, cookie banners, sidebars, footers) is cut away and the main text is
linearised into blocks under their headings. Everything is iterative, so deep nesting cannot blow
the stack, and the input is capped so that time per page stays bounded.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from scc_sync.extract.dates import parse_date_text
from scc_sync.extract.gate import folded
from scc_sync.extract.text import DATELINE
from scc_sync.models import Section

MAX_HTML_CHARS = 1_500_000  # pages beyond this are cut: no news article is that long
MAX_BLOCKS = 2_000

_INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "cite",
    "code",
    "data",
    "dfn",
    "em",
    "font",
    "i",
    "kbd",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "var",
    "wbr",
    "ins",
    "del",
}
_INLINE_OR_PAGE = _INLINE | {"html", "body"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "footer",
    "aside",
    "form",
    "button",
    "iframe",
    "svg",
    "select",
    "input",
    "textarea",
    "figure",
    "picture",
    "video",
    "audio",
    "canvas",
    "map",
    "object",
    "embed",
    "dialog",
    "menu",
    "label",
]
_BOILER_ATTR = folded(
    r"cookie|consent|gdpr|banner|breadcrumb|(?:^|[\s_-])nav|menu|sidebar|side-bar|widget|related|weitere|"
    r"more-news|teaser|share|sharing|social|newsletter|footer|comment|pagination|pager|tag-?cloud|"
    r"(?:^|[\s_-])tags?(?:$|[\s_-])|print|skip|advert|(?:^|[\s_-])ads?(?:$|[\s_-])|promo|subscribe|login|"
    r"search|toolbar|modal|popup|overlay|header|masthead|byline|author|(?:^|[\s_-])meta(?:$|[\s_-])|"
    r"post-meta|entry-meta|caption|credit|copyright|hidden|sr-only|visually-hidden|kicker|dachzeile|"
    r"topline|overline|date|datum|lead|intro|subtitle|rating|breadcrumbs|contact-box|servicebox|"
    r"press-?contact|media-?contact|pressekontakt|boilerplate",
    re.IGNORECASE,
)
_BOILER_HEADING = re.compile(
    r"^(?:weitere (?:meldungen|artikel|nachrichten|themen|beiträge|informationen|news)|"
    r"das könnte sie (?:auch )?interessieren|mehr zum thema|ähnliche (?:artikel|beiträge|meldungen)|"
    r"verwandte (?:artikel|themen)|related|more news|more stories|read more|you may also like|share|"
    r"teilen|diesen (?:artikel|beitrag) teilen|kommentare?|comments?|newsletter|kontakt|pressekontakt|"
    r"ansprechpartner(?:in)?|über (?:den|die|das|uns)\b|about (?:us|the)\b|press contact|media contact|"
    r"(?:über|about) (?!\d)\S+(?: \S+){0,3}$|"
    r"schlagworte|schlagwörter|tags|themen|links zum thema|downloads?|footer|navigation)",
    re.IGNORECASE,
)
_BOILER_TEXT = re.compile(
    r"^(?:(?:foto|bild|quelle|photo|image|credit|copyright|©)\s*[:©]|©|teilen\b|drucken\b|"
    r"zurück(?: zur übersicht)?$|nach oben$|mehr erfahren$|weiterlesen$|read more$|share\b|print\b|"
    r"veröffentlicht am\b|stand:|published\b|updated\b|zuletzt aktualisiert\b)",
    re.IGNORECASE,
)
_DATE_ONLY = re.compile(
    r"^\W*(?:\w+,\s*)?(?:\d{1,2}\.\s*(?:\d{1,2}\.|[A-Za-zäöüÄÖÜ]+\.?)\s*(?:\d{2,4})?|"
    r"[A-Za-z]+\.? \d{1,2},? \d{4}|\d{4}-\d\d-\d\d)\W*$"
)
_KICKER_ATTR = folded(
    r"kicker|dachzeile|topline|overline|roofline|eyebrow|spitzmarke|subtitle|"
    r"sub-title|subheadline|headline-prefix|title-prefix|roof",
    re.IGNORECASE,
)
_LEAD_ATTR = folded(
    r"(?:^|[\s_-])(?:lead|teaser|intro|summary|abstract|standfirst|excerpt|"
    r"einleitung|vorspann|anreisser|untertitel)(?:$|[\s_-]|text)",
    re.IGNORECASE,
)
_DATE_PREFIX = re.compile(r"^\[(\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2}))\]\s*")
_DATE_ATTR = folded(r"date|datum|time|published|posted|meta|byline", re.IGNORECASE)
_MAIN_ATTR = folded(r"article|post|entry|news|content|main|story|text|body|detail", re.IGNORECASE)
_TITLE_SPLIT = re.compile(r"\s+[|–—\-:·»]\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.issued",
    "pubdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "publication_date",
    "citation_date",
)


@dataclass
class Article:
    title: str | None = None
    kicker: str | None = None
    published: date | None = None
    language: str | None = None
    lead: str | None = None
    sections: list[Section] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    site_name: str | None = None
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # image captions, one entry per line or list item


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


def decode(html: str | bytes) -> str:
    """Bytes → text: BOM, then a declared charset, then UTF-8, then a detector; never raises."""
    if isinstance(html, str):
        return html
    raw = html[: MAX_HTML_CHARS * 2]
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            return raw[len(bom) :].decode(enc, errors="replace")
    declared = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", raw[:4096], re.IGNORECASE)
    candidates = [declared.group(1).decode("ascii", "ignore")] if declared else []
    for enc in [*candidates, "utf-8"]:
        try:
            return raw.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    return str(best) if best is not None else raw.decode("cp1252", errors="replace")


_PARSERS = threading.local()  # a parser serves one parse at a time: one per thread, made once


def _parser() -> lxml.html.HTMLParser:
    parser: lxml.html.HTMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    return parser


def parse(html: str | bytes) -> lxml.html.HtmlElement | None:
    """A forgiving parse; None for input that holds no document at all."""
    text = _CONTROL.sub("", decode(html))[:MAX_HTML_CHARS]
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if not text.strip():
        return None
    try:
        root = lxml.html.document_fromstring(text, parser=_parser())
    except (etree.ParserError, ValueError):
        return None
    return root if isinstance(root.tag, str) else None


def _attrs(el: Any) -> str:
    return f"{el.get('class', '')} {el.get('id', '')} {el.get('itemprop', '')} {el.get('role', '')}"


def _meta(root: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (
            el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or ""
        ).lower()
        if key and el.get("content") and key not in meta:
            meta[key] = clean(el.get("content"))
    return meta


def _walk_jsonld(node: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > 8:
        return
    if isinstance(node, list):
        for item in node[:200]:
            _walk_jsonld(item, out, depth + 1)
    elif isinstance(node, dict):
        out.append(node)
        for key in ("@graph", "mainEntity", "subEvent", "itemListElement"):
            if key in node:
                _walk_jsonld(node[key], out, depth + 1)


def jsonld_objects(root: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page (with @graph flattened); broken blocks are skipped."""
    out: list[dict[str, Any]] = []
    for el in root.iter("script"):
        if (el.get("type") or "").lower() != "application/ld+json" or not el.text:
            continue
        try:
            _walk_jsonld(json.loads(el.text.strip().rstrip(";"), strict=False), out)
        except (ValueError, RecursionError):
            continue
    return out


def ld_types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    return {str(x) for x in t} if isinstance(t, list) else {str(t)}


_ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "BlogPosting",
    "Report",
    "WebPage",
    "PressRelease",
    "ScholarlyArticle",
}


def _ld_article(objs: list[dict[str, Any]]) -> dict[str, Any]:
    for obj in objs:
        if ld_types(obj) & (_ARTICLE_TYPES - {"WebPage"}):
            return obj
    return next((o for o in objs if "WebPage" in ld_types(o)), {})


def _has_ancestor(el: Any, pred: Any, stop: Any = None) -> bool:
    for anc in el.iterancestors():
        if anc is stop:
            return False
        if pred(anc):
            return True
    return False


def _in_site_chrome(el: Any) -> bool:
    """Inside the site's header, navigation or footer (not an article's own header)."""

    def chrome(anc: Any) -> bool:
        if anc.tag in ("nav", "footer", "aside"):
            return True
        if anc.tag == "header" and not _has_ancestor(anc, lambda a: a.tag in ("article", "main")):
            return True
        return bool(_CHROME_ATTR.search(_attrs(anc)))

    return chrome(el) or _has_ancestor(el, chrome)


def _title(root: Any, meta: dict[str, str], ld: dict[str, Any]) -> tuple[Any, str | None, str | None]:
    """(h1 element or None, title, site name)."""
    site = meta.get("og:site_name") or meta.get("application-name")
    page_title = clean(root.findtext(".//title"))
    if not site and page_title:
        parts = _TITLE_SPLIT.split(page_title)
        site = parts[-1] if len(parts) > 1 and len(parts[-1]) < len(parts[0]) else None
    h1s = [h for h in root.iter("h1") if clean(h.text_content()) and not _in_site_chrome(h)]
    h1s = [h for h in h1s if not site or clean(h.text_content()).lower() != site.lower()]
    in_main = [
        h
        for h in h1s
        if _has_ancestor(h, lambda a: a.tag in ("article", "main") or "articlebody" in _attrs(a).lower())
    ]
    h1 = (in_main or h1s or [None])[0]
    if h1 is None:  # a CMS that marks its headline with microdata, not with <h1> (Joomla's <h2>)
        h1 = next(
            (
                h
                for h in root.iter()
                if h.get("itemprop") == "headline" and clean(h.text_content()) and not _in_site_chrome(h)
            ),
            None,
        )
    if h1 is not None:
        return h1, _h1_text(h1), site
    title = meta.get("og:title") or clean(str(ld.get("headline") or "")) or page_title
    if title and site and title != site:
        parts = [p for p in _TITLE_SPLIT.split(title) if p.strip().lower() != site.lower()]
        title = " – ".join(parts) if parts else title
    return None, title or None, site


def _h1_text(h1: Any) -> str:
    """The headline without a kicker that sits inside the h1 as its own span."""
    kicker = next((el for el in h1.iter() if el is not h1 and _KICKER_ATTR.search(_attrs(el))), None)
    text = clean(h1.text_content())
    if kicker is not None:
        text = clean(text.replace(clean(kicker.text_content()), "", 1))
    return text


def _kicker(root: Any, h1: Any) -> tuple[Any, str | None]:
    if h1 is None:
        return None, None
    inside = next((el for el in h1.iter() if el is not h1 and _KICKER_ATTR.search(_attrs(el))), None)
    if inside is not None:
        return inside, clean(inside.text_content()) or None
    scope = h1.getparent()
    seen: set[Any] = set()  # elements of the smaller scopes, which the larger ones hold again
    for _ in range(3):
        if scope is None:
            break
        for el in scope.iter():
            if el in seen:
                continue
            seen.add(el)
            if el is not h1 and el.tag not in _INLINE_OR_PAGE and _KICKER_ATTR.search(_attrs(el)):
                text = clean(el.text_content())
                if text and len(text) <= 200 and text != clean(h1.text_content()):
                    return el, text
        scope = scope.getparent()
    prev = h1.getprevious()
    if prev is not None and prev.tag in ("p", "span", "div", "h2", "h3", "h4", "strong"):
        text = clean(prev.text_content())
        if 0 < len(text) <= 120 and not _DATE_ONLY.match(text) and not prev.findall(".//a"):
            return prev, text
    hgroup = h1.getparent()
    if hgroup is not None and hgroup.tag == "hgroup":
        for el in hgroup:
            if el is not h1 and clean(el.text_content()):
                return el, clean(el.text_content())
    return None, None


def _lead(root: Any, meta: dict[str, str], h1: Any) -> tuple[Any, str | None]:
    scope = h1.getparent() if h1 is not None else root
    seen: set[Any] = set()  # elements of the smaller scopes, which the larger ones hold again
    while scope is not None:
        for el in scope.iter():
            if el in seen:
                continue
            seen.add(el)
            if not isinstance(el.tag, str) or el.tag in ("html", "body", "meta"):
                continue
            if _LEAD_ATTR.search(_attrs(el)) or el.get("itemprop") == "description":
                text = clean(el.text_content())
                if 40 <= len(text) <= 1500 and not _in_site_chrome(el) and not _is_link_list(el):
                    return el, _DATE_PREFIX.sub("", text)
        if scope.tag in ("article", "main", "body"):
            break
        scope = scope.getparent()
    return None, None


def _is_link_list(el: Any) -> bool:
    text = len(clean(el.text_content()))
    links = sum(len(clean(a.text_content())) for a in el.iter("a"))
    return text > 0 and links / text > 0.6


def _published(root: Any, meta: dict[str, str], ld: dict[str, Any], h1: Any) -> date | None:
    candidates: list[str] = [str(ld.get("datePublished") or ""), str(ld.get("dateCreated") or "")]
    candidates += [meta.get(k, "") for k in _PUBLISHED_META]
    for el in root.iter("time"):
        if el.get("pubdate") is not None or el.get("itemprop") == "datePublished":
            candidates.insert(0, el.get("datetime") or el.text_content())
    for value in candidates:
        found = parse_date_text(value) if value else None
        if found:
            return found
    return _published_in_text(root, h1)


def _published_in_text(root: Any, h1: Any) -> date | None:
    """A visible date near the headline: a <time>, a date line, 'Veröffentlicht am', 'Stand:', a dateline."""
    scope = root
    if h1 is not None:
        scope = next((a for a in h1.iterancestors() if a.tag in ("article", "main")), root)
    in_box: dict[Any, bool] = {}  # element → inside an event box: each element's attributes read once
    for el in scope.iter():
        if not isinstance(el.tag, str) or _in_event_box(el, in_box):
            continue
        if el.tag == "time" and el.get("datetime"):
            found = parse_date_text(el.get("datetime"))
            if found:
                return found
        if el.tag in ("html", "body"):
            continue  # the whole page: neither a teaser nor a date line
        text = clean(el.text_content())
        prefix = _DATE_PREFIX.match(text)
        if prefix and (found := parse_date_text(prefix.group(1))):
            return found  # "[21.06.2023] Drei Tage lang …": a teaser that opens with its date
        if not text or len(text) > 90:
            continue
        labelled = re.match(
            r"^(?:veröffentlicht(?: am)?|erschienen(?: am)?|stand|datum|published(?: on)?|"
            r"posted(?: on)?|date)\s*:?\s*",
            text,
            re.IGNORECASE,
        )
        if labelled or _DATE_ONLY.match(text) or (_DATE_ATTR.search(_attrs(el)) and len(text) < 60):
            found = parse_date_text(text)
            if found:
                return found
    if h1 is not None and (found := _date_beside_headline(h1)):
        return found
    for p in scope.iter("p"):
        dateline = re.match(
            r"^[A-ZÄÖÜ][\w./ -]{1,40},\s*(?:den\s+)?(.{6,25}?\d{4})\s*[–—-]", clean(p.text_content())
        )
        if dateline:
            return parse_date_text(dateline.group(1))
        break
    return None


def _date_beside_headline(h1: Any) -> date | None:
    """'Pressemitteilung Nr. 112 / 17. November 2023': a short line right above the headline with a full
    date (below it, a short line is as likely the event's own date)."""
    for el in h1.itersiblings(preceding=True):
        if not isinstance(el.tag, str) or el.tag == "a" or el.find(".//a") is not None:
            continue
        text = clean(el.text_content())
        if 0 < len(text) <= 90 and (found := parse_date_text(text)):
            return found
    return None


_CHROME_ATTR = folded(r"logo|brand|site-title|site-name|masthead|cookie|consent|sidebar|footer", re.I)
_EVENT_BOX_ATTR = folded(r"event|veranstaltung|termin|startdate|enddate", re.IGNORECASE)


def _in_event_box(el: Any, known: dict[Any, bool]) -> bool:
    """The element or one of its ancestors is marked as an event's box; `known` holds the answers for
    elements already asked about (the ancestors of the next element are mostly the same)."""
    path = []
    node = el
    while node is not None and node not in known:
        path.append(node)
        node = node.getparent()
    inside = node is not None and known[node]
    for node in reversed(path):  # from the top down: inside a box, or a box itself
        inside = inside or bool(_EVENT_BOX_ATTR.search(_attrs(node)))
        known[node] = inside
    return known[el]


_STOPWORDS = {
    "de": {
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "mit",
        "für",
        "auf",
        "den",
        "ein",
        "eine",
        "sich",
        "wurde",
        "auch",
        "des",
        "im",
        "zu",
        "von",
        "dem",
    },
    "en": {
        "the",
        "and",
        "is",
        "of",
        "to",
        "in",
        "for",
        "with",
        "on",
        "was",
        "that",
        "by",
        "this",
        "are",
        "at",
        "from",
        "it",
        "as",
        "be",
    },
}


def guess_language(text: str) -> str | None:
    words = re.findall(r"[a-zäöüß]+", text.lower()[:20_000])
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 3 and scores[best] > 1.5 * min(scores.values()) else None


def _language(root: Any, meta: dict[str, str], text: str) -> str | None:
    declared = (
        root.get("lang") or root.get("xml:lang") or meta.get("content-language") or meta.get("og:locale")
    )
    guessed = guess_language(text)
    if declared:
        lang = re.split(r"[-_]", declared.strip().lower())[0]
        if re.fullmatch(r"[a-z]{2,3}", lang) and (guessed is None or guessed == lang or len(text) < 400):
            return lang
    return guessed


def _strip_boilerplate(root: Any, keep: Any) -> None:
    """Drop chrome elements in place; never an element holding the headline or most of the text."""
    body = root.find("body")
    total = len(clean((body if body is not None else root).text_content())) or 1
    # one walk for all the tags (dropping them tag by tag leaves the same tree: inside a dropped element
    # nothing counts any more), and none below a dropped element in the walk after it
    for el in list(root.iter(*_DROP_TAGS)):
        if el.getparent() is not None and not _contains(el, keep):
            el.drop_tree()
    nodes = list(root.iter())
    i = 0
    while i < len(nodes):
        el = nodes[i]
        i += 1
        if (
            not isinstance(el.tag, str)
            or el.tag in ("html", "body", "main", "article")
            or el.getparent() is None
        ):
            continue
        if el.tag in ("header",) and not _contains(el, keep):
            i += _below(el)
            el.drop_tree()
            continue
        attrs = _attrs(el)
        if attrs.isspace() or not _BOILER_ATTR.search(attrs):
            continue  # the cheap tests first: measuring every element's text is quadratic
        small = len(clean(el.text_content())) < 0.5 * total or not el.findall(".//p")
        if small and not _contains(el, keep):
            i += _below(el)
            el.drop_tree()


def _below(el: Any) -> int:
    """The number of nodes inside the element: in document order, they come right after it."""
    return sum(1 for _ in el.iter()) - 1


def _contains(el: Any, keep: Any) -> bool:
    return keep is not None and (el is keep or any(a is el for a in keep.iterancestors()))


_MAIN_PATHS = ('.//*[@itemprop="articleBody"]', ".//article", ".//main", './/*[@role="main"]')
_MAIN_XPATHS = [etree.XPath(path) for path in _MAIN_PATHS]


def _main_container(root: Any) -> Any:
    """The element that holds the article text: marked up as such, or the densest in paragraphs."""
    for xpath in _MAIN_XPATHS:
        found = [el for el in xpath(root) if len(clean(el.text_content())) > 200]
        if found:
            return max(found, key=lambda el: _paragraph_chars(el))
    scores: dict[Any, float] = {}
    for p in root.iter("p", "div"):
        own = len(clean(p.text or "")) + sum(len(clean(c.tail or "")) for c in p)
        if p.tag == "p":
            own = len(clean(p.text_content()))
        if own < 25:
            continue
        parent = p.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + own
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + own / 2
    for el in list(scores):
        if _MAIN_ATTR.search(_attrs(el)):
            scores[el] *= 1.25
    if not scores:
        body = root.find("body")
        return body if body is not None else root
    return max(scores, key=lambda el: scores[el])


def _paragraph_chars(el: Any) -> int:
    return sum(len(clean(p.text_content())) for p in el.iter("p"))


@dataclass
class Block:
    kind: str  # "heading" or "text"
    text: str
    level: int = 0
    links: list[str] = field(default_factory=list)
    link_chars: int = 0


def blocks(container: Any) -> Iterator[Block]:
    """Linearise the container: inline content joins into blocks, block elements and headings break them."""
    buf: list[str] = []
    links: list[str] = []
    link_chars = 0
    in_link = 0

    def flush(kind: str = "text", level: int = 0) -> Block | None:
        nonlocal buf, links, link_chars
        text = clean("".join(buf))
        block = Block(kind, text, level, links, link_chars) if text else None
        buf, links, link_chars = [], [], 0
        return block

    heading_depth = 0
    for event, el in etree.iterwalk(container, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _HEADINGS or (tag not in _INLINE and tag != "br"):
                block = flush()
                if block:
                    yield block
            if tag in _HEADINGS:
                heading_depth += 1
            if tag == "a":
                in_link += 1
                if el.get("href"):
                    links.append(el.get("href"))
            if tag == "br":
                buf.append(" ")
            if el.text and tag:
                buf.append(el.text)
                if in_link:
                    link_chars += len(el.text.strip())
        else:
            if tag in _HEADINGS:
                heading_depth -= 1
                block = flush("heading", int(tag[1]))
                if block:
                    yield block
            elif tag not in _INLINE and tag != "br":
                block = flush()
                if block:
                    yield block
            if tag == "a":
                in_link -= 1
            if el.tail and el is not container:
                buf.append(el.tail)
                if in_link:
                    link_chars += len(el.tail.strip())
    block = flush()
    if block:
        yield block


def _pseudo_heading(block: Block, raw_bold: bool) -> bool:
    return raw_bold and len(block.text) < 100 and not block.text.endswith((".", ":", "!", "?"))


def sections_from(container: Any, skip: set[str], base_url: str | None) -> tuple[list[Section], list[str]]:
    """Sections under their headings, and the links in the kept text."""
    sections: list[Section] = []
    heading: str | None = None
    paragraphs: list[str] = []
    links: list[str] = []
    skipping_level = 0
    bold = _bold_paragraph_texts(container)

    def close() -> None:
        if paragraphs:
            sections.append(Section(heading, "\n\n".join(paragraphs)))

    for n, block in enumerate(blocks(container)):
        if n >= MAX_BLOCKS:
            break
        if block.kind == "text" and block.text in bold and _pseudo_heading(block, True):
            block = Block("heading", block.text, 6)
        if block.kind == "heading":
            if skipping_level and block.level > skipping_level:
                continue
            skipping_level = block.level if _BOILER_HEADING.match(block.text) else 0
            if skipping_level or block.text in skip:
                continue
            close()
            heading, paragraphs = block.text, []
            continue
        if skipping_level:
            continue
        if _is_boilerplate_block(block, skip):
            if len(block.links) == 1 and not _BOILER_TEXT.match(block.text) and block.text not in skip:
                links.extend(block.links)  # a call to action ("Jetzt anmelden"): the link, not the text
            continue
        paragraphs.append(block.text)
        links.extend(block.links)
    close()
    return sections, _clean_links(links, base_url)


def _bold_paragraph_texts(container: Any) -> set[str]:
    out = set()
    for p in container.iter("p"):
        children = [c for c in p if isinstance(c.tag, str)]
        if (
            len(children) == 1
            and children[0].tag in ("strong", "b")
            and not clean(p.text)
            and not clean(children[0].tail)
        ):
            out.add(clean(p.text_content()))
    return out


def _is_boilerplate_block(block: Block, skip: set[str]) -> bool:
    text = block.text
    if text in skip or _BOILER_TEXT.match(text) or _DATE_ONLY.match(text):
        return True
    if len(text) < 3:
        return True
    return block.link_chars > 0.7 * len(text) and len(text) < 300


def _clean_links(links: list[str], base_url: str | None) -> list[str]:
    out: list[str] = []
    for href in links:
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        full = urljoin(base_url, href) if base_url else href
        if full not in out:
            out.append(full)
    return out


_PHOTO_CREDIT = re.compile(
    r"\(?\s*(?:Fotos?|Bilder?|Photos?|Image|Credit|Quelle|Source)\s*[:©].*$|©.*$", re.IGNORECASE
)


def _captions(root: Any) -> list[str]:
    """The text of image captions outside the site's chrome, without photo credits: they name people
    that the text may not (figures are dropped with the boilerplate)."""
    out: list[str] = []
    for caption in root.iter("figcaption"):
        if _in_site_chrome(caption):
            continue
        for block in blocks(caption):
            text = _PHOTO_CREDIT.sub("", block.text).strip()
            if text:
                out.append(text)
    return out


def _dateline_lead(sections: list[Section]) -> tuple[str | None, list[Section]]:
    """An agency report's opening paragraph ('Berlin (dpa) - …') is its lead, marked up or not."""
    if not sections or sections[0].heading is not None:
        return None, sections
    first, _, rest = sections[0].text.partition("\n\n")
    if not DATELINE.match(first):
        return None, sections
    rest_sections = [Section(None, rest.strip())] if rest.strip() else []
    return first, rest_sections + sections[1:]


def extract_article(root: Any, url: str | None = None) -> Article:
    """The article layer of a parsed page."""
    # every element's Python object held for the whole layer: lxml makes a new one (through a lookup
    # written in Python) each time an element is reached that no object stands for, and the layer walks
    # the tree a dozen times
    alive = list(root.iter())
    meta = _meta(root)
    objs = jsonld_objects(root)
    ld = _ld_article(objs)
    h1, title, site = _title(root, meta, ld)
    kicker_el, kicker = _kicker(root, h1)
    lead_el, lead = _lead(root, meta, h1)
    published = _published(root, meta, ld, h1)
    keep = h1.getparent() if h1 is not None else None
    for el in (kicker_el, lead_el):
        if el is not None and el.getparent() is not None and not _contains(el, h1):
            el.drop_tree()
    captions = _captions(root)
    _strip_boilerplate(root, None)
    container = _main_container(root)
    skip = {t for t in (title, kicker, lead) if t}
    sections, links = sections_from(container, skip, url)
    if sections and lead and sections[0].text.startswith(lead):
        sections[0] = Section(sections[0].heading, sections[0].text[len(lead) :].strip())
        sections = [s for s in sections if s.text]
    if not lead:
        lead, sections = _dateline_lead(sections)
    if not lead:
        lead = meta.get("og:description") or meta.get("description") or None
    body_text = " ".join(s.text for s in sections)
    del keep, alive
    return Article(
        title=title,
        kicker=kicker,
        published=published,
        language=_language(root, meta, f"{title or ''} {lead or ''} {body_text}"),
        lead=lead,
        sections=sections,
        links=links,
        site_name=site,
        jsonld=objs,
        captions=captions,
    )
