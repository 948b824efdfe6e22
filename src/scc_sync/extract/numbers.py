"""Numbers in German and English notation, and counted things ("über 150 Rednerinnen und Redner").

`find_counts(sentence)` finds counts of participants, speakers, exhibitors and partners with their
qualifier. Counts of other things (Stadtwerke, Beschäftigte, Mitglieder) are never matched, because a
count needs one of the kind words right after the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scc_sync.models import Count, CountQualifier

# 10.600 / 18,000 / 10 600 (group separators need exactly three digits after them) / 150 / 1,5 Mio.
NUMBER = (
    r"(?:\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)"
    r"(?:\s*(?:Mio\.|Millionen|Million|million|Tausend|thousand|k\b))?"
)
_MULTIPLIERS = {
    "mio.": 1_000_000,
    "millionen": 1_000_000,
    "million": 1_000_000,
    "tausend": 1000,
    "thousand": 1000,
    "k": 1000,
}

QUALIFIERS: list[tuple[CountQualifier, str]] = [
    (
        "more_than",
        r"(?:weit |deutlich |insgesamt |knapp |gut )?(?:über|mehr als|more than|over|upwards of|"
        r"in excess of)",
    ),
    ("up_to", r"bis zu|up to"),
    ("at_least", r"mindestens|wenigstens|at least|no fewer than|no less than"),
    (
        "about",
        r"rund|etwa|ca\.|circa|zirka|knapp|fast|nahezu|annähernd|ungefähr|gut|around|about|"
        r"approximately|approx\.|nearly|almost|roughly|some|close to",
    ),
]
_QUAL = "(?i:" + "|".join(f"(?P<q_{name}>{rx})" for name, rx in QUALIFIERS) + ")"  # "Rund", "Über" too

KINDS: dict[str, str] = {
    "participants": r"Teilnehm\w*(?:[*:_/]innen)?|Besucher\w*(?:[*:_/]innen)?|Gäste|Gästen|"
    r"Zuschauer\w*(?:[*:_/]innen)?|Zuhörer\w*(?:[*:_/]innen)?|participants?|attendees?|"
    r"visitors?|delegates?|registrants?|Delegierten?|Gäste|Gästen",
    "speakers": r"Redner\w*(?:[*:_/]innen)?|Referent\w*(?:[*:_/]innen)?|Referierende\w*|"
    r"Sprecher\w*(?:[*:_/]innen)?|"
    r"Speaker\w*(?:[*:_/]innen)?|Vortragende\w*|Panelist\w*(?:[*:_/]innen)?|"
    r"Keynote-?Speaker\w*|speakers?|presenters?|panell?ists?",
    "exhibitors": r"Aussteller\w*(?:[*:_/]innen)?|Ausstellende\w*|exhibitors?",
    "partners": r"Partner(?:innen|n|organisationen|unternehmen)?(?:[*:_/]innen)?|partners?|"
    r"Kooperationspartner\w*",
}
_KIND = "|".join(f"(?P<k_{name}>{rx})" for name, rx in KINDS.items())
# qualifier? number +? up to two lower-case words (adjectives: "hochkarätige", "registered") kind
_COUNT_RX = re.compile(
    rf"(?<![\w.,])(?:(?:{_QUAL})\s+)?(?P<num>{NUMBER})(?P<plus>\+)?\s+"
    rf"(?:[a-zäöüß][\w\-äöüß]*\s+){{0,2}}(?:{_KIND})\b"
)
# "Teilnehmerzahl von rund 3.000", "number of attendees: 5,000"
_REVERSED_RX = re.compile(
    r"(?P<kind>Teilnehm|Besucher|Aussteller|Referent|Redner|participant|attendee|visitor|exhibitor|speaker)"
    rf"\w*(?:zahl|zahlen| numbers?| count)\w*\W+(?:\w+\W+){{0,3}}?(?:(?:{_QUAL})\s+)?(?P<num>{NUMBER})"
    r"(?![\d.,]*\s*(?:Prozent|percent|%))",
    re.IGNORECASE,
)
_REVERSED_KIND = {
    "teilnehm": "participants",
    "besucher": "participants",
    "participant": "participants",
    "attendee": "participants",
    "visitor": "participants",
    "aussteller": "exhibitors",
    "exhibitor": "exhibitors",
    "referent": "speakers",
    "redner": "speakers",
    "speaker": "speakers",
}


@dataclass(frozen=True)
class CountMention:
    kind: str
    count: Count
    start: int
    text: str


def parse_number(raw: str) -> int | None:
    """'10.600' → 10600, '18,000' → 18000, '1,5 Mio.' → 1500000; None if it is no number."""
    raw = raw.strip()
    mult = 1
    m = re.search(r"\s*(Mio\.|Millionen|Million|million|Tausend|thousand|k)$", raw)
    if m:
        mult = _MULTIPLIERS[m.group(1).lower()]
        raw = raw[: m.start()]
    if re.fullmatch(r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+", raw):
        return int(re.sub(r"\D", "", raw)) * mult
    if re.fullmatch(r"\d+(?:[.,]\d+)?", raw):
        return round(float(raw.replace(",", ".")) * mult)
    return None


def _qualifier(m: re.Match[str]) -> CountQualifier:
    for name, _ in QUALIFIERS:
        if m.groupdict().get(f"q_{name}"):
            return name
    return "more_than" if m.groupdict().get("plus") else "exact"


def find_counts(sentence: str) -> list[CountMention]:
    """Counts of participants, speakers, exhibitors and partners in one sentence."""
    found: list[CountMention] = []
    for m in _COUNT_RX.finditer(sentence):
        value = parse_number(m.group("num"))
        kind = next(k for k in KINDS if m.group(f"k_{k}"))
        if value is not None and value > 0:
            found.append(CountMention(kind, Count(value, _qualifier(m)), m.start(), m.group(0)))
    for m in _REVERSED_RX.finditer(sentence):
        value = parse_number(m.group("num"))
        kind = _REVERSED_KIND[m.group("kind").lower()]
        if value is not None and value > 0 and not any(c.kind == kind for c in found):
            found.append(CountMention(kind, Count(value, _qualifier(m)), m.start(), m.group(0)))
    return found
