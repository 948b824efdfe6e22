"""Pages written to stand for real sites the rules were not written against (`fixtures/extract/unseen`).

Expectations are what a careful reader would write down. Each page expands into one test per field
(`event.location`, `people[Name]`, `sessions`, ...), so a field that stays weak is marked on its own
and never hides the rest of the page.

Besides the keys of `test_corpus.py`, an expectation may carry
- `_loose`: `{path: {"any_of": [...], "why": "..."}}` for a field a careful reader could fairly write in
  more than one way (the reason is kept next to it in the JSON). For a person, `"absent"` in `any_of`
  allows them to be missing;
- `_xfail`: `{path: reason}` for a field the rules still get wrong (strict: it fails when it passes).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from scc_sync.extract import extract_summary

from .conftest import FIXTURES

PAGES = sorted((FIXTURES / "unseen").glob("*.html"))
FACT_FIELDS = ("name", "start", "end", "format", "location", "counts")
ABSENT = "absent"


def _expected(page: Path) -> dict[str, Any]:
    return json.loads(page.with_name(page.stem + ".expected.json").read_text(encoding="utf-8"))


@cache
def _got(page: Path) -> dict[str, Any]:
    return extract_summary(page.read_bytes(), f"https://unseen.example/{page.stem}").to_dict()


def _paths(expected: dict[str, Any]) -> list[str]:
    """The checked fields of one page, in a stable order."""
    paths = ["schema"]
    for key, want in expected.items():
        if key.startswith("_"):
            continue
        if (
            key in ("event", "next_event")
            and isinstance(want, dict)
            and key not in expected.get("_loose", {})
        ):
            paths += [key, *(f"{key}.{f}" for f in FACT_FIELDS)]
        elif key == "people":
            paths += ["people", *(f"people[{p['name']}]" for p in want)]
        else:
            paths.append(key)
    paths += [
        k
        for k in ("_text_contains", "_text_excludes", "_organizations_include", "_warnings_match")
        if k in expected
    ]
    return paths


def _cases(pages: list[Path]) -> list[Any]:
    cases = []
    for page in pages:
        expected = _expected(page)
        xfails = expected.get("_xfail", {})
        for path in _paths(expected):
            marks = [pytest.mark.xfail(reason=xfails[path], strict=True)] if path in xfails else []
            cases.append(pytest.param(page, path, id=f"{page.stem}:{path}", marks=marks))
    return cases


def _person(people: list[dict[str, Any]], name: str) -> dict[str, Any] | str:
    return next((p for p in people if p["name"] == name), ABSENT)


def _check_person(got: dict[str, Any], expected: dict[str, Any], path: str) -> None:
    loose = expected.get("_loose", {})
    name = path[len("people[") : -1]
    person = _person(got["people"], name)
    if path in loose:
        assert person in loose[path]["any_of"], (path, person)
        return
    want = _person(expected["people"], name)
    assert person != ABSENT, f"{name} not found in {[p['name'] for p in got['people']]}"
    for field, value in want.items():
        key = f"{path}.{field}"
        allowed = loose[key]["any_of"] if key in loose else [value]
        assert person[field] in allowed, (key, person[field], allowed)


def _check_people_list(got: dict[str, Any], expected: dict[str, Any]) -> None:
    """The same people in the same order; one allowed to be absent may be missing (but not misplaced)."""
    loose = expected.get("_loose", {})

    def optional(name: str) -> bool:
        return ABSENT in loose.get(f"people[{name}]", {}).get("any_of", [])

    got_names = [p["name"] for p in got["people"]]
    want_names = [p["name"] for p in expected["people"] if not optional(p["name"]) or p["name"] in got_names]
    assert got_names == want_names


def _check_sessions(got: dict[str, Any], expected: dict[str, Any]) -> None:
    loose = expected.get("_loose", {})
    if "sessions" in loose:
        assert got["sessions"] in loose["sessions"]["any_of"], got["sessions"]
        return
    assert [s["title"] for s in got["sessions"]] == [s["title"] for s in expected["sessions"]]
    for have, want in zip(got["sessions"], expected["sessions"], strict=True):
        key = f"sessions[{want['title']}].date"
        allowed = loose[key]["any_of"] if key in loose else [want["date"]]
        assert have["date"] in allowed, (key, have["date"], allowed)


def _text(got: dict[str, Any]) -> str:
    return " ".join([got["lead"] or "", *(f"{s['heading'] or ''} {s['text']}" for s in got["sections"])])


def _check(got: dict[str, Any], expected: dict[str, Any], path: str) -> None:
    loose = expected.get("_loose", {})
    if path in loose and not path.startswith(("people[", "sessions")):
        value = got[path] if "." not in path else (got[path.split(".")[0]] or {}).get(path.split(".")[1])
        assert value in loose[path]["any_of"], (path, value)
    elif path in ("event", "next_event"):
        assert (got[path] is None) == (expected[path] is None), (path, got[path])
    elif "." in path:
        top, field = path.split(".")
        assert got[top] is not None, f"{top} missing"
        assert got[top][field] == expected[top][field], (path, got[top][field])
    elif path.startswith("people["):
        _check_person(got, expected, path)
    elif path == "people":
        _check_people_list(got, expected)
    elif path == "sessions":
        _check_sessions(got, expected)
    elif path == "_text_contains":
        missing = [n for n in expected[path] if n not in _text(got)]
        assert not missing
    elif path == "_text_excludes":
        leaked = [n for n in expected[path] if n in _text(got)]
        assert not leaked
    elif path == "_organizations_include":
        assert set(expected[path]) <= set(got["organizations"]), got["organizations"]
    elif path == "_warnings_match":
        for pattern in expected[path]:
            assert any(re.search(pattern, w) for w in got["warnings"]), (pattern, got["warnings"])
    else:
        assert got[path] == expected[path], path


def test_unseen_set_is_large_enough() -> None:
    assert len(PAGES) >= 12


def check_field(page: Path, path: str, validator: Any) -> None:
    """One field of one page: the schema, or the field against its expectation."""
    got = _got(page)
    if path == "schema":
        validator.validate(got)
        return
    _check(got, _expected(page), path)


def check_loose_reasons(pages: list[Path]) -> None:
    for page in pages:
        for path, rule in _expected(page).get("_loose", {}).items():
            assert rule.get("why") and rule.get("any_of"), (page.stem, path)


@pytest.mark.parametrize(("page", "path"), _cases(PAGES))
def test_unseen_field(page: Path, path: str, schema_validator) -> None:
    check_field(page, path, schema_validator)


def test_loose_fields_say_why() -> None:
    check_loose_reasons(PAGES)
