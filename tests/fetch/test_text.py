"""normalize_space keeps the exact output of the two regular expressions that it replaced."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from scc_sync.fetch.text import html_to_text, normalize_space

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BREAKS = re.compile(r"\s*\n\s*")


def reference(text: str) -> str:
    return _BREAKS.sub("\n", _SPACES.sub(" ", text)).strip()


WHITESPACE_HEAVY = st.text(
    alphabet=st.sampled_from(
        [" ", "\n", "\t", "\r", "\f", "\v", "\u00a0", "\u2028", "\x85", "\x1c", "\u3000", "a", "ß"]
    ),
    max_size=30,
)


@settings(max_examples=2000)
@given(st.one_of(WHITESPACE_HEAVY, st.text(max_size=30)))
def test_normalize_space_matches_the_regular_expressions(text: str) -> None:
    assert normalize_space(text) == reference(text)


def test_html_to_text_lines_and_spaces() -> None:
    html = "<h2> Rückblick </h2>\n<p>Am 27.\u00a0Oktober\t fand  sie statt.</p><br><ul><li>eins</li></ul>"
    assert html_to_text(html) == "Rückblick\nAm 27. Oktober fand sie statt.\neins"
