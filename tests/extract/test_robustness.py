"""No input crashes the extractor, and work per page is capped."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scc_sync.extract import extract_summary
from scc_sync.extract.article import MAX_HTML_CHARS
from scc_sync.models import Summary

TAGS = ["div", "p", "span", "article", "h1", "h2", "a", "li", "ul", "nav", "script", "table", "td", "b"]
html_fragments = st.lists(
    st.one_of(
        st.sampled_from(
            [f"<{t}>" for t in TAGS]
            + [f"</{t}>" for t in TAGS]
            + ["<!--", "-->", "<", ">", "&amp;", "&#0;", "<![CDATA[", "\x00"]
        ),
        st.text(max_size=40),
        st.sampled_from(
            [
                "Am 27. und 28. Oktober",
                "über 150 Redner",
                "10.600 Teilnehmer",
                "Dr. Max Muster, CEO",
                "„Panel Titel hier“",
                "Die nächste Konferenz",
                "31.02.2021",
                "99. Oktober 2020",
            ]
        ),
    ),
    max_size=60,
).map("".join)


def _check(summary: Summary, schema_validator) -> None:
    assert isinstance(summary, Summary)
    schema_validator.validate(summary.to_dict())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=html_fragments)
def test_arbitrary_markup_never_crashes(html: str, schema_validator) -> None:
    _check(extract_summary(html), schema_validator)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(data: bytes, schema_validator) -> None:
    _check(extract_summary(data, "https://example.org/x"), schema_validator)


def test_empty_input(schema_validator) -> None:
    for empty in ("", b"", "   ", b"\x00\x00"):
        summary = extract_summary(empty)
        _check(summary, schema_validator)
        assert summary.title is None and summary.event is None


def test_deeply_nested(schema_validator) -> None:
    html = (
        "<div>" * 20_000
        + "<p>Am 3. Mai 2022 fand die Smart Country Convention statt.</p>"
        + "</div>" * 20_000
    )
    _check(extract_summary(html), schema_validator)


def test_five_megabytes(schema_validator) -> None:
    para = (
        "<p>Über 150 Rednerinnen und Redner sprachen am 27. Oktober 2020 "
        "auf der Smart Country Convention.</p>"
    )
    html = (
        "<html><body><article><h1>Riesig</h1>" + para * (5_000_000 // len(para)) + "</article></body></html>"
    )
    assert len(html) > MAX_HTML_CHARS
    summary = extract_summary(html.encode())
    _check(summary, schema_validator)
    assert summary.title == "Riesig"


def test_broken_markup_keeps_text(schema_validator) -> None:
    html = (
        "<html><body><h1>Titel<p>Erster Absatz ohne Ende <b>fett <i>kursiv</p>"
        "<p>Zweiter &amp Absatz</div></div>"
    )
    summary = extract_summary(html)
    _check(summary, schema_validator)
    text = " ".join(s.text for s in summary.sections)
    assert "Erster Absatz" in text and "Zweiter & Absatz" in text


def test_latin1_bytes_are_decoded() -> None:
    html = (
        '<html><head><meta charset="iso-8859-1"><title>T</title></head><body><h1>Gr\xfc\xdfe aus K\xf6ln</h1>'
    )
    summary = extract_summary(html.encode("latin-1"))
    assert summary.title == "Grüße aus Köln"
