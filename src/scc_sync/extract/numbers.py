"""Numbers in German and English notation, and counted things ("über 150 Rednerinnen und Redner").

`find_counts(sentence)` finds counts of participants, speakers, exhibitors and partners with their
qualifier. Counts of other things (Stadtwerke, Beschäftigte, Mitglieder) are never matched, because a
count needs one of the kind words right after the number. Generic nouns for people ("180 Fachleute",
"850 Personen", "rund 120 Bürgerinnen und Bürger") count as participants only in a sentence that says
they came or took part. Numbers may be written as words ("rund zweitausend Gäste", "zwei Dutzend
Aussteller"); small word numbers ("eine Rednerin", "drei Gäste" on a panel) are not event sizes.
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
# Number words, German written solid ("zweitausendfünfhundert") and English with spaces or hyphens
_DE_WORD_VALUES = {
    "ein": 1, "eins": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sech": 6,
    "sieben": 7, "sieb": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "zwanzig": 20,
    "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90,
}  # fmt: skip
_EN_WORD_VALUES = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundert": 100, "hundred": 100, "tausend": 1000, "thousand": 1000, "dutzend": 12, "dozen": 12}
_DE_TOKEN = "|".join(sorted([*_DE_WORD_VALUES, "hundert", "tausend", "und"], key=len, reverse=True))
_EN_TOKEN = "|".join(sorted([*_EN_WORD_VALUES, "hundred", "thousand"], key=len, reverse=True))
WORD_NUMBER = rf"(?i:(?:{_DE_TOKEN})+(?:\s+Dutzend)?|(?:{_EN_TOKEN})(?:[\s-]+(?:{_EN_TOKEN}))*(?:\s+dozen)?)"
_WORD_TOKEN_RX = re.compile(rf"{_DE_TOKEN}|{_EN_TOKEN}|dutzend|dozen", re.IGNORECASE)
MIN_WORD_COUNT = 10  # "zwei Referentinnen" is a panel, "zweitausend Gäste" an event


def parse_word_number(raw: str) -> int | None:
    """'zweitausendfünfhundert' → 2500, 'zwei Dutzend' → 24, 'two thousand' → 2000."""
    total = current = 0
    text = raw.lower()
    pos = 0
    for m in _WORD_TOKEN_RX.finditer(text):
        if text[pos : m.start()].strip(" -"):
            return None
        pos = m.end()
        tok = m.group(0)
        if tok == "und":
            continue
        if tok in ("tausend", "thousand"):
            total, current = total + (current or 1) * 1000, 0
        elif tok in _SCALES:
            current = (current or 1) * _SCALES[tok]
        else:
            current += _DE_WORD_VALUES.get(tok) or _EN_WORD_VALUES.get(tok, 0)
    return total + current if not text[pos:].strip() else None


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
    "participants": r"(?:[A-ZÄÖÜ][a-zäöüß]+-?)?(?:Teilnehm|teilnehm|Besucher|besucher)\w*(?:[*:_/]innen)?|"
    r"[A-ZÄÖÜ][a-zäöüß]+gäste|Teilnehm\w*(?:[*:_/]innen)?|Besucher\w*(?:[*:_/]innen)?|Gäste|Gästen|"
    r"Zuschauer\w*(?:[*:_/]innen)?|Zuhörer\w*(?:[*:_/]innen)?|participants?|attendees?|"
    r"visitors?|delegates?|registrants?|Delegierten?|Gäste|Gästen",
    "speakers": r"Redner\w*(?:[*:_/]innen)?|Referent\w*(?:[*:_/]innen)?|Referierende\w*|"
    r"Sprecher\w*(?:[*:_/]innen)?|"
    r"Speaker\w*(?:[*:_/]innen)?|Vortragende\w*|Panelist\w*(?:[*:_/]innen)?|"
    r"Keynote-?Speaker\w*|speakers?|presenters?|panell?ists?",
    "exhibitors": r"(?:[A-ZÄÖÜ][a-zäöüß]+-?)?(?:Aussteller|aussteller)\w*(?:[*:_/]innen)?|Ausstellende\w*|"
    r"exhibitors?",
    "partners": r"Partner(?:innen|n|organisationen|unternehmen)?(?:[*:_/]innen)?|partners?|"
    r"Kooperationspartner\w*",
}
# People in general: participants only where the sentence says they came, met or took part
_GENERIC_PEOPLE = (
    r"Menschen|Personen|Leute|Fachleute|Expert(?:inn)?en|Expert\w*[*:_/]innen|Interessierte\w*|"
    r"Bürgerinnen und Bürger|Bürger\w*[*:_/]innen|Studierende|Student(?:inn)?en|Schülerinnen und Schüler|"
    r"Entscheider\w*|Fachkräfte|Unternehmerinnen und Unternehmer|Unternehmer|Vertreterinnen und Vertreter|"
    r"people|professionals|experts|decision[- ]makers|students|residents|citizens"
)
_ATTENDED = re.compile(
    r"\b(?:kamen|gekommen|kommen|nahmen|teilgenommen|teilnahmen|besuchten|trafen|getroffen|folgten|gefolgt|"
    r"versammelten|diskutierten|tüftelten|informierten|tauschten|nutzten|erlebten|strömten|pilgerten|"
    r"came|attended|joined|gathered|met|took part|turned out|flocked)\b",
    re.IGNORECASE,
)
_KIND = "|".join(f"(?P<k_{name}>{rx})" for name, rx in KINDS.items()) + f"|(?P<k_people>{_GENERIC_PEOPLE})"
# qualifier? number +? up to two lower-case words (adjectives: "hochkarätige", "registered") kind
_COUNT_RX = re.compile(
    rf"(?<![\w.,])(?:(?:{_QUAL})\s+)?(?:(?P<num>{NUMBER})|(?P<word>{WORD_NUMBER}))(?P<plus>\+)?\s+"
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


def _value(m: re.Match[str]) -> int | None:
    if m.group("num"):
        return parse_number(m.group("num"))
    value = parse_word_number(m.group("word"))
    return value if value is not None and value >= MIN_WORD_COUNT else None


def find_counts(sentence: str) -> list[CountMention]:
    """Counts of participants, speakers, exhibitors and partners in one sentence."""
    found: list[CountMention] = []
    attended = _ATTENDED.search(sentence) is not None
    for m in _COUNT_RX.finditer(sentence):
        value = _value(m)
        kind = next((k for k in KINDS if m.group(f"k_{k}")), "participants")
        if m.group("k_people") and not attended:
            continue
        if value is not None and value > 0:
            qualifier = _qualifier(m)
            if qualifier == "exact" and re.search(r"(?i)dutzend|dozen", m.group("word") or ""):
                qualifier = "about"  # "zwei Dutzend" is a round figure
            found.append(CountMention(kind, Count(value, qualifier), m.start(), m.group(0)))
    for m in _REVERSED_RX.finditer(sentence):
        value = parse_number(m.group("num"))
        kind = _REVERSED_KIND[m.group("kind").lower()]
        if value is not None and value > 0 and not any(c.kind == kind for c in found):
            found.append(CountMention(kind, Count(value, _qualifier(m)), m.start(), m.group(0)))
    return found
