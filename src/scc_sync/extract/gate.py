"""A pattern behind a cheap gate: most sentences lack every word a pattern needs, and substring tests on
the lower-cased text cost far less than running a large case-insensitive alternation over it (Python's
`in` on a few words is also faster than a regular expression alternation of them)."""

from __future__ import annotations

import re
from collections.abc import Iterator


class Gated:
    """`rx`, run only on texts whose lower-cased form contains one of `needs` (lower-case words one of
    which every match of `rx` contains), given as one string separated by "|"."""

    __slots__ = ("needs", "rx")

    def __init__(self, rx: re.Pattern[str], needs: str) -> None:
        self.rx = rx
        self.needs = tuple(needs.split("|"))

    def passes(self, text: str) -> bool:
        low = text.lower()
        return any(n in low for n in self.needs)

    def search(self, text: str) -> re.Match[str] | None:
        return self.rx.search(text) if self.passes(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.rx.finditer(text) if self.passes(text) else iter(())


# (plain pattern, flags, its compiled fast form) for every pattern `class_first` rewrote: a test compares them
REWRITTEN: list[tuple[str, int, re.Pattern[str]]] = []
_CLASS = r"\[(?:\\.|[^\]\\])+\]"
_LOOKBEHIND_THEN_CLASS = re.compile(rf"\(\?<!({_CLASS})\)((?:\(\?P<\w+>|\(\?:)*)({_CLASS})")


def class_first(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`pattern`, which opens with a one-character negative lookbehind and a character class (`(?<![\\w-])`
    and `[A-ZÄÖÜ]`, perhaps inside a group), compiled with the lookbehind moved behind that class
    (`[A-ZÄÖÜ](?<![\\w-][\\s\\S])`). It matches the same, but the engine tries a pattern that opens with
    a lookbehind at every position of the text, and one that opens with a class only at the characters of
    that class, which it finds at C speed."""
    m = _LOOKBEHIND_THEN_CLASS.match(pattern)
    if m is None:
        raise ValueError(f"no lookbehind and character class opens {pattern[:40]!r}")
    before, groups, first = m.groups()
    compiled = re.compile(rf"{groups}{first}(?<!{before}[\s\S]){pattern[m.end() :]}", flags)
    REWRITTEN.append((pattern, flags, compiled))
    return compiled
