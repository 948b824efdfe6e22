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
from collections.abc import Iterator
from dataclasses import dataclass

from scc_sync.extract.gate import folded, has_any, lowered
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
    r"Zuschauer\w*(?:[*:_/]innen)?|Zuhörer\w*(?:[*:_/]innen)?|(?i:participants?|attendees?|"
    r"visitors?|delegates?|registrants?)|Delegierten?|Gäste|Gästen",
    "speakers": r"Redner\w*(?:[*:_/]innen)?|Referent\w*(?:[*:_/]innen)?|Referierende\w*|"
    r"Sprecher\w*(?:[*:_/]innen)?|"
    r"Speaker\w*(?:[*:_/]innen)?|Vortragende\w*|Panelist\w*(?:[*:_/]innen)?|"
    r"Keynote-?Speaker\w*|(?i:speakers?|presenters?|panell?ists?)",
    "exhibitors": r"(?:[A-ZÄÖÜ][a-zäöüß]+-?)?(?:Aussteller|aussteller)\w*(?:[*:_/]innen)?|Ausstellende\w*|"
    r"(?i:exhibitors?|vendors|exhibits)",
    "partners": r"Partner(?:innen|n|organisationen|unternehmen)?(?:[*:_/]innen)?|partners?|"
    r"Kooperationspartner\w*",
}
# People in general: participants only where the sentence says they came, met or took part. German
# nouns for people are an open class, so they are known by their endings ("Mobilitätsfachleute",
# "Stadtrepräsentantinnen", "Gemeindeverantwortliche", "Akteure", "Kommunalpolitiker"); the things with
# such endings that turn up next to numbers are named.
_NOT_PEOPLE = (
    r"(?:Länder|Zimmer|Meter|Kilometer|Liter|Container|Computer|Rechner|Bücher|Bilder|Felder|Gelder|Lieder|"
    r"Dächer|Häuser|Räder|Wörter|Teller|Varianten|Prozent|Wochenende|Dutzende|Euro|Mitglieder|September|"
    r"Oktober|October|November|Dezember|December|Center|Number|Quadratmeter)n?\b"
)
_DE_PEOPLE = (
    rf"(?!{_NOT_PEOPLE})[A-ZÄÖÜ][a-zäöüß]{{2,}}(?:(?:er|ant|ent|eur|ist)(?:innen|en|e|n)?|"
    r"(?:ierte|ende|liche|tragte|stellte|ordnete|dienstete)n?|leute|kräfte|räte|gäste)(?:[*:_/]innen)?"
)
_GENERIC_PEOPLE = (
    r"Menschen|Personen|Leute|Expert(?:inn)?en|Expert\w*[*:_/]innen|Interessierte\w*|"
    rf"Bürgerinnen und Bürger|Bürger\w*[*:_/]innen|{_DE_PEOPLE}|"
    r"people|professionals|experts|decision[- ]makers|students|residents|citizens|officials|leaders|"
    r"executives|managers|representatives|practitioners|stakeholders|mayors|council(?:l)?ors|"
    r"commissioners|guests|planners|engineers|researchers|policy ?makers|staff"
)
_ATTENDED = folded(
    r"\b(?:kamen|gekommen|kommen|nahmen|teilgenommen|teilnahmen|besuchten|trafen|getroffen|folgten|gefolgt|"
    r"versammelten|diskutierten|tüftelten|informierten|tauschten|ausgetauscht|nutzten|erlebten|strömten|"
    r"pilgerten|begrüßt\w*|erschienen|besucht|zählte\w*|verzeichnete\w*|registrierte\w*|came|attended|"
    r"attending|joined|gathered|met|took part|turned out|flocked|"
    r"travell?ed|tuned in|registered|signed up|on hand|welcomed|conven\w+|will attend|drawing|drew|draws|"
    r"attract\w*|lockte\w*|"
    r"(?:are|were) (?:in|at) [A-Z])",
    re.IGNORECASE,
)
# Companies and bodies: exhibitors where the sentence shows them presenting, partners where it names them so
_ORGS = (
    r"Unternehmen|Firmen|Vereine|Institutionen|Organisationen|Verbände|Verbänden|Betriebe|Hersteller|"
    r"Anbieter|Start-?ups|Hochschulen|companies|organi[sz]ations|firms|institutions|businesses"
)
_AS_PARTNERS = re.compile(r"\bals\b[^.;]{0,40}[Pp]artner|\bas (?:\w+ )?(?:partners|sponsors)\b")
_PRESENTING = re.compile(
    r"Aussteller|Ausstellung|[Mm]esse|\bStand\b|Ständen|\bstellten\b[^.;]*\b(?:vor|aus)\b|präsentierten|"
    r"zeigten|exhibit|booths?|showcased|trade show"
)
_KIND = (
    "|".join(f"(?P<k_{name}>{rx})" for name, rx in KINDS.items())
    + f"|(?P<k_people>{_GENERIC_PEOPLE})|(?P<k_orgs>{_ORGS})"
)


def _count_rx(word_number: str) -> re.Pattern[str]:
    """qualifier? number +? up to two lower-case words (adjectives: "hochkarätige", "registered") kind"""
    return re.compile(
        rf"(?<![\w.,])(?:(?:{_QUAL})\s+)?(?:(?P<num>{NUMBER})|(?P<word>{word_number}))(?P<plus>\s?\+)?\s+"
        rf"(?P<between>(?:[a-zäöüß][\w\-äöüß]*\s+){{0,2}})(?:{_KIND})(?![\wäöüß])"
    )


_COUNT_RX = _count_rx(WORD_NUMBER)
_DIGIT = re.compile(r"\d")
_DIGIT_COUNT_RX = _count_rx("(?!)")  # most sentences have no number words: a lighter pattern for them
# A count written in digits starts at its number (a digit with no word character, full stop or comma before
# it) or at a qualifier before it; the qualifier is at most QUALIFIER_CHARS long and white space follows it
_DIGITS = re.compile(r"\d+")  # a plain character class: the engine skips to the digits at C speed
_QUAL_BEFORE = re.compile(rf"(?<![\w.,])(?:{_QUAL})\s+\Z")  # searched up to a number: \Z is there
QUALIFIER_CHARS = 22  # the longest text `_QUAL` matches ("insgesamt in excess of"); a test keeps it so


def from_numbers(rx: re.Pattern[str], sentence: str) -> Iterator[re.Match[str]]:
    """`rx.finditer(sentence)` for a pattern that opens like a count (no word character, full stop or comma
    before it, an optional `_QUAL` and white space, then a number in digits), found from the numbers: `rx`
    runs at each number (and, where it matches there, once more at the qualifier before it) instead of at
    every character, which on prose is most of its cost."""
    end = 0  # the end of the last match: the next one starts there or later
    for digits in _DIGITS.finditer(sentence):
        at = digits.start()
        if at < end or (at and (sentence[at - 1].isalnum() or sentence[at - 1] in "_.,")):
            continue
        m = rx.match(sentence, at)
        if m is None:
            continue  # what follows the number does not match: nor does it after a qualifier
        gap = at
        while gap and sentence[gap - 1].isspace():
            gap -= 1
        if gap < at:  # a qualifier before the number starts the match: the leftmost one that reaches it
            qual = _QUAL_BEFORE.search(sentence, max(end, gap - QUALIFIER_CHARS), at)
            m = (rx.match(sentence, qual.start()) if qual else None) or m
        yield m
        end = m.end()


# pieces one of which every number word of at least ten has ("zwanzig", "dreihundert", "fifteen", "two
# thousand"); a word that has one is a number word only when it is made of number words alone ("Daten")
_TEN_OR_MORE_PIECES = (
    "zehn", "elf", "zwölf", "zig", "ßig", "hundert", "tausend", "dutzend", "ten", "eleven", "twelve", "teen",
    "ty", "hundred", "thousand", "dozen",
)  # fmt: skip


_PIECE = re.compile("|".join(_TEN_OR_MORE_PIECES))


# A word made of number words only, read as `parse_word_number` reads it (each time the first token that
# fits, never another): the one call that tells "Daten" or "city" from "zwanzig" before the word is read
_ALL_NUMBER_TOKENS = re.compile(rf"(?>{_DE_TOKEN}|{_EN_TOKEN}|dutzend|dozen)++", re.IGNORECASE)


def _has_number_word(low: str) -> bool:
    """Whether a lower-cased sentence writes a number of at least ten in words."""
    end = -1
    for m in _PIECE.finditer(low):
        if m.start() < end:
            continue  # the same word
        a, end = m.start(), m.end()
        while a and low[a - 1].isalpha():
            a -= 1
        while end < len(low) and low[end].isalpha():
            end += 1
        if not _ALL_NUMBER_TOKENS.fullmatch(low, a, end):
            continue  # no number word ("Daten", "city"): `parse_word_number` would say None
        value = parse_word_number(low[a:end])
        if value is not None and value >= MIN_WORD_COUNT:
            return True
    return False


# an ordinal is an edition, never a count: "der 12. Fachmesse", "the 58th annual conference"; a number
# that ends a clause ("lag bei 300. Die Aussteller …") is followed by a word that opens a sentence
_NOT_ORDINAL = (
    r"(?-i:(?!\d|[.,]\d)(?!(?:st|nd|rd|th)\b)(?!\.\s+(?:[a-zäöü]|(?!(?:Die|Der|Das|Den|Dem|Des|Ein|Eine|Im|In|Mit|"
    r"Am|Auch|Zudem|Damit|Dabei|Davon|Darunter|So|Es|Sie|Er|Wir|Bei|Nach|Vor|Für|Zum|Zur|Und|Aber|The|"
    r"It|This|They|We)\b)[A-ZÄÖÜ])))"
)
# "die 1.615 Connecting through Cycling Teilnehmenden": a name between the number and the participants
_NAMED_RX = re.compile(
    rf"\b(?:die|den|der|the)\s+(?:(?:{_QUAL})\s+)?(?P<num>{NUMBER})\s+(?:[\w-]+\s+){{1,4}}?"
    r"(?:Teilnehm\w*(?:[*:_/]innen)?|participants|attendees)"
)
# "more than 1,600 in attendance", "attendance of over 2,000"
_ATTENDANCE_RX = re.compile(
    rf"(?<![\w.,])(?:(?:{_QUAL})\s+)?(?P<num>{NUMBER})(?P<plus>\s?\+)?\s+(?:people\s+)?in attendance\b",
    re.IGNORECASE,
)
# English names people by any plural noun when they are the subject of coming: "Over 400 clerks attended",
# "some 90 assessors from across the state gathered"; units and things are no people
_EN_SUBJECT_RX = re.compile(
    rf"(?<![\w.,])(?:(?:{_QUAL})\s+)?(?P<num>{NUMBER})(?P<plus>\s?\+)?\s+(?:[a-z][\w-]*\s+){{0,3}}?"
    r"(?!(?:years|days|hours|minutes|weeks|months|sessions|countries|states|cities|counties|nations|miles|"
    r"percent|dollars|times|points|projects|workshops|companies|organi[sz]ations|teams|panels|events|"
    r"exhibits|booths|schools|members|tickets|seats|rooms)\b)[a-z]{3,}s"
    r"(?:\s+(?:from|of|representing)\s+[^,.;]{0,60}?)?\s+(?:attended|gathered|came|joined|took part|"
    r"participated|turned out|convened|registered|were (?:on hand|in attendance|present))\b"
)
_ATTENDANCE_OF_RX = re.compile(
    rf"\battendance (?:of|reached|topped|was)\s+(?:(?:{_QUAL})\s+)?(?P<num>{NUMBER}){_NOT_ORDINAL}",
    re.IGNORECASE,
)
# a total for this edition's newcomers is no total: "280 first-time exhibitors", "500 joining us for the
# first time", "davon 40 Erstaussteller"
_FIRST_TIMERS = re.compile(r"\b(?:first|new|neue[nr]?|erstmalige[nr]?)\b|^(?:Erst|Neu)", re.IGNORECASE)
_FOR_THE_FIRST_TIME = re.compile(r"^[^.;,()]{0,40}\b(?:for the first time|zum ersten Mal|erstmals)\b")
# a year is never a count: "Kommunale 2015 Aussteller", "im Jahr 2019 Besucher"
_YEAR_BEFORE = re.compile(
    r"(?:\b(?!(?:Die|Der|Das|Den|Dem|The|Mit|With|Über|Rund|Insgesamt)\b)[A-ZÄÖÜ][\w-]*|"
    r"\b(?:im|seit|Jahr|year|in|since|bis|of))\s*$"
)
_REVERSED_KINDS = (
    r"Teilnehm|Besucher|Aussteller|Referent|Redner|participant|attendee|visitor|exhibitor|speaker"
)
# "Teilnehmerzahl von rund 3.000", "number of attendees: 5,000", "Anzahl der Teilnehmer: 120", "exhibitors
# (over 900, a record)"
_REVERSED_RX = re.compile(
    rf"(?:(?P<kind>{_REVERSED_KINDS})\w*(?:zahl|zahlen| numbers?| count)\w*\W+(?:\w+\W+){{0,3}}?|"
    rf"\b(?:Anzahl|Zahl|number|total)\s+(?:der|of)\s+(?P<kind2>{_REVERSED_KINDS})\w*\s*:?\s*|"
    rf"(?P<kind3>{_REVERSED_KINDS})\w*\s*\(\s*)"
    rf"(?:(?:{_QUAL})\s+)?(?P<num>{NUMBER}){_NOT_ORDINAL}(?![\d.,]*\s*(?:Prozent|percent|%))",
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


# the words without which a form cannot match, tested on the lower-cased sentence before the form runs
_OTHER_FORMS = [
    (_NAMED_RX, ("teilnehm", "participants", "attendees")),
    (_ATTENDANCE_RX, ("attendance",)),
    (_ATTENDANCE_OF_RX, ("attendance",)),
    (
        _EN_SUBJECT_RX,
        (
            "attended",
            "gathered",
            "came",
            "joined",
            "took part",
            "participated",
            "turned out",
            "convened",
            "registered",
            "on hand",
            "in attendance",
            "present",
        ),
    ),
]
_NUMBER_FIRST = (_ATTENDANCE_RX, _EN_SUBJECT_RX)  # the forms that open like a count: see `from_numbers`
_REVERSED_NEEDS = ("zahl", "number", "count", "total", "(")
_REVERSED_KIND_NEEDS = tuple(_REVERSED_KINDS.lower().split("|"))


@dataclass(frozen=True)
class CountMention:
    kind: str
    count: Count
    start: int
    text: str


_MULTIPLIER_END = re.compile(r"\s*(Mio\.|Millionen|Million|million|Tausend|thousand|k)$")
_GROUPED = re.compile(r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+")
_NOT_DIGIT = re.compile(r"\D")
_PLAIN = re.compile(r"\d+(?:[.,]\d+)?")
_AUS_BEFORE = re.compile(r"\baus\s*$")
_YEAR_ONLY = re.compile(r"(?:19|20)\d\d")


def parse_number(raw: str) -> int | None:
    """'10.600' → 10600, '18,000' → 18000, '1,5 Mio.' → 1500000; None if it is no number."""
    raw = raw.strip()
    mult = 1
    m = _MULTIPLIER_END.search(raw)
    if m:
        mult = _MULTIPLIERS[m.group(1).lower()]
        raw = raw[: m.start()]
    if _GROUPED.fullmatch(raw):
        return int(_NOT_DIGIT.sub("", raw)) * mult
    if _PLAIN.fullmatch(raw):
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


def _kind(m: re.Match[str], sentence: str) -> str | None:
    """What a number counts: a kind word, people who came, or companies presenting or partnering."""
    if m.group("k_people"):
        return "participants" if _ATTENDED.search(sentence) else None
    if m.group("k_orgs"):
        rest = sentence[m.end() :]
        if _AS_PARTNERS.search(rest):
            return "partners"
        return "exhibitors" if _PRESENTING.search(sentence) else None
    return next((k for k in KINDS if m.group(f"k_{k}")), None)


def _side_figure(m: re.Match[str], sentence: str, parens: list[tuple[int, int]]) -> bool:
    """A number that is not this edition's total: in brackets ("(189 Aussteller) im Vergleich …"),
    of newcomers, of origins ("aus 28 Ländern"), or a year."""
    if any(a < m.start() < b for a, b in parens):
        return True
    counted = m.group(0)[len(m.group(0).rstrip()) :] or m.group(0).split()[-1]
    if _FIRST_TIMERS.search(m.group("between") or "") or _FIRST_TIMERS.search(counted):
        return True
    if _FOR_THE_FIRST_TIME.search(sentence[m.end() :]):
        return True
    before = sentence[: m.start()]
    if _AUS_BEFORE.search(before):
        return True
    raw = m.group("num") or ""
    qualified = any(m.group(f"q_{name}") for name, _ in QUALIFIERS)
    return bool(_YEAR_ONLY.fullmatch(raw) and not qualified and _YEAR_BEFORE.search(before))


def _brackets(sentence: str) -> list[tuple[int, int]]:
    return [(b.start(), b.end()) for b in re.finditer(r"\([^()]*\)", sentence)]


def may_count(sentence: str) -> bool:
    """The cheap test `find_counts` starts with: a count needs a digit or a number word of at least ten."""
    return _DIGIT.search(sentence) is not None or _has_number_word(lowered(sentence))


def find_counts(sentence: str) -> list[CountMention]:
    """Counts of participants, speakers, exhibitors and partners in one sentence, in text order."""
    low = lowered(sentence)
    words = _has_number_word(low)
    if not words and not _DIGIT.search(sentence):
        return []  # a cheap test first: a count needs a digit or a number word of at least ten
    found: list[CountMention] = []
    parens = _brackets(sentence) if "(" in sentence else []
    for m in _COUNT_RX.finditer(sentence) if words else from_numbers(_DIGIT_COUNT_RX, sentence):
        value = _value(m)
        kind = _kind(m, sentence)
        if kind is None or value is None or value <= 0 or _side_figure(m, sentence, parens):
            continue
        qualifier = _qualifier(m)
        if qualifier == "exact" and re.search(r"(?i)dutzend|dozen", m.group("word") or ""):
            qualifier = "about"  # "zwei Dutzend" is a round figure
        found.append(CountMention(kind, Count(value, qualifier), m.start(), m.group(0)))
    extra = [
        (m, "participants")
        for rx, needs in _OTHER_FORMS
        if has_any(low, needs)
        for m in (from_numbers(rx, sentence) if rx in _NUMBER_FIRST else rx.finditer(sentence))
    ]
    reversed_forms = has_any(low, _REVERSED_NEEDS) and has_any(low, _REVERSED_KIND_NEEDS)
    for m in _REVERSED_RX.finditer(sentence) if reversed_forms else ():
        kind_word = m.group("kind") or m.group("kind2") or m.group("kind3")
        extra.append((m, _REVERSED_KIND[kind_word.lower()]))
    for m, kind in extra:
        value = parse_number(m.group("num"))
        overlaps = any(c.start <= m.start() < c.start + len(c.text) for c in found)
        if value is not None and value > 0 and not overlaps:
            found.append(CountMention(kind, Count(value, _qualifier(m)), m.start(), m.group(0)))
    return _without_subgroups(sorted(found, key=lambda c: c.start), sentence)


# "more than 1,600 in attendance, including 600 executives", "500 Gäste, darunter 80 Bürgermeister"
_SUBGROUP = re.compile(
    r"\b(?:including|among them|of whom|darunter|unter ihnen|inklusive)\s*$", re.IGNORECASE
)


def _without_subgroups(found: list[CountMention], sentence: str) -> list[CountMention]:
    """Drop a part of a total already counted in the sentence (a part of another kind is that kind's
    total: "280 Teilnehmer, davon 55 Aussteller")."""
    kept: list[CountMention] = []
    for c in found:
        part = _SUBGROUP.search(sentence[: c.start])
        if part and any(k.kind == c.kind for k in kept):
            continue
        kept.append(c)
    return kept
