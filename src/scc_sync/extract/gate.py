"""Fast forms of the extraction's patterns, each finding exactly what the plain pattern finds.

- `Gated`: a pattern behind a cheap gate. Most sentences lack every word a pattern needs, and substring
  tests on the lower-cased text cost far less than running a large case-insensitive alternation over it
  (Python's `in` on a few words is also faster than a regular expression alternation of them).
- `Folded`: a case-insensitive pattern run as its lower-case, case-sensitive twin on the lower-cased text.
  The engine tries the branches of a case-insensitive alternation one by one, letter by letter; those of a
  case-sensitive one it skips by their first letter, which on long alternations is several times faster.
- `class_first`: a pattern that opens with a lookbehind rewritten to open with a character class.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

# The letters the case-insensitive patterns are written with. For every character except FOLD_APART,
# IGNORECASE matches one of them exactly when `str.lower()` gives it, and `str.lower()` keeps the length of
# the text (a test checks every character): so in a text without FOLD_APART a case-insensitive pattern finds
# what its lower-case twin finds in the lower-cased text, at the same places.
LETTERS = "abcdefghijklmnopqrstuvwxyzäöüßéèáàíóúçñëïâêîôûå"
FOLD_APART = ("İ", "ı", "ſ")  # "İ" lower-cases to two characters; "ı" and "ſ" match "i" and "s"


def folds_plainly(text: str) -> bool:
    """Whether the lower-cased `text` stands for `text` under IGNORECASE (see LETTERS)."""
    return text.isascii() or not has_any(text, FOLD_APART)


# The texts of the page being read, lower-cased, and whether that form stands for them (`folds_plainly`):
# a sentence is asked about by dozens of patterns, and lower-casing German text costs more than the look-up.
# Emptied for each page (`new_page`), and whenever it grows large (a caller that never starts a page).
_LOWER: dict[str, tuple[str, bool]] = {}
_LOWER_MAX = 8192


def new_page() -> None:
    """Forget the last page's texts."""
    _LOWER.clear()


def _lower(text: str) -> tuple[str, bool]:
    got = _LOWER.get(text)
    if got is None:
        if len(_LOWER) >= _LOWER_MAX:
            _LOWER.clear()
        got = _LOWER[text] = (text.lower(), folds_plainly(text))
    return got


def lowered(text: str) -> str:
    """`text.lower()`, remembered for the page."""
    return _lower(text)[0]


def has_any(text: str, words: tuple[str, ...]) -> bool:
    """`any(w in text for w in words)` as a plain loop, which costs a quarter less than the generator."""
    for word in words:  # noqa: SIM110 - the loop is the point
        if word in text:
            return True
    return False


def _lower_pattern(pattern: str) -> str:
    """The pattern with its letters in lower case (not its escapes, group names and flags); ValueError for
    what this cannot turn into a twin: other letters, letters written as escapes, local flags."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith(("(?P<", "(?P="), i):
            j = pattern.index(">" if pattern[i + 3] == "<" else ")", i)
            out.append(pattern[i : j + 1])
            i = j + 1
        elif (pattern.startswith("(?", i) and pattern[i + 2 : i + 3].isalpha()) or pattern.startswith(
            "(?-", i
        ):
            raise ValueError(f"local flags in {pattern[:40]!r}")
        elif c == "\\":
            if pattern[i + 1] in "xuUN01234567":
                raise ValueError(f"an escaped character in {pattern[:40]!r}")
            out.append(pattern[i : i + 2])
            i += 2
        else:
            if c.isalpha() and c.lower() not in LETTERS:
                raise ValueError(f"the letter {c!r} in {pattern[:40]!r}")
            out.append(c.lower())
            i += 1
    return "".join(out)


FOLDED: list[Folded] = []  # every one made: a test compares each with its pattern


class Folded:
    """A case-insensitive pattern run as its lower-case twin on the lower-cased text (see LETTERS). The
    matches are the pattern's own: found again on the text itself at the start the twin found."""

    __slots__ = ("rx", "twin")

    def __init__(self, rx: re.Pattern[str], *, register: bool = True) -> None:
        """`register`: list it in FOLDED, which a test goes through (not for patterns made per page)."""
        if not rx.flags & re.IGNORECASE:
            raise ValueError(f"not case-insensitive: {rx.pattern[:40]!r}")
        self.rx = rx
        self.twin = re.compile(_lower_pattern(rx.pattern), rx.flags & ~re.IGNORECASE)
        if register:
            FOLDED.append(self)

    @property
    def pattern(self) -> str:
        return self.rx.pattern

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        low, plain = _lower(text)
        if not plain:
            return self.rx.search(text, pos, endpos)
        m = self.twin.search(low, pos, endpos)
        return None if m is None else self.rx.match(text, m.start(), endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        low, plain = _lower(text)
        if not plain:
            return self.rx.match(text, pos, endpos)
        return self.rx.match(text, pos, endpos) if self.twin.match(low, pos, endpos) else None

    def fullmatch(self, text: str) -> re.Match[str] | None:
        low, plain = _lower(text)
        if not plain:
            return self.rx.fullmatch(text)
        return self.rx.fullmatch(text) if self.twin.fullmatch(low) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        low, plain = _lower(text)
        if not plain:
            yield from self.rx.finditer(text)
            return
        for m in self.twin.finditer(low):
            found = self.rx.match(text, m.start())
            if found is not None:  # always: the twin and the pattern match alike
                yield found


def folded(pattern: str, flags: int) -> Folded:
    """`re.compile(pattern, flags)` (flags with IGNORECASE) as a `Folded` pattern."""
    return Folded(re.compile(pattern, flags))


class Gated:
    """`rx`, run only on texts whose lower-cased form contains one of `needs` (lower-case words one of
    which every match of `rx` contains), given as one string separated by "|"; a case-insensitive `rx`
    runs as its `Folded` twin on that lower-cased form."""

    __slots__ = ("folded", "needs", "rx")

    def __init__(self, rx: re.Pattern[str], needs: str) -> None:
        self.rx = rx
        self.needs = tuple(needs.split("|"))
        self.folded = Folded(rx) if rx.flags & re.IGNORECASE else None

    def passes(self, text: str) -> bool:
        low, plain = _lower(text)
        # a text with FOLD_APART characters may match without a need in its lower-cased form
        return not plain or has_any(low, self.needs)

    def search(self, text: str) -> re.Match[str] | None:
        if not self.passes(text):
            return None
        return self.folded.search(text) if self.folded else self.rx.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if not self.passes(text):
            return iter(())
        return self.folded.finditer(text) if self.folded else self.rx.finditer(text)


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


def rewritten(plain: str, fast: str, flags: int = 0) -> re.Pattern[str]:
    """`fast`, a pattern written to match exactly what `plain` matches but faster (a class first, say,
    where `plain` opens with a lookbehind and a repetition); the test that compares every REWRITTEN
    pattern with its plain form holds it to that."""
    compiled = re.compile(fast, flags)
    REWRITTEN.append((plain, flags, compiled))
    return compiled
