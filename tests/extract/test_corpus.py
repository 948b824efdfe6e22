"""Every corpus page against its hand-written expectations (a `.expected.json` next to the page).

Keys named like Summary fields are compared exactly; `_text_contains` / `_text_excludes` check the
article text (lead + sections), `_organizations_include` a subset, `_warnings_match` regexes.
"""

import json
import re
from pathlib import Path

import pytest

from scc_sync.extract import extract_summary

from .conftest import FIXTURES

PAGES = sorted((FIXTURES / "corpus").glob("*.html"))


def test_corpus_is_large_enough() -> None:
    assert len(PAGES) >= 15


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_page(page: Path, schema_validator) -> None:
    expected = json.loads(page.with_name(page.stem + ".expected.json").read_text(encoding="utf-8"))
    summary = extract_summary(page.read_bytes(), f"https://cities-today.example/news/{page.stem}")
    got = summary.to_dict()
    schema_validator.validate(got)
    for key, want in expected.items():
        if not key.startswith("_"):
            assert got[key] == want, key
    text = " ".join([got["lead"] or "", *(f"{s['heading'] or ''} {s['text']}" for s in got["sections"])])
    for needle in expected.get("_text_contains", []):
        assert needle in text
    for needle in expected.get("_text_excludes", []):
        assert needle not in text
    for org in expected.get("_organizations_include", []):
        assert org in got["organizations"]
    for pattern in expected.get("_warnings_match", []):
        assert any(re.search(pattern, w) for w in got["warnings"]), (pattern, got["warnings"])
