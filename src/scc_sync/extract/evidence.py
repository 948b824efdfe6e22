"""Is a page about an event? Cues weighed together instead of a name gate.

Real events are called anything ("Themenworkshop", "Breitbandgespräch", "Demo Day", "Annual Business
Meeting"), so the event is recognised from the words of the language rather than from names:
- an event noun: a word whose last part is a kind of gathering (Kongress, Tagung, Treffen, Summit …),
  compounds, plurals and genitives included, but not a council's or a board's meeting, a press
  conference or a parliament;
- a sentence saying that it happens ("fand … statt", "took place", "kamen … zusammen", "lädt … ein");
- its dates, its attendance, its format or venue, and its programme (talks, panels, exhibitors).
An event noun must be there, named in the opening or in a sentence saying it happens, three cues in
all, and one of them a fact of the event (a date, an audience, a format or a place). Personnel news,
funding notices, council agendas and statements name no gathering, or only in passing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scc_sync.extract.gate import Gated, folded, has_any, lowered, rewritten
from scc_sync.extract.text import Sentence

# the last part of a compound that makes it a gathering ("Breitband|gespräch", "Kommunal|messe")
_HEADS = (
    "kongress", "kongreß", "konferenz", "tagung", "messe", "gipfel", "forum", "foren", "festival",
    "symposium", "symposion", "workshop", "werkstatt", "treffen", "versammlung", "veranstaltung",
    "webinar", "seminar", "barcamp", "hackathon", "convention", "summit", "dialog", "gespräch", "woche",
    "expo", "kolloquium", "festakt", "empfang", "tag", "tage", "schau", "ausstellung",
)  # fmt: skip
_HEAD = re.compile(rf"(?P<head>{'|'.join(_HEADS)})(?:e?s|e?n|e)?$")
# a series of gatherings is one: "Webinarreihe", "Veranstaltungsreihe", "Vortragsreihe"
_SERIES = re.compile(rf"(?:{'|'.join(_HEADS)}|vortrag|vortrags)s?reihe[n]?$")
# heads that are a gathering only inside a compound: "Gespräche" or "Tage" alone are not events
_COMPOUND_ONLY = {"dialog", "gespräch", "woche", "tag", "tage", "empfang", "werkstatt", "schau"}
_CAPITALISED = rewritten(
    r"(?<![\wäöüß-])(?:[A-ZÄÖÜ][\wäöüß]*-)*[A-ZÄÖÜ][\wäöüß]*",
    r"[A-ZÄÖÜ](?<![\wäöüß-][\s\S])[\wäöüß]*(?:-[A-ZÄÖÜ][\wäöüß]*)*",  # the same, a class first
)
_HEAD_ENDINGS = (*(h + end for h in _HEADS for end in ("", "s", "es", "n", "en", "e")), "reihe", "reihen")
# gatherings that report or govern rather than meet: "Pressekonferenz", "Ratssitzung", "Vorstandstreffen",
# and parliaments
_NOT_EVENT_NOUN = re.compile(
    r"^(?:presse|telefon|bundes(?:tag|rat)|land(?:tag|tags)|kreistag|bezirkstag|reichstag|"
    r"(?:gemeinde|stadt|kreis|aufsichts|verwaltungs|bei|orts|landes)?rats?|aufsichtsrat|vorstands?|"
    r"gesellschafter|ausschuss|fraktions?|kabinetts?|koalitions?|sitzungs?)"
)
# days and times that end like a gathering ("Dienstag", "Vortag", "Feiertage", "Kongresstage")
_TIME_WORD = re.compile(
    r"^(?:mon|diens|donners|frei|sams|sonn|sonnabend|feier|geburts|jahres|werk|arbeits|all|vor|folge|"
    r"nach|nachmit|vormit|mit|stich|wahl|wochen|ganz|halb|kalender|ehren|gedenk|fest|ruhe|spiel|"
    r"sitzungs|kongress|tagungs|messe|konferenz|letzt|end|erst|zweit|dritt)?"
    r"(?:tag|tage|tagen|tages|woche|wochen)$"
)
_EN_NOUN = re.compile(
    r"(?i:\b(?:conferences?|congress(?:es)?|summits?|conventions?|expos?|expositions?|symposi(?:um|a)|"
    r"workshops?|webinars?|seminars?|hackathons?|meetups?|barcamps?|(?:trade|road) ?shows?|festivals?|"
    r"(?:trade|job|career) fairs?|(?<!\bin )(?:the|this|an|our|that) event|events|"
    r"(?:annual|national|regional|international|general|members'?|business|town hall)\s+meetings?)\b)|"
    r"\b[A-Z][a-z]+\s+(?:Meeting|Day|Days|Week|Fair|Show)s?\b"
)

_EN_HINTS = (
    "conferen", "congress", "summit", "convention", "expo", "symposi", "workshop", "webinar", "seminar",
    "hackathon", "meetup", "barcamp", "show", "festival", "fair", "event", "meeting", " day", " week",
)  # fmt: skip


@lru_cache(maxsize=4096)
def event_nouns(text: str) -> tuple[str, ...]:
    """The gatherings a sentence names: 'Themenworkshop', 'Drei-Länder-Treffen', 'Annual Meeting'.

    Cached: recognition, dates and format ask about the same sentences."""
    found = []
    low = lowered(text)
    words = _CAPITALISED.finditer(text) if has_any(low, _HEADS) or "reihe" in low else ()  # cheap tests first
    for m in words:
        word = m.group(0)
        last = word.rsplit("-", 1)[-1].lower()
        if not last.endswith(_HEAD_ENDINGS):
            continue
        if last.endswith(("reihe", "reihen")):
            if _SERIES.search(last) and not _NOT_EVENT_NOUN.match(word.lower()):
                found.append(word)
            continue
        head = _HEAD.search(last)
        if not head or _NOT_EVENT_NOUN.match(word.lower()) or _TIME_WORD.match(last):
            continue
        if head.group("head") in _COMPOUND_ONLY and head.start() < 3 and "-" not in word:
            continue  # "Gespräche", "Tage": no compound
        found.append(word)
    if has_any(low, _EN_HINTS):
        found += [m.group(0) for m in _EN_NOUN.finditer(text)]
    return tuple(found)


# a sentence saying that the gathering takes place, took place or brought people together
HAPPENS = Gated(
    re.compile(
        r"\b(?:fand|finden|findet|stattfinden|stattgefunden|stattfand|trafen|treffen sich|traf sich|"
        r"versammelten|erschienen|kamen\b[^.]*\bzusammen|zusammengekommen|begrüßt|begrüßte|begrüßten|eröffnete|eröffnet|lud|"
        r"lädt|laden\b[^.]*\bein|veranstaltete|veranstalteten|veranstalten|veranstaltet|richtete\w*|"
        r"ausgerichtet|ging\b[^.]*\bzu Ende|endete|teilgenommen|nahmen\b[^.]*\bteil|war\b[^.]*\bGastgeber\w*|"
        r"took place|takes place|will take place|(?:was|were|is|will be) held|hosted|gathered|convened|"
        r"assembled|attended|tuned in|welcomed|kicked off|opened|wrapped up|drew|attracted|came together|"
        r"travell?ed to|is planning|will (?:host|hold|include)|conven\w+|gekommen|besuchten)\b",
        re.IGNORECASE,
    ),
    "fand|find|statt|traf|treffen|versammelten|erschienen|kamen|zusammengekommen|begrüßt|eröffne|lud|lädt|"
    "laden|veranstalte|richtete|ausgerichtet|ging|endete|teilgenommen|nahmen|gastgeber|took place|"
    "takes place|take place|held|hosted|gathered|convened|assembled|attended|tuned in|welcomed|kicked off|"
    "opened|wrapped up|drew|attracted|came together|travel|is planning|will host|will hold|will include|"
    "conven|gekommen|besuchten",
)
# what a programme is made of
_PROGRAMME = Gated(
    re.compile(
        r"\b(?:Vortr(?:ag|äge|ägen)|Keynote\w*|Grußwort\w*|Podium\w*|Impuls\w*|Workshops?|Panel\w*|"
        r"Fachforen|Referent\w*|Redner\w*|Moderat\w*|Aussteller\w*|Festrede|Laudatio|Plenum|"
        r"speakers?|sessions?|panels?|keynotes?|exhibit\w*|presentations?|agenda|program(?:me)?)\b",
        re.IGNORECASE,
    ),
    "vortr|keynote|grußwort|podium|impuls|workshop|panel|fachforen|referent|redner|moderat|aussteller|"
    "festrede|laudatio|plenum|speaker|session|exhibit|presentation|agenda|program",
)


# a gathering in progress or just opened: "has kicked off", "is under way", "wurde am Morgen eröffnet"
UNDERWAY = folded(
    r"\b(?:has|have|had)\s+(?:\w+\s+)?(?:kicked off|opened|begun|started|got under ?way)\b|"
    r"\b(?:is|are)\s+(?:now\s+)?(?:under ?way|in full swing|in session)\b|"
    r"\bkicked off\s+(?:today|this morning|on (?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b|"
    r"\bopen(?:ed|s)\s+(?:today|this morning)\b|"
    r"\b(?:wurde|wurden|ist|sind)\b[^.;]{0,50}\beröffnet(?:\s+worden)?\b|"
    r"\b(?:hat|haben)\b[^.;]{0,30}\bbegonnen\b|\b(?:beginnt|beginnen|startet|starten|läuft|laufen)\s+heute\b|"
    r"\bheute\b[^.;]{0,40}\b(?:eröffnet|begonnen|gestartet)\b|\b(?:heute und morgen|today and tomorrow)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Evidence:
    """The cues a page gives for being about an event."""

    noun: str | None  # the first gathering named where it counts (headline, opening, a happening)
    headline: bool  # the headline, kicker, lead or opening paragraph names a gathering
    happening: bool  # a sentence says a gathering takes place or people came together
    dated: bool
    attended: bool
    setting: bool  # a format or a venue
    programme: bool
    underway: bool = False  # the opening says the gathering has just begun

    @property
    def score(self) -> int:
        cues = (self.headline, self.happening, self.dated, self.attended, self.setting, self.programme)
        return sum((*cues, self.underway))

    @property
    def is_event(self) -> bool:
        """A gathering named where it counts, three cues, and at least one fact of its own (a text about
        conferences in general names them and their programmes, but no date, audience or place)."""
        facts = self.dated or self.attended or self.setting or self.underway
        return self.noun is not None and (self.headline or self.happening) and self.score >= 3 and facts


def weigh(
    sents: Sequence[Sentence],
    current: Sequence[int],
    *,
    dated: bool,
    attended: bool,
    setting: bool,
    names: Mapping[int, str] | None = None,
) -> Evidence:
    """The cues of the sentences about this edition (`current`), with the facts already found;
    `names` are event names found by their shape ("Tag der offenen Tür"), by sentence."""
    first_text = next((s.block for s in sents if s.kind == "text"), None)
    headline_noun = happening_noun = None
    programme = underway = False
    for i in current:
        s = sents[i]
        nouns = [*event_nouns(s.text), *([names[i]] if names and i in names else [])]
        opening = s.kind in ("title", "kicker", "lead") or s.block == first_text
        if nouns and opening and headline_noun is None:
            headline_noun = nouns[0]
        if nouns and opening and not underway:
            underway = bool(UNDERWAY.search(s.text))
        if nouns and happening_noun is None and HAPPENS.search(s.text):
            happening_noun = nouns[0]
        programme = programme or bool(_PROGRAMME.search(s.text))
    return Evidence(
        noun=happening_noun or headline_noun,
        headline=headline_noun is not None,
        happening=happening_noun is not None,
        dated=dated,
        attended=attended,
        setting=setting,
        programme=programme,
        underway=underway,
    )
