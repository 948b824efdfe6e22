"""A second set of pages the rules were not written against (`fixtures/extract/unseen2`).

Other site styles than `unseen`: institute and city-hall press releases, a chamber recap, an English
association release, a WordPress blog with comments and author box, a news-agency article, JSON-LD
that disagrees with the text, day-by-day programs, numbers written as words, a postponed event,
US date formats, and a page drowned in boilerplate. Same expectation format and checks as
`test_unseen.py` (one test per field, `_loose` and strict `_xfail`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import FIXTURES
from .test_unseen import _cases, check_field, check_loose_reasons

PAGES = sorted((FIXTURES / "unseen2").glob("*.html"))


def test_unseen2_set_is_large_enough() -> None:
    assert len(PAGES) >= 12


@pytest.mark.parametrize(("page", "path"), _cases(PAGES))
def test_unseen2_field(page: Path, path: str, schema_validator) -> None:
    check_field(page, path, schema_validator)


def test_unseen2_loose_fields_say_why() -> None:
    check_loose_reasons(PAGES)
