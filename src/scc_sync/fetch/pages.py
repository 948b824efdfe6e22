"""Sources without a feed: article links from a listing page, and a minimal Item from an article.

`article_item` is deliberately simple (title, main text, the page's HTML): the extraction engine
does the real reading; this keeps sync working and gives it the HTML to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import soupsieve
from bs4 import BeautifulSoup, Tag

from scc_sync.fetch.encoding import decode_html
from scc_sync.fetch.text import element_text, normalize_space
from scc_sync.fetch.urls import canonical_url, host_of
from scc_sync.models import FetchResult, Item, plausible_item_date

_NOT_ARTICLES = ("mailto:", "javascript:", "tel:", "data:", "ftp:", "#")
# Page chrome that is never the article, removed before taking the text. Headers and footers
# only count as chrome outside an <article>: inside one they hold its title, kicker and byline.
_CHROME = ("nav", "aside", "form", "button", "dialog", "[role=navigation]", "[aria-hidden=true]")
_PAGE_CHROME = ("header", "footer")
_HEADINGS = ("h1", "h2", "h3", "h4")
_LINK_TEXT_LIMIT = 300
_MAIN = ("article", "main", "[role=main]", "#content", ".content", "body")


def find_article_links(result: FetchResult, selector: str, *, allow_domains: Sequence[str] = ()) -> list[str]:
    """Canonical, absolute, de-duplicated article URLs that `selector` finds, in page order.

    The selector may match the links themselves or elements that contain one (the first link
    inside that can be an article counts). Links to other sites are dropped unless their host is
    in `allow_domains` (subdomains included); `www.` does not make a different site. Links back to
    the page itself and hrefs that are no valid URL are skipped.
    """
    return list(article_links(result, selector, allow_domains=allow_domains))


def article_links(
    result: FetchResult, selector: str, *, allow_domains: Sequence[str] = ()
) -> dict[str, str | None]:
    """`find_article_links`, each with its text on the listing (mostly the headline), or None.

    The text is the link's own, else that of the first heading in the element the selector matched.
    """
    soup = _soup(result)
    base = _base_url(soup, result.final_url)
    try:
        matches = soup.select(selector)
    except soupsieve.SelectorSyntaxError as exc:
        raise ValueError(f"the link selector {selector!r} is not valid CSS: {exc}") from exc
    allowed = [_site(host_of(result.final_url)), *(_site(d.strip().lower()) for d in allow_domains)]
    itself = {canonical_url(result.url), canonical_url(result.final_url)}
    links: dict[str, str | None] = {}
    for element in matches:
        link = _link(element)
        if link is None:
            continue
        url = _absolute(base, str(link["href"]).strip())
        if url and _on_site(url, allowed) and url not in itself and url not in links:
            links[url] = _link_text(element, link)
    return links


def article_item(result: FetchResult, source: str) -> Item:
    """A minimal Item from an article page: title, published date if the page has one, main text, HTML.

    The key is the canonical URL that was asked for (what `find_article_links` returned), so the
    pipeline can tell a known article before fetching it; `url` is where the page really is.
    """
    html = decode_html(result.content, result.headers)
    soup = BeautifulSoup(html, "lxml")
    return Item(
        source=source,
        key=canonical_url(result.url),
        url=canonical_url(result.final_url),
        title=_title(soup) or canonical_url(result.final_url),
        published=_published(soup),
        text=_main_text(soup),
        html=html,
        author=_meta(soup, "author"),
    )


def _soup(result: FetchResult) -> BeautifulSoup:
    return BeautifulSoup(decode_html(result.content, result.headers), "lxml")


def _base_url(soup: BeautifulSoup, page_url: str) -> str:
    base = soup.find("base", href=True)
    if not isinstance(base, Tag):
        return page_url
    return _absolute(page_url, str(base["href"])) or page_url  # as browsers ignore a javascript: base


def _link(element: Tag) -> Tag | None:
    """The element if it has an href, else the first link inside it that can lead to an article."""
    if element.has_attr("href"):
        return element
    for link in element.find_all(["a", "area"], href=True):
        href = str(link["href"]).strip()
        if href and not href.lower().startswith(_NOT_ARTICLES):
            return link
    return None


def _link_text(element: Tag, link: Tag) -> str | None:
    """What the listing calls the article: the link's text, else the matched element's first heading."""
    heading = element.find(_HEADINGS) if element is not link else None
    for candidate in (link, heading):
        text = " ".join(candidate.get_text(" ").split()) if isinstance(candidate, Tag) else ""
        if text:
            return text[:_LINK_TEXT_LIMIT]
    return None


def _absolute(base: str, href: str | None) -> str | None:
    """The canonical http(s) URL `href` points to, or None (mailto:, #top, 'http://[::1', ...)."""
    if not href or href.lower().startswith(_NOT_ARTICLES):
        return None
    try:
        url = canonical_url(urljoin(base, href))
    except ValueError:  # an unbalanced IPv6 bracket and the like: one bad link, not a broken page
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def _site(host: str) -> str:
    return host.removeprefix("www.")


def _on_site(url: str, sites: list[str]) -> bool:
    host = _site(host_of(url))
    return any(host == site or host.endswith("." + site) for site in sites if site)


def _title(soup: BeautifulSoup) -> str | None:
    candidates = [_meta(soup, "og:title"), _text_of(soup.find("h1")), _text_of(soup.find("title"))]
    return next((c for c in candidates if c), None)


def _meta(soup: BeautifulSoup, name: str) -> str | None:
    tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
    content = tag.get("content") if isinstance(tag, Tag) else None
    return normalize_space(str(content)) or None if content else None


def _text_of(tag: object) -> str | None:
    return normalize_space(tag.get_text(" ")) or None if isinstance(tag, Tag) else None


def _published(soup: BeautifulSoup) -> datetime | None:
    """From article:published_time or the first <time datetime>, if it has a full date and time."""
    time_tag = soup.find("time", datetime=True)
    values = [
        _meta(soup, "article:published_time"),
        str(time_tag["datetime"]) if isinstance(time_tag, Tag) else None,
    ]
    for value in values:
        if not value:
            continue
        try:
            parsed = datetime.fromisoformat(value.strip())
            when = parsed.astimezone(UTC) if parsed.tzinfo else None  # no zone: guesswork
        except (ValueError, OverflowError):  # 0001-01-01T00:00+01:00 lies before year 1 in UTC
            continue
        if when is not None and plausible_item_date(when):  # and 0001-01-01 is no date
            return when
    return None


def _main_text(soup: BeautifulSoup) -> str:
    for chrome in soup.select(", ".join(_CHROME)):
        chrome.decompose()
    for chrome in soup.select(", ".join(_PAGE_CHROME)):
        if chrome.find_parent("article") is None:
            chrome.decompose()
    main = next((found for css in _MAIN if (found := soup.select_one(css)) is not None), soup)
    return element_text(main)
