"""Speed guards of the extraction (issue #14): no page over 200 ms, and the cheap gates in front of the
large patterns never change what the patterns find."""

import time
from pathlib import Path

import pytest

from scc_sync.demo_site import SEED_PAGE
from scc_sync.extract import events, evidence, extract_summary, formats, numbers
from scc_sync.extract.article import extract_article, parse
from scc_sync.extract.gate import Gated

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "extract"
PAGES = [SEED_PAGE, *sorted(FIXTURES.glob("*/*.html"))]


def _sentences() -> list[str]:
    from scc_sync.extract import _sentences as split

    out = []
    for page in PAGES:
        article = extract_article(parse(page.read_text(encoding="utf-8")), None)
        out += [s.text for s in split(article)]
    return out


def test_no_page_takes_more_than_200_ms() -> None:
    extract_summary(SEED_PAGE.read_text(encoding="utf-8"))  # imports and first-use compilation
    slow = {}
    for page in PAGES:
        html = page.read_text(encoding="utf-8")
        start = time.process_time()
        extract_summary(html)
        took = time.process_time() - start
        if took > 0.2:
            slow[page.name] = round(took * 1000)
    assert not slow


GATED = [
    (name, value)
    for module in (events, evidence, formats)
    for name, value in vars(module).items()
    if isinstance(value, Gated)
]


@pytest.mark.parametrize(("name", "gated"), GATED, ids=[name for name, _ in GATED])
def test_a_gate_never_hides_a_match(name: str, gated: Gated) -> None:
    for text in _sentences():
        found = gated.rx.search(text)
        assert (gated.search(text) is None) == (found is None), (name, text)


def test_the_number_word_test_agrees_with_the_word_reader() -> None:
    for text in ["rund zweitausend Gäste", "zwei Dutzend Aussteller", "two thousand visitors", "fifteen"]:
        assert numbers.may_count(text)
    for text in ["Die Daten der Stadt", "zwei Gäste", "a city party", "selfie"]:
        assert not numbers.may_count(text)
