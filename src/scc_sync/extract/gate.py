"""A pattern behind a cheap gate: most sentences lack every word a pattern needs, and a substring test on
the lower-cased text costs far less than running a large case-insensitive alternation over it."""

from __future__ import annotations

import re
from collections.abc import Iterator


class Gated:
    """`rx`, run only on texts whose lower-cased form matches `needs` (a plain, case-sensitive
    alternation of lower-case words one of which every match of `rx` contains)."""

    __slots__ = ("needs", "rx")

    def __init__(self, rx: re.Pattern[str], needs: str) -> None:
        self.rx = rx
        self.needs = re.compile(needs)

    def search(self, text: str) -> re.Match[str] | None:
        return self.rx.search(text) if self.needs.search(text.lower()) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.rx.finditer(text) if self.needs.search(text.lower()) else iter(())
