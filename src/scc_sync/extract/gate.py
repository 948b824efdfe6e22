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
