"""HTML fragments to plain text (feed summaries, article bodies)."""

from __future__ import annotations

import re

from bs4 import Tag
from lxml import etree
from lxml import html as lxml_html

# Elements whose text is never content a reader sees.
_INVISIBLE = ("script", "style", "noscript", "template", "iframe", "svg")
_BLOCKS = (
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "section",
    "article",
    "table",
    "tr",
    "figure",
    "figcaption",
    "header",
    "footer",
    "dd",
    "dt",
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_ODD_SPACES = "\t\r\f\v\u00a0"
_SPACES = re.compile(f"[ {_ODD_SPACES}]+")


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: one line per block element, runs of spaces collapsed.

    Uses lxml directly rather than BeautifulSoup: feeds call this for every entry, and it is
    several times faster (see bench/bench_sync.py).
    """
    if "<" not in html and "&" not in html:
        return normalize_space(html)
    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # nothing but whitespace or comments
        return ""
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    for node in root.iter(*_BLOCKS):
        node.tail = "\n" + (node.tail or "")
        node.text = "\n" + (node.text or "")
    return normalize_space(root.text_content())


def page_title(html: str) -> str | None:
    """The <title> of an HTML page on one line (at most 120 characters), or None."""
    html = _XML_DECLARATION.sub("", html, count=1)  # lxml refuses a str that declares its encoding
    try:
        title = lxml_html.document_fromstring(html).findtext(".//title")
    except (etree.ParserError, ValueError):
        return None
    title = normalize_space(title or "")
    return (title if len(title) <= 120 else title[:119] + "…") or None


def element_text(root: Tag) -> str:
    """Visible text of a BeautifulSoup element (pages, where BeautifulSoup is already in use)."""
    for node in root.find_all(_INVISIBLE):
        node.decompose()
    for node in root.find_all(_BLOCKS):
        node.insert_before("\n")
        node.insert_after("\n")
    return normalize_space(root.get_text())


def normalize_space(text: str) -> str:
    """Runs of spaces, tabs and no-break spaces as one space; lines stripped; no empty lines.

    Plain string operations where they suffice: this runs on every title and text of every feed,
    and a regular expression over each character cost more than parsing the feed.
    """
    if "  " in text or any(odd in text for odd in _ODD_SPACES):
        text = _SPACES.sub(" ", text)
    if "\n" not in text:
        return text.strip()
    return "\n".join(line for line in (part.strip() for part in text.split("\n")) if line)
