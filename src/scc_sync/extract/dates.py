"""German and English date phrases: single dates and ranges, with or without a year.

`find_dates(text)` returns every date phrase as a `DateMention` with the year left open where the text
omits it; `resolve(mention, ref)` turns it into real dates, inferring a missing year from a reference
date (normally the publication date).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from scc_sync.extract.gate import Folded, folded, lowered

MONTHS: dict[str, int] = {
    "januar": 1, "jänner": 1, "jan": 1, "january": 1,
    "februar": 2, "feb": 2, "february": 2,
    "märz": 3, "maerz": 3, "mär": 3, "mrz": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "dez": 12, "december": 12, "dec": 12,
}  # fmt: skip

WEEKDAYS: dict[str, int] = {
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5,
    "sonnabend": 5, "sonntag": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Longest names first so "September" wins over "Sep"; genitive "Oktobers" and "Sept." allowed.
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?:s\b|\.|\b)"
_Y = r"(?:19|20)\d\d"
_D = r"[0-3]?\d"
_WD = (
    r"(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)"
)
# "3. Mai bis 5. Mai", and with weekdays: "Dienstag, 3. Mai, bis Donnerstag, 5. Mai"
_DASH = rf"\s*,?\s*(?:-|–|—|bis(?:\s+zum)?|to|through|until)\s*(?:{_WD}\s*,?\s*(?:den\s+)?)?"
_AND = r"\s*(?:und|and|&|/)\s*"  # "am 19. und 20.11."
_SEP = r"\s*(?:-|–|—|/|&|bis(?:\s+zum)?|und|to|through|and)\s*"

# (name, pattern); named groups d1 m1 y1 d2 m2 y2 (numeric months: n1 n2; two-digit years: yy1 yy2).
_PATTERNS: list[tuple[str, str]] = [
    ("iso", rf"\b(?P<y1>{_Y})-(?P<n1>[01]\d)-(?P<d1>[0-3]\d)(?!\d)"),
    ("de_cross", rf"\b(?P<d1>{_D})\.\s*(?P<m1>{_MONTH})\s*(?P<y1>{_Y})?{_DASH}(?P<d2>{_D})\.\s*"
                 rf"(?P<m2>{_MONTH})(?:\s*(?P<y2>{_Y}))?"),
    ("de_range", rf"\b(?P<d1>{_D})\.?{_SEP}(?P<d2>{_D})\.\s*(?P<m2>{_MONTH})(?:\s*(?P<y2>{_Y}))?"),
    ("num_range", rf"\b(?P<d1>{_D})\.(?:(?P<n1>[01]?\d)\.(?P<y1>{_Y})?)?(?:{_DASH}|{_AND})(?P<d2>{_D})\."
                  rf"(?P<n2>[01]?\d)\.(?:(?P<y2>{_Y})|(?P<yy2>\d\d)\b)?"),
    # typed with spaces, "vom 18. bis 19. 5. 2022": only with its year, else "Platz 3. 4." would be a date
    ("num_range_spaced", rf"\b(?P<d1>{_D})\.{_DASH}(?P<d2>{_D})\.\s(?P<n2>[01]?\d)\.\s?(?P<y2>{_Y})"),
    ("en_cross", rf"\b(?P<m1>{_MONTH})\s*(?P<d1>{_D})(?:st|nd|rd|th)?{_DASH}(?P<m2>{_MONTH})\s*(?P<d2>{_D})"
                 rf"(?:st|nd|rd|th)?(?:,?\s*(?P<y2>{_Y}))?"),
    ("en_range", rf"\b(?P<m2>{_MONTH})\s*(?P<d1>{_D})(?:st|nd|rd|th)?{_SEP}(?P<d2>{_D})(?:st|nd|rd|th)?\b"
                 rf"(?:,?\s*(?P<y2>{_Y}))?"),
    ("en_drange", rf"\b(?P<d1>{_D})(?:st|nd|rd|th)?{_SEP}(?P<d2>{_D})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH})"
                  rf"(?:,?\s*(?P<y2>{_Y}))?"),
    ("de_single", rf"\b(?P<d1>{_D})\.\s*(?P<m1>{_MONTH})(?:\s*(?P<y1>{_Y}))?"),
    ("num_single_spaced", rf"\b(?P<d1>{_D})\.\s(?P<n1>[01]?\d)\.\s?(?P<y1>{_Y})"),
    ("num_single", rf"\b(?P<d1>{_D})\.(?P<n1>[01]?\d)\.(?:(?P<y1>{_Y})|(?P<yy1>\d\d)\b)?(?![\d.])"),
    ("en_single", rf"\b(?P<m1>{_MONTH})\s*(?P<d1>{_D})(?:st|nd|rd|th)?\b(?!\.\d)(?:,?\s*(?P<y1>{_Y}))?"),
    ("en_dsingle", rf"\b(?P<d1>{_D})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH})(?:,?\s*(?P<y1>{_Y}))?"),
]  # fmt: skip
# the patterns that open with a month name run as lower-case twins (see gate.Folded): a case-insensitive
# alternation of month names tried at every character is what costs; those that open with a digit do not
_MONTH_FIRST = {"en_cross", "en_range", "en_single"}
_COMPILED: list[tuple[str, re.Pattern[str] | Folded]] = [
    (name, folded(p, re.IGNORECASE) if name in _MONTH_FIRST else re.compile(p, re.IGNORECASE))
    for name, p in _PATTERNS
]
# what each kind of pattern needs in the text, tested once per text: a month name, "dd.mm", "yyyy-mm-dd"
# what each kind of pattern needs in the text, tested once per text on its lower-cased form: a day before a
# month name ("3. mai", "15-17 november"), a month name before a day ("nov. 5"), "dd.mm", "yyyy-mm-dd"
_NEEDS = {"iso": "iso", "num_range": "numeric", "num_range_spaced": "numeric", "num_single_spaced": "numeric"}
_NEEDS |= {"num_single": "numeric", "de_cross": "day_month", "de_range": "day_month"}
_NEEDS |= {"de_single": "day_month"}
_NEEDS |= {"en_cross": "month_day", "en_range": "month_day", "en_single": "month_day"}
_NEEDS |= {"en_drange": "digit_month", "en_dsingle": "digit_month"}
_HAS = {
    "day_month": re.compile(rf"\d\.\s*{_MONTH}"),
    "month_day": re.compile(rf"{_MONTH}\s*\d"),
    "digit_month": re.compile(rf"\d(?:st|nd|rd|th)?\s+{_MONTH}"),
    "numeric": re.compile(r"\d\.\s?[01]?\d\."),
    "iso": re.compile(r"\d-[01]\d-"),
}
_WEEKDAY_BEFORE = folded(
    r"\b(?P<wd>" + "|".join(WEEKDAYS) + r")\s*,?\s*(?:den|dem|am|the)?\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class DateMention:
    """One date phrase as written; years are None where the text leaves them out."""

    start: int  # character offsets in the text searched
    end: int
    text: str
    d1: int
    m1: int
    y1: int | None
    d2: int | None = None
    m2: int | None = None
    y2: int | None = None
    weekday: str | None = None  # a weekday written right before the date ("Donnerstag, dem")

    @property
    def is_range(self) -> bool:
        return self.d2 is not None


def _year(m: re.Match[str], long: str, short: str) -> int | None:
    if m.groupdict().get(long):
        return int(m.group(long))
    if m.groupdict().get(short):
        yy = int(m.group(short))
        return 2000 + yy if yy < 70 else 1900 + yy
    return None


def _month_name(raw: str) -> int | None:
    name = raw.lower().rstrip(".")
    return MONTHS.get(name) or (MONTHS.get(name[:-1]) if name.endswith("s") else None)


def _month(m: re.Match[str], name: str, num: str) -> int | None:
    if m.groupdict().get(name):
        return _month_name(m.group(name))
    if m.groupdict().get(num):
        value = int(m.group(num))
        return value if 1 <= value <= 12 else None
    return None


def _mention(kind: str, m: re.Match[str], text: str) -> DateMention | None:
    d1 = int(m.group("d1"))
    d2 = int(m.group("d2")) if m.groupdict().get("d2") else None
    m2 = _month(m, "m2", "n2")
    m1 = _month(m, "m1", "n1") or m2
    if m1 is None or not 1 <= d1 <= 31 or (d2 is not None and not 1 <= d2 <= 31):
        return None
    y1, y2 = _year(m, "y1", "yy1"), _year(m, "y2", "yy2")
    if d2 is not None and m2 is None:
        m2 = m1
    if d2 is not None and m1 == m2 and d2 <= d1 and kind != "num_range":
        return None  # "5. und 3. Mai" is no range
    wd = _WEEKDAY_BEFORE.search(text, max(0, m.start() - 25), m.start())
    return DateMention(
        m.start(), m.end(), m.group(0).strip(), d1, m1, y1, d2, m2, y2, wd.group("wd") if wd else None
    )


_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=4096)
def find_dates(text: str) -> tuple[DateMention, ...]:
    """All date phrases in `text`, in order; where phrases overlap, the earliest-listed pattern wins.

    Cached: several layers ask about the same sentence."""
    if not _DIGIT.search(text):
        return ()  # every date phrase has a digit
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    low = lowered(text)
    present = {need: bool(rx.search(low)) for need, rx in _HAS.items()}
    for kind, rx in _COMPILED:
        if not present[_NEEDS[kind]]:
            continue
        for m in rx.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            mention = _mention(kind, m, text)
            if mention:
                taken.append((m.start(), m.end()))
                found.append(mention)
    return tuple(sorted(found, key=lambda d: d.start))


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def infer_year(month: int, day: int, ref: date) -> int:
    """The year, among the reference year and its neighbours, that puts the date closest to `ref`."""
    best = ref.year
    best_gap: int | None = None
    for y in (ref.year - 1, ref.year, ref.year + 1):
        d = _safe_date(y, month, day)
        if d is not None and (best_gap is None or abs((d - ref).days) < best_gap):
            best, best_gap = y, abs((d - ref).days)
    return best


def resolve(m: DateMention, ref: date | None, year: int | None = None) -> tuple[date, date] | None:
    """(start, end) of the mention; None when no year is written and there is no reference date.

    `year` is the year the context gives a year-less date ("Die Ausgabe 2024 … vom 18. bis 21. Juni");
    without it the year closest to `ref` is taken."""
    y2 = m.y2 if m.is_range else None
    y1 = m.y1
    if y1 is None and y2 is not None:
        y1 = y2 - 1 if m.m1 > (m.m2 or m.m1) else y2  # "28. Dezember bis 2. Januar 2021"
    if y1 is None and year is not None:
        y1 = year
    if y1 is None:
        if ref is None:
            return None
        y1 = infer_year(m.m1, m.d1, ref)
    start = _safe_date(y1, m.m1, m.d1)
    if start is None:
        return None
    if not m.is_range:
        return start, start
    assert m.m2 is not None and m.d2 is not None
    end = _safe_date(y2 or y1, m.m2, m.d2)
    if end is not None and end < start and y2 is None:
        end = _safe_date(y1 + 1, m.m2, m.d2)  # "30. Dezember bis 2. Januar"
    return (start, end) if end is not None else None


def weekday_mismatch(m: DateMention, ref: date | None, year: int | None = None) -> str | None:
    """A warning when the weekday written before a date is not that date's weekday."""
    if not m.weekday:
        return None
    span = resolve(m, ref, year)
    if span is None:
        return None
    written = WEEKDAYS[m.weekday.lower()]
    actual = span[0].weekday()
    if written == actual:
        return None
    return (
        f"weekday mismatch: '{m.weekday} … {m.text}' but {span[0].isoformat()} is a "
        f"{WEEKDAY_NAMES_EN[actual]}"
    )


# A year standing alone ("Die Ausgabe 2024", "The 2024 Annual Conference"), not a count ("2.024") or a span
LONE_YEAR = re.compile(r"(?<![\d.,/-])((?:19|20)\d\d)(?!\d|[.,]\d)")
# ... and not one that names another time: "seit 2007", "bis 2030", "wie schon 2019", "than in 2019"
_OTHER_TIME = folded(
    r"\b(?:seit|since|bis|until|ab|vor|nach|by|before|after|wie|as|than|als|Vorjahr|zuletzt|last)"
    r"(?:\s+(?:schon|bereits|in|im|dem|the|Jahr|year))*\s*$",
    re.IGNORECASE,
)


def year_in_sentence(text: str, mention: DateMention) -> int | None:
    """The year a sentence gives its year-less date: the standalone year nearest to it."""
    taken = [(d.start, d.end) for d in find_dates(text)]
    years = [
        (abs(m.start() - mention.start), int(m.group(1)))
        for m in LONE_YEAR.finditer(text)
        if not any(s <= m.start() < e for s, e in taken) and not _OTHER_TIME.search(text[: m.start()])
    ]
    return min(years)[1] if years else None


# A press release saying when it was issued: "Das teilte das Ministerium am Freitag, 3. Mai 2019, in Kiel
# mit", "…, gab der Verband am 3.5.2019 bekannt", "the city announced on May 3, 2019"
_RELEASE = re.compile(
    r"\b(?:teilte|teilten|gab|gaben)\b[^.;]{0,80}?\bam\s+(?:(?P<wd>" + _WD + r")\s*,?\s*)?(?:de[nm]\s+)?"
    r"(?P<date>[\w. ]{2,22}?\d{4})\b[^;]{0,60}?\b(?:mit|bekannt)\b|"
    r"\b(?:announced|said in a (?:statement|press release))\s+on\s+(?:" + _WD + r"\s*,?\s*)?"
    r"(?P<date_en>[A-Z][a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})",
    re.IGNORECASE,
)


# A press release's dateline: "München, 19. November 2013. Weit über 200 …", "(Kiel, May 3, 2019) — …"
_DATELINE = re.compile(
    r"^\(?[A-ZÄÖÜ][\w./ -]{1,40},\s*(?:den\s+)?(?P<date>[\w., ]{2,22}?\d{4})\)?\s*[.:–—-]\s"
)


def dateline_date(text: str) -> tuple[date, int] | None:
    """The date of a dateline opening `text`, and where the dateline ends."""
    m = _DATELINE.match(text)
    found = next((d for d in find_dates(m.group("date")) if d.y1), None) if m else None
    day = _safe_date(found.y1, found.m1, found.d1) if m and found and found.y1 else None
    return (day, m.end()) if m and day else None


def release_date(texts: Sequence[str]) -> date | None:
    """The date a press release says it was issued on, with its year written: in its dateline (the
    first text) or in a sentence saying who announced it when."""
    opening = dateline_date(texts[0]) if texts else None
    if opening:
        return opening[0]
    for text in texts:
        m = _RELEASE.search(text)
        if m:
            raw = m.group("date") or m.group("date_en")
            found = next((d for d in find_dates(raw) if d.y1), None)
            if found and found.y1:
                return _safe_date(found.y1, found.m1, found.d1)
    return None


def parse_date_text(text: str, ref: date | None = None) -> date | None:
    """The first date in a short text (a dateline, a 'Stand:' line, a meta value)."""
    iso = re.search(r"\b((?:19|20)\d\d)-([01]\d)-([0-3]\d)", text)
    if iso:
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    slash = re.search(r"\b([01]?\d|[23]\d)/([0-3]?\d)/((?:19|20)\d\d)\b", text)
    if slash:  # "09/14/2021": month first (US) unless the first number cannot be a month
        a, b, y = int(slash.group(1)), int(slash.group(2)), int(slash.group(3))
        return _safe_date(y, a, b) if a <= 12 else _safe_date(y, b, a)
    for m in find_dates(text):
        span = resolve(m, ref)
        if span and (m.y1 or m.y2):
            return span[0]
    return None


# ---- weekdays without a date ("am Donnerstag", "bis Freitag"), as news agencies write them --------------

_DAY_PART = r"(?:abend|morgen|vormittag|nachmittag|mittag|nacht)?"
_RELATIVE = r"(?:(?P<rel>kommenden|nächsten|vergangenen|letzten|next|last)\s+)?"
# not followed by a date: "Donnerstag, 28. Oktober" is a date phrase with its weekday
_NO_DATE = r"(?![\wäöü])(?!\s*,?\s*(?:de[nm]\s+|the\s+)?\d)"
_WEEKDAY_PHRASE = folded(
    rf"\b(?:(?P<prep>am|bis(?:\s+zum)?|ab|seit|vom|von|on|until|through|from|by)\s+)?{_RELATIVE}(?P<wd>{_WD}){_DAY_PART}"
    rf"{_NO_DATE}(?:\s*(?:bis(?:\s+zum)?|to|through|until|-|–)\s*(?P<wd2>{_WD}){_DAY_PART}{_NO_DATE})?",
    re.IGNORECASE,
)
_UNTIL_PREP = ("bis", "until", "through", "by")
_FROM_PREP = ("ab", "seit", "vom", "von", "from")


@dataclass(frozen=True)
class WeekdayMention:
    """'am Donnerstag', 'bis Freitag', 'von Montag bis Mittwoch': weekdays that need the publication date."""

    start: int
    end: int
    text: str
    prep: str  # "am", "bis", "ab", …, lower case, one space ("" for "next Friday")
    weekday: int
    weekday2: int | None = None  # the end of "von Montag bis Mittwoch"
    relative: str | None = None  # "vergangenen", "next", …


def find_weekdays(text: str) -> list[WeekdayMention]:
    out = []
    for m in _WEEKDAY_PHRASE.finditer(text):
        if not (m.group("prep") or m.group("rel")):
            continue  # a bare "Freitag" may be a name or a heading; "am Freitag", "next Friday" are days
        wd2 = m.group("wd2")
        out.append(
            WeekdayMention(
                m.start(),
                m.end(),
                m.group(0),
                " ".join((m.group("prep") or "").lower().split()),
                WEEKDAYS[m.group("wd").lower()],
                WEEKDAYS[wd2.lower()] if wd2 else None,
                (m.group("rel") or "").lower() or None,
            )
        )
    return out


def resolve_weekday(m: WeekdayMention, published: date) -> tuple[date, date]:
    """The weekday nearest to the publication date (within three days either way), as news reports
    mean it; 'vergangenen'/'last' looks back and 'kommenden'/'next' ahead up to a week."""
    gap = (m.weekday - published.weekday()) % 7  # 0..6 days ahead
    if m.relative in ("vergangenen", "letzten", "last"):
        offset = gap - 7 if gap else -7
    elif m.relative in ("kommenden", "nächsten", "next"):
        offset = gap or 7
    else:
        offset = gap if gap <= 3 else gap - 7
    start = published + timedelta(days=offset)
    if m.weekday2 is None:
        return start, start
    return start, start + timedelta(days=(m.weekday2 - m.weekday) % 7)
