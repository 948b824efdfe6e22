"""canonical_url: one spelling per article."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


_names = st.sampled_from(["id", "page", "q", "utm_source", "UTM_Medium", "fbclid", "gclid", "mc_eid", "x"])
_values = st.text(alphabet="abcXYZ019-._~%äß", max_size=6)


@given(
    scheme=st.sampled_from(["http", "HTTP", "https", "Https"]),
    host=st.sampled_from(["vku.example", "WWW.Vku.Example", "127.0.0.1", "staedtetag.example."]),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    path=st.text(alphabet="abcÄ/-_.%20", max_size=12),
    params=st.lists(st.tuples(_names, _values), max_size=5),
    fragment=st.text(alphabet="abc#/", max_size=5),
)
def test_canonical_url_properties(scheme, host, port, path, params, fragment) -> None:
    query = "&".join(f"{name}={value}" for name, value in params)
    url = (
        f"{scheme}://{host}{port}/{path}"
        + (f"?{query}" if query else "")
        + (f"#{fragment}" if fragment else "")
    )
    canonical = canonical_url(url)
    assert canonical_url(canonical) == canonical
    parts = urlsplit(canonical)
    assert parts.scheme == scheme.lower() and parts.hostname == host.lower().rstrip(".")
    assert not parts.fragment
    kept = [pair.split("=", 1)[0] for pair in parts.query.split("&") if pair]
    assert kept == [name for name, _ in params if name in {"id", "page", "q", "x"}]  # order kept
