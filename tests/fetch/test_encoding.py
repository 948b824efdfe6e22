"""decode_html / decode_text: umlauts survive every encoding German sites use."""

from __future__ import annotations

import codecs

import pytest

from httpserver import fixture
from scc_sync.fetch.encoding import decode_html, decode_text

UMLAUTS = "Zahlreiche hochkarätige Redner sorgten für spannende Diskussionen"
CP1252_ONLY = "„Special Edition“ für 5 €"


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("article_utf8.html", {"Content-Type": "text/html; charset=utf-8"}),
        ("article_utf8.html", {}),  # meta charset only
        ("article_latin1.html", {}),  # meta http-equiv ISO-8859-1, bytes really cp1252
        ("article_latin1.html", {"content-type": "text/html; charset=ISO-8859-1"}),
        ("article_cp1252.html", {}),
        ("article_utf8_bom.html", {}),
        ("article_utf8_bom.html", {"Content-Type": "text/html; charset=iso-8859-1"}),  # the BOM wins
        ("article_undeclared_cp1252.html", {"Content-Type": "text/html"}),  # detection
        ("article_utf8.html", {"Content-Type": "text/html; charset=ISO-8859-1"}),  # Apache's old default lie
    ],
)
def test_pages_keep_umlauts_and_cp1252_characters(name: str, headers: dict[str, str]) -> None:
    text = decode_html(fixture(f"fetch/{name}"), headers)
    assert UMLAUTS in text
    assert CP1252_ONLY in text
    assert "\ufeff" not in text and "Ã" not in text


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("rss2_utf8.xml", {}),
        ("rss2_utf8_bom.xml", {}),
        ("rss2_latin1.xml", {}),  # XML declaration ISO-8859-1, bytes cp1252
        ("rss2_latin1.xml", {"Content-Type": "application/rss+xml; charset=iso-8859-1"}),
        ("rss2_cp1252.xml", {}),
        ("atom_utf8_bom.xml", {"Content-Type": "application/atom+xml"}),
    ],
)
def test_feeds_keep_umlauts(name: str, headers: dict[str, str]) -> None:
    text = decode_text(fixture(f"fetch/{name}"), headers)
    assert UMLAUTS in text
    assert "\ufeff" not in text


def test_strict_latin1_feed() -> None:
    text = decode_text(fixture("fetch/rss2_latin1_strict.xml"), {})
    assert "Städte & Gemeinden" in text.replace("&amp;", "&")


def test_header_charset_beats_meta() -> None:
    page = '<meta charset="utf-8"><p>Grüße</p>'.encode("cp1252")
    assert "Grüße" in decode_html(page, {"Content-Type": "text/html; charset=windows-1252"})


def test_declared_utf8_that_is_not_falls_back() -> None:
    page = "<p>Öffentlicher Nahverkehr in Köln, Düsseldorf und Münster für alle Bürger</p>".encode("cp1252")
    assert "Öffentlicher Nahverkehr in Köln" in decode_html(
        page, {"Content-Type": "text/html; charset=utf-8"}
    )


def test_unknown_charset_label_is_skipped() -> None:
    page = '<meta charset="x-bogus"><p>Grüße</p>'.encode()
    assert "Grüße" in decode_html(page, {"Content-Type": "text/html; charset=nonsense"})


def test_utf16_with_bom() -> None:
    page = codecs.BOM_UTF16_LE + "<p>Grüße</p>".encode("utf-16-le")
    assert decode_html(page, {}) == "<p>Grüße</p>"


def test_text_ignores_html_meta() -> None:
    # decode_text must not take a charset from markup that is merely quoted in a text document
    body = 'Beispiel: <meta charset="koi8-r"> Grüße'.encode()
    assert decode_text(body, {}) == 'Beispiel: <meta charset="koi8-r"> Grüße'
