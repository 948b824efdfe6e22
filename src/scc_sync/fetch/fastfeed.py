"""The common feed, read by libxml2 in feedparser's own terms; None where only feedparser can read it.

feedparser is pure Python: it costs milliseconds per feed, most of a sync's CPU. lxml reads the same
bytes some thirty times faster. But a feed's item identity, title, text and dates must not depend on
which parser read it, or stored items would duplicate or change. So this reader answers only for
feeds it can read exactly as feedparser does, and gives their entries as the same dicts with the
same values (`feed`, `entries[i]["id"]`, `["guidislink"]`, `["link"]`, `["title"]`, `["summary"]`,
`["content"]`, `["author"]`, `["published_parsed"]`, …), so that `feeds.py` derives identity from
them by one rule whichever parser read the feed. It reproduces feedparser's quirks where they touch
those fields (which of a GUID and a link wins, in document order; a permalink GUID doubling as the
link; repairs of mis-encoded text; dates through feedparser's own date parser).

It answers None on any doubt, and feedparser reads the feed: bytes that are not unambiguously UTF-8
(a single-byte charset with non-ASCII bytes, UTF-16), anything libxml2 calls malformed, a DOCTYPE,
xml:base, a format other than RSS 2.0, RSS 1.0 or Atom 1.0, markup inside a text field, an entry
element it does not know, a field given twice, an e-mail address as author, content other than
text or HTML. tests/fetch/test_fastfeed.py runs every fixture feed and many variants through both.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

# feedparser's own helpers for the steps that must come out identical: its date parser, its URI
# clean-up and its table of windows-1252 characters (feedparser is pinned below 7 for them).
from feedparser.datetimes import _parse_date as feedparser_date
from feedparser.html import _cp1252 as CP1252_FIXES
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin as feedparser_uri
from lxml import etree

from scc_sync.fetch.encoding import declared_charset, header

Entry = dict[str, Any]

_RSS1 = "http://purl.org/rss/1.0/"
_ATOM = "http://www.w3.org/2005/Atom"
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
# feedparser names an element by a fixed prefix for the namespaces it knows ('' for RSS and Atom).
_PREFIXES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
# feedparser reads the declaration's encoding only when written without spaces around "=".
_XML_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding=["']([\w.:-]+)["']""")
_XML_DECL_ENCODING_LOOSE = re.compile(rb"""^<\?xml[^>]*?encoding\s*=""")
_ASCII_COMPATIBLE = {"utf-8", "ascii", "latin-1", "iso8859-1", "iso8859-15", "cp1252"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_TEXT_TYPES = {"text/plain", "text/html"}  # feedparser decodes other content types (base64, xhtml)
_SHORT_TYPES = {
    "text": "text/plain",
    "plain": "text/plain",
    "html": "text/html",
    "xhtml": "application/xhtml+xml",
}
_UTF8_AS_LATIN1 = re.compile("[\xc2-\xf4][\x80-\xbf]")
_C1 = re.compile("[\x80-\x9f]")
_ENTITY_LIKE = re.compile(r"&([A-Za-z0-9_]+);")

# Entry elements by feedparser's name → the field they fill; a field given twice is a doubt.
_FIELDS = {
    "title": "title",
    "dc:title": "title",
    "media:title": "title",
    "description": "summary",
    "dc:description": "summary",
    "summary": "summary",
    "content:encoded": "content",
    "content": "content",
    "guid": "id",
    "id": "id",
    "link": "link",
    "pubdate": "published",
    "published": "published",
    "issued": "published",
    "dcterms:issued": "published",
    "updated": "updated",
    "modified": "updated",
    "lastbuilddate": "updated",
    "dc:date": "updated",
    "dcterms:modified": "updated",
    "created": "created",
    "dcterms:created": "created",
    "author": "author",
    "dc:creator": "author",
    "dc:author": "author",
}
# Entry elements that feedparser keeps under keys of their own, never in the fields above.
_INERT = {
    "category",
    "dc:subject",
    "comments",
    "enclosure",
    "source",
    "wfw:comment",
    "wfw:commentrss",
    "slash:comments",
    "thr:total",
    "media:thumbnail",
    "media:content",
    "feedburner:origlink",
    "post-id",  # WordPress, in a namespace feedparser does not know
}
_TITLES = {"title", "dc:title", "media:title"}
_FEED_ENTRIES = {"item", "entry"}
_TITLE_HOLDERS = {"image", "textinput"}  # feed-level elements whose <title> feedparser keeps apart
_FEED_FIELDS = ("ttl", "sy:updateperiod", "sy:updatefrequency")


class _Doubt(Exception):
    """Something this reader would not read exactly as feedparser does."""


def read_feed(content: bytes, headers: Mapping[str, str]) -> tuple[dict[str, str], list[Entry]] | None:
    """The feed's fields and entries as feedparser would give them, or None: let feedparser read it."""
    if not _unambiguous_encoding(content, headers) or b"<!DOCTYPE" in content or b"base=" in content:
        return None
    parser = etree.XMLParser(
        remove_comments=True, remove_pis=True, resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        root = etree.fromstring(content, parser)
        container, entries = _layout(root)
        return _feed_fields(container), [_entry(element) for element in entries]
    except (etree.XMLSyntaxError, _Doubt):
        return None


def _unambiguous_encoding(content: bytes, headers: Mapping[str, str]) -> bool:
    """Whether feedparser and libxml2 decode the bytes alike, with no warning from feedparser.

    ASCII reads alike under any ASCII-compatible label. Other bytes need one encoding named by the
    header's charset and the XML declaration alike (UTF-8, or ISO-8859-1 in the declaration, which
    both read as latin-1: feedparser then maps windows-1252's characters in text, and so does
    `_popped`), or no name at all under an XML media type, where both take UTF-8. Without a name,
    feedparser takes text/* as US-ASCII and a missing type as ISO-8859-1 before it guesses on.
    """
    body = content.removeprefix(codecs.BOM_UTF8)
    if b"\0" in body[:4]:  # UTF-16 or UTF-32
        return False
    loose, strict = _XML_DECL_ENCODING_LOOSE.match(body), _XML_DECL_ENCODING.match(body)
    if bool(loose) != bool(strict):  # feedparser would not see the declaration that libxml2 reads
        return False
    declared = strict.group(1).decode("ascii") if strict else None
    names = {_codec_name(label) for label in (declared_charset(headers), declared) if label}
    if body.isascii():
        return names <= _ASCII_COMPATIBLE
    if not names:
        media_type = (header(headers, "content-type") or "").split(";", 1)[0].strip().lower()
        return media_type.startswith("application/") and media_type.endswith("xml")
    return names == {"utf-8"} or (names == {"iso8859-1"} and declared is not None)


def _codec_name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _layout(root: Any) -> tuple[Any, list[Any]]:
    """The element holding the feed's own fields, and the entry elements, if the format is plain."""
    kind = _name(root)
    if kind == "rss" and root.tag == "rss":
        if len(root) != 1 or _name(root[0]) != "channel":
            raise _Doubt("an <rss> that is not one <channel>")
        container = root[0]
        entries = [child for child in container if _name(child) == "item"]
        others = [child for child in container if _name(child) != "item"]
    elif kind == "rdf:rdf" and root.nsmap.get(None) == _RSS1:
        # The channel first: feedparser would not take its title after an item's or the image's.
        if not len(root) or _name(root[0]) != "channel":
            raise _Doubt("RSS 1.0 that does not start with its channel")
        container = root[0]
        entries = [child for child in root if _name(child) == "item"]
        others = [*(child for child in root if _name(child) not in ("channel", "item")), *container]
    elif root.tag == f"{{{_ATOM}}}feed":
        container = root
        entries = [child for child in root if _name(child) == "entry"]
        others = [child for child in root if _name(child) != "entry"]
    else:
        raise _Doubt("not RSS 2.0, RSS 1.0 or Atom 1.0")
    if sum(_name(child) in _TITLES for child in container) > 1:
        raise _Doubt("a feed with two titles")
    for element in others:
        _check_feed_level(element)
    return container, entries


def _check_feed_level(element: Any) -> None:
    """No entry and no title hides in the feed's other elements where feedparser would find it."""
    for inner in element.iterdescendants():
        name = _name(inner)
        if name in _FEED_ENTRIES or (name in _TITLES and _name(inner.getparent()) not in _TITLE_HOLDERS):
            raise _Doubt(f"a <{name}> inside <{_name(element)}>")
    if _name(element) in _FEED_ENTRIES:
        raise _Doubt("an entry outside the channel")


def _feed_fields(container: Any) -> dict[str, str]:
    feed: dict[str, str] = {}
    for child in container:
        name = _name(child)
        if name in _TITLES:
            feed["title"] = _text_field(child)
        elif name in _FEED_FIELDS:
            if child.attrib:  # feedparser keeps the attributes instead of the text then
                raise _Doubt(f"<{name}> with attributes")
            feed[name.replace(":", "_")] = _popped(_leaf_text(child))
    return feed


def _entry(element: Any) -> Entry:
    """One entry as feedparser's dict, following its handlers in document order."""
    attributes = _attributes(element)
    if "lastmod" in attributes or "href" in attributes:
        raise _Doubt("an entry with CDF attributes")
    entry: Entry = {}
    if about := element.get(_RDF_ABOUT):
        entry["id"] = about
    seen: set[str] = set()
    for child in element:
        name = _name(child)
        field = _FIELDS.get(name)
        if field is None:
            if name not in _INERT or len(child):
                raise _Doubt(f"<{name}> in an entry")
            continue
        if field == "link" and "href" in _attributes(child):
            _atom_link(entry, child)
            continue
        if field in seen:
            raise _Doubt(f"two <{field}> in an entry")
        seen.add(field)
        if field == "author" and len(child):
            _person(entry, child)
        elif field in ("title", "summary"):
            entry[field] = _text_field(child)
        elif field == "content":
            _content(entry, child)
        elif field == "id":
            _guid(entry, child)
        elif field == "link":
            link = _popped(_resolved(_leaf_text(child)))
            entry["link"] = _ENTITY_LIKE.sub(r"&\g<1>", link.replace("&amp;", "&"))
        elif field == "author":
            _author(entry, child)
        else:
            entry[f"{field}_parsed"] = feedparser_date(_popped(_leaf_text(child)))
    return entry


def _guid(entry: Entry, element: Any) -> None:
    # An RSS GUID (and an Atom id) is a permalink unless it says isPermaLink="false"; a permalink is
    # the entry's link too unless a <link> came first, and a later <link> replaces it.
    is_link = _attributes(element).get("ispermalink", "true") == "true"
    text = _leaf_text(element)
    value = _popped(_resolved(text) if is_link else text.strip())
    entry["id"] = value
    entry.setdefault("guidislink", is_link and "link" not in entry)
    if is_link:
        entry.setdefault("link", value)


def _atom_link(entry: Entry, element: Any) -> None:
    attributes = _attributes(element)
    if "url" in attributes or "uri" in attributes or len(element):
        raise _Doubt("a link feedparser reads by other attributes")
    rel = attributes.get("rel", "alternate")
    media_type = attributes.get("type", "application/atom+xml" if rel == "self" else "text/html")
    if rel == "alternate" and _content_type(media_type) in _HTML_TYPES:
        entry["link"] = feedparser_uri("", attributes["href"])


def _content(entry: Entry, element: Any) -> None:
    text = _text_field(element)
    entry.setdefault("content", []).append({"value": text})
    entry.setdefault("summary", text)  # feedparser copies text and HTML content to a missing summary


def _author(entry: Entry, element: Any) -> None:
    name = _popped(_leaf_text(element))
    if "@" in name:  # feedparser splits an address off; not worth copying
        raise _Doubt("an author with an e-mail address")
    entry["author"] = name


def _person(entry: Entry, element: Any) -> None:
    """An Atom <author>: its <name>, taken as written (feedparser repairs no encoding there)."""
    names = [child for child in element if _name(child) == "name"]
    if len(names) != 1 or any(_name(child) not in ("name", "uri") or len(child) for child in element):
        raise _Doubt("an author other than one name (and a uri)")
    name = (names[0].text or "").strip()
    if not name:
        raise _Doubt("an author without a name")
    entry["author"] = name


def _text_field(element: Any) -> str:
    attributes = _attributes(element)
    if "mode" in attributes or "src" in attributes:
        raise _Doubt("encoded or external content")
    if _content_type(attributes.get("type", "text/plain")) not in _TEXT_TYPES:
        raise _Doubt("content that is neither text nor HTML")
    return _popped(_leaf_text(element))


def _content_type(media_type: str) -> str:
    media_type = media_type.lower()
    return _SHORT_TYPES.get(media_type, media_type)


def _leaf_text(element: Any) -> str:
    if len(element):
        raise _Doubt(f"markup inside <{_name(element)}>")
    return element.text or ""


def _resolved(uri: str) -> str:
    uri = uri.strip()
    return feedparser_uri("", uri) if uri else uri


def _popped(text: str) -> str:
    """A text value after feedparser's repairs: stripped, double-encoded UTF-8 undone, cp1252 mapped.

    The searches only skip work: without a UTF-8 lead byte before a continuation byte, reading the
    text's latin-1 bytes as UTF-8 fails or changes nothing; without C1 characters, nothing is mapped.
    """
    text = text.strip()
    if _UTF8_AS_LATIN1.search(text):
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(CP1252_FIXES) if _C1.search(text) else text


def _attributes(element: Any) -> dict[str, str]:
    """Attributes without a namespace, by lowercased name, as feedparser's handlers see them."""
    if not element.keys():
        return {}
    return {key.lower(): value for key, value in element.items() if not key.startswith("{")}


def _name(element: Any) -> str:
    return _feedparser_name(element.tag, element.prefix)


@lru_cache(maxsize=1024)
def _feedparser_name(tag: str, prefix: str | None) -> str:
    """`dc:creator`, `title`: known namespaces by feedparser's prefix, others by the document's."""
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    known = _PREFIXES.get(namespace.lower())
    prefix = known if known is not None else (prefix if namespace else "")
    return f"{prefix}:{local}".lower() if prefix else local.lower()
