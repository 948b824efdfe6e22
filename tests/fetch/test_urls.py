"""canonical_url: one spelling per article."""

from __future__ import annotations

import pytest

from scc_sync.fetch.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://www.vku.example/presse/a/", "https://www.vku.example/presse/a/"),
        ("HTTPS://WWW.VKU.Example:443/Presse/A/", "https://www.vku.example/Presse/A/"),  # path keeps its case
        ("http://vku.example:80/a", "http://vku.example/a"),
        ("http://vku.example:8080/a", "http://vku.example:8080/a"),
        ("https://vku.example", "https://vku.example/"),
        ("https://vku.example/a#kommentare", "https://vku.example/a"),
        ("https://vku.example/a?utm_source=rss&utm_medium=feed&id=7", "https://vku.example/a?id=7"),
        ("https://vku.example/a?b=2&a=1&UTM_Campaign=x", "https://vku.example/a?b=2&a=1"),  # order kept
        ("https://vku.example/a?fbclid=x&gclid=y&mc_cid=1&mc_eid=2", "https://vku.example/a"),
        ("https://vku.example/a?pk_campaign=nl&mtm_source=x&_hsenc=z&wt_mc=nl", "https://vku.example/a"),
        ("https://vku.example/a?q=stra%C3%9Fe&page=", "https://vku.example/a?q=stra%C3%9Fe&page="),
        ("https://vku.example/a?ref=home", "https://vku.example/a?ref=home"),  # not known as tracking
        ("  https://vku.example/a  ", "https://vku.example/a"),
        ("https://user:pw@Vku.Example/a", "https://user:pw@vku.example/a"),
        ("http://[::1]:80/a", "http://[::1]/a"),
        ("https://vku.example./a", "https://vku.example/a"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_canonical_url_is_idempotent() -> None:
    url = "HTTP://Example.org:80/x/?utm_term=a&x=1#top"
    assert canonical_url(canonical_url(url)) == canonical_url(url) == "http://example.org/x/?x=1"
