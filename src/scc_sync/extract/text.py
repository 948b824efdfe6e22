"""Plain text split into sentences that remember which block (paragraph) they came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SENTENCE = 1_500  # longer runs without a full stop are cut: they are lists or garbage, not prose

_ABBREVIATIONS = {
    "dr", "prof", "ca", "bzw", "nr", "st", "mio", "mrd", "inkl", "ggf", "sog", "vgl", "evtl", "str", "tel",
    "abs", "max", "min", "mr", "mrs", "ms", "jr", "sr", "vs", "etc", "u.a", "z.b", "d.h", "u", "o", "z",
    "e.v", "i", "dipl", "ing", "h.c", "no", "jan", "feb", "mär", "apr", "jun", "jul", "aug", "sep", "sept",
    "okt", "oct", "nov", "dez", "dec", "bspw", "usw",
    "u.s", "ph.d", "ald", "alds", "dist", "gov", "sen", "rep", "hon", "cllr",
}  # fmt: skip
_BOUNDARY = re.compile(r"[.!?]+[\"“”»«']?\s+(?=[„\"“»A-ZÄÖÜ0-9])")


# A news agency's dateline opening a report: "Berlin (dpa) - …", "Frankfurt am Main (dpa/lhe) – …"
DATELINE = re.compile(
    r"^(?P<place>[A-ZÄÖÜ][\wäöüß.'-]*(?:\s+(?:am|an der|im|[A-ZÄÖÜ][\wäöüß.'-]*)){0,3})\s*"
    r"\((?:dpa|AFP|epd|KNA|dts|ddp|AP|APA|SDA|Reuters|sid|ots)(?:[-/][\w-]+)*\)\s*[-–—:]\s+"
)


@dataclass(frozen=True)
class Sentence:
    text: str
    block: int  # index of the block (title, lead, paragraph, heading) it belongs to
    section: int  # index of the section (0 for title/kicker/lead)
    kind: str = "text"  # "title", "kicker", "lead", "heading", "text"


def _open_quote(text: str) -> bool:
    return text.count("„") > text.count("“") or text.count("“") > text.count("”") + text.count("„")


def _word_before_stop(text: str, begin: int, stop: int) -> str | None:
    """The run of word characters and full stops right before the full stop at `stop` ("Dr" in "Dr.",
    "z.B" in "z.B."), as the pattern `([\\w.]+)\\.$` finds it in `text[begin : stop + 1]`; None if
    none or no full stop. Scanned back from the stop: the pattern backtracks on every word before it."""
    if text[stop] != ".":
        return None
    start = stop
    while start > begin and (text[start - 1].isalnum() or text[start - 1] in "_."):
        start -= 1
    return text[start:stop] if start < stop else None


def split_sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        word = _word_before_stop(text, start, m.start())
        if word and (word.lower() in _ABBREVIATIONS or word.isdigit() or len(word) == 1):
            continue
        if _open_quote(text[start : m.start()]):
            continue  # „Who Cares? Pflege und Technik“: a question inside a title does not end the sentence
        out.append(text[start : m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s[:MAX_SENTENCE] for s in out if s]
