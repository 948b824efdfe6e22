"""HTML fragments to plain text (feed summaries, article bodies)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

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
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BREAKS = re.compile(r"\s*\n\s*")


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: one line per block element, runs of spaces collapsed."""
    if "<" not in html and "&" not in html:
        return normalize_space(html)
    return element_text(BeautifulSoup(html, "lxml"))


def element_text(root: Tag) -> str:
    for node in root.find_all(_INVISIBLE):
        node.decompose()
    for node in root.find_all(_BLOCKS):
        node.insert_before("\n")
        node.insert_after("\n")
    return normalize_space(root.get_text())


def normalize_space(text: str) -> str:
    text = _SPACES.sub(" ", text)
    return _BREAKS.sub("\n", text).strip()
