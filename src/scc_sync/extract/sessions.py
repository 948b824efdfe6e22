"""Program items (panels, sessions, keynotes) named in quotation marks, with their day.

Not every quotation is a session: a quote only counts when a program word stands close to it
("Unter dem Titel „…“", "Das Panel „…“", 'a session titled "…"').
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from itertools import takewhile
from typing import Literal

from scc_sync.extract.gate import folded
from scc_sync.extract.text import Sentence
from scc_sync.models import Session

_QUOTE = re.compile(
    r"„([^“”\"„]{6,160})[“”\"]|“([^”“]{6,160})”|»([^«»]{6,160})«|«([^«»]{6,160})»|"
    r"\"([^\"]{6,160})\"|‘([^’]{6,160})’"
)
_CUE = folded(
    r"(?:unter dem (?:Titel|Motto|Thema)|Titel|Motto|Panel\w*|Podium\w*|Diskussion\w*|Gesprächsrunde|"
    r"Expertenrunde|Forum|Foren|Session\w*|Workshop\w*|Vortrag\w*|Keynote\w*|Impulsvortrag\w*|Fachforum|Programmpunkt\w*|"
    r"Themenblock|Track|Masterclass|Talk|Fireside[- ]Chat|titled|entitled|called|themed|session|panel|"
    r"workshop|keynote|talk|track|discussion)",
    re.IGNORECASE,
)
_CUE_AFTER = re.compile(r"^\W{0,3}(?:lautete|hieß|war der Titel|lautet|was the title|is the title)", re.I)
_HEADING_SESSION = re.compile(
    r"^(?:Panel|Session|Workshop|Keynote|Forum|Podium(?:sdiskussion)?|Talk)\s*\d*\s*"
    r"[:–—-]\s*(?P<title>.{6,160})$",
    re.IGNORECASE,
)
# A program line: "10:30 Uhr – Podiumsdiskussion: Smarte Regionen", "14:00 – Panel: …"
_PROGRAM_LINE = re.compile(
    r"^(?:\d{1,2}[:.]\d\d(?:\s*(?:[–—-]|bis)\s*\d{1,2}[:.]\d\d)?\s*(?:Uhr|h|am|pm)?\s*[–—:|-]?\s*)"
    r"(?:Panel\w*|Session|Workshop|Keynote|Forum|Fachforum|Podium\w*|Diskussion\w*|Talk|Vortrag|"
    r"Impulsvortrag|Fireside[- ]Chat|Masterclass)\s*\d*\s*[:–—-]\s*(?P<title>[^\n]{6,160})$",
    re.IGNORECASE,
)
# "… die Podiumsdiskussionen „A“ und „B“": a quote joined to a program item is one too
_JOINED = re.compile(r"^\s*(?:,|und|sowie|and|or|oder)\s*$")
_DAY_ORDINAL = {
    "ersten": 0,
    "zweiten": 1,
    "dritten": 2,
    "vierten": 3,
    "first": 0,
    "second": 1,
    "third": 2,
    "fourth": 3,
    "one": 0,
    "two": 1,
    "three": 2,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
}
_DAY = folded(
    r"\b(?:am|on the|the)?\s*(?P<ord>ersten|zweiten|dritten|vierten|first|second|third|fourth)\s+"
    r"(?:Tag|Veranstaltungstag|Konferenztag|day)\b|\b(?:Tag|Day)\s+(?P<num>one|two|three|[1-4])\b",
    re.IGNORECASE,
)

DateFinder = Callable[[Sentence], list[tuple[date, date]]]


def _quoted(sentence: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _QUOTE.finditer(sentence):
        title = " ".join(next(g for g in m.groups() if g).split())
        if not re.search(r"[.!?]\s", title):  # US style puts the comma inside: “Digital Equity,”
            title = title.rstrip(",;.").rstrip()
        out.append((m.start(), m.end(), title))
    return out


def _is_session(sentence: str, start: int, end: int, title: str) -> bool:
    if len(title.split()) < 2 or (title.endswith((".", "!")) and len(title.split()) > 14):
        return False
    before = sentence[max(0, start - 45) : start]
    return bool(_CUE.search(before)) or bool(_CUE_AFTER.match(sentence[end : end + 30]))


def _quoted_sessions(sentence: str) -> list[str]:
    titles: list[str] = []
    previous_end: int | None = None
    for a, b, t in _quoted(sentence):
        joined = previous_end is not None and _JOINED.match(sentence[previous_end:a])
        if _is_session(sentence, a, b, t) or (joined and len(t.split()) >= 2):
            titles.append(t)
            previous_end = b
        else:
            previous_end = None
    return titles


def _day_offset(text: str) -> int | None:
    m = _DAY.search(text)
    if not m:
        return None
    return _DAY_ORDINAL.get((m.group("ord") or m.group("num") or "").lower())


def _session_date(
    idx: int, sents: Sequence[Sentence], dates_of: DateFinder, event: tuple[date, date] | None
) -> date | None:
    """A date in the sentence, else a day ordinal or a date earlier in the same section."""
    if event is not None and event[0] == event[1]:
        return event[0]  # a one-day event: every program item is on that day
    block = [s for s in sents[idx::-1] if s.block == sents[idx].block]
    for s in takewhile(lambda s: s.block == sents[idx].block, sents[idx::-1]):
        found = _day_of(s, dates_of, event)
        if found is not False or dates_of(s):
            return found or None
    # "Tag 2: Mittwoch, 27. Oktober" as the section's heading dates what is under it
    heading = next(
        (s for s in sents[idx::-1] if s.kind == "heading" and s.section == sents[idx].section), None
    )
    return (_day_of(heading, dates_of, event) or None) if heading and heading not in block else None


def _day_of(
    s: Sentence, dates_of: DateFinder, event: tuple[date, date] | None
) -> date | Literal[False] | None:
    """The one event day a sentence names (a date or 'am zweiten Tag'); False when it names none."""
    inside = [d for d, _ in dates_of(s) if event is None or event[0] <= d <= event[1]]
    if len(set(inside)) == 1:
        return inside[0]
    offset = _day_offset(s.text)
    if offset is not None and event is not None:
        day = event[0] + timedelta(days=offset)
        return day if day <= event[1] else None
    return False


# "Open Data in der Kreisverwaltung – Jan Petersen zeigte, …": a list item opening with its title
_ITEM_TITLE = re.compile(r"^(?P<title>[A-ZÄÖÜ\d„\"][^–—:.!?]{4,100}?)\s+[–—]\s+\S")


def _listed_sessions(sents: Sequence[Sentence]) -> dict[int, str]:
    """Titles of list items after a lead-in that names program items and ends with a colon
    ("… 21 Sessions an der Wand. Hier meine Highlights:"); two such items in a row make a list."""
    paragraphs: dict[int, list[str]] = {}
    firsts = []  # the first sentence of each paragraph
    for i, s in enumerate(sents):
        if s.kind == "text":
            if s.block not in paragraphs:
                firsts.append(i)
            paragraphs.setdefault(s.block, []).append(s.text)
    found: dict[int, str] = {}
    for n, i in enumerate(firsts):
        lead_in = paragraphs[sents[i].block]
        if not (lead_in[-1].endswith(":") and any(_CUE.search(t) for t in lead_in)):
            continue
        run = []
        for j in firsts[n + 1 :]:
            m = _ITEM_TITLE.match(sents[j].text)
            if not m or len(m.group("title").split()) < 2:
                break
            run.append((j, m.group("title").strip('„“" ')))
        if len(run) >= 2:
            found.update(run)
    return found


def find_sessions(
    sents: Sequence[Sentence], skip: set[int], dates_of: DateFinder, event: tuple[date, date] | None
) -> list[Session]:
    """Sessions in text order, one per title; sentences in `skip` (the next edition) are ignored."""
    found: dict[str, Session] = {}
    listed = _listed_sessions(sents)
    for i, s in enumerate(sents):
        if i in skip:
            continue
        titles: list[str] = []
        line = _PROGRAM_LINE.match(s.text)
        if i in listed:
            titles = [listed[i]]
        elif s.kind == "heading":
            m = _HEADING_SESSION.match(s.text)
            titles = [m.group("title").strip()] if m else []
        elif line:
            titles = [line.group("title").strip().rstrip(".")]
        else:
            titles = _quoted_sessions(s.text)
        for title in titles:
            key = title.lower()
            if key not in found or found[key].date is None:
                found[key] = Session(title, _session_date(i, sents, dates_of, event))
    return list(found.values())
