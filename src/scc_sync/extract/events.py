"""The event layer: which event, when, in what format, how many came, and the next edition.

Works on sentences. Sentences about the next edition ("Die nächste … ist für den … geplant" and an
anaphoric follow-up such as "Dann … soll sie wieder als Präsenzveranstaltung …") are kept apart, so
their dates and format never leak into the reported event, and vice versa.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from scc_sync.extract.dates import (
    LONE_YEAR,
    DateMention,
    dateline_date,
    find_dates,
    find_weekdays,
    resolve,
    resolve_weekday,
    weekday_mismatch,
    year_in_sentence,
)
from scc_sync.extract.evidence import event_nouns, weigh
from scc_sync.extract.formats import cache_clear as formats_cache_clear
from scc_sync.extract.formats import detect_format, has_format
from scc_sync.extract.gate import Folded, Gated, class_first, folded, has_any, lowered
from scc_sync.extract.numbers import CountMention, find_counts, may_count
from scc_sync.extract.text import DATELINE, Sentence
from scc_sync.models import Count, EventFacts, EventFormat

_HEADS = (
    r"Convention|Kongress|Konferenz|Conference|Congress|Summit|Gipfel|Forum|Messe|Tagung|Expo|Festival|"
    r"Symposium|Woche|Week|Tage|Days|Fair|Meetup|Barcamp|Hackathon|Verbandstag|Dialog|Camp|Show|Salon|"
    r"Fachtag|Kommunaltag|Jahrestagung|Netzwerktreffen|Day|Tag"
)
_COMPOUND = (
    r"kongress|konferenz|tagung|messe|gipfel|forum|festival|summit|convention|woche|barcamp|hackathon|"
    r"versammlung|webinar|seminar|markt|börse"
)
_EVENT_NAME = re.compile(
    rf"(?<![\wäöüÄÖÜ.-])(?P<name>(?:(?:[A-ZÄÖÜ][\wäöüßÄÖÜ-]*(?:\.[A-Z][\w-]*)?|of|for|on|the|für|&|und|and)\s+){{0,4}}"
    rf"(?:(?:{_HEADS})|[A-ZÄÖÜ][\wäöüß-]*?(?:-(?:{_HEADS})|{_COMPOUND})))(?P<year>\s+(?:19|20)\d\d)?(?![\wäöü-])"
)
# what every such name (and a head-first one) has: an event word ending a word; most sentences have none
_NAME_END = re.compile(rf"(?:{_HEADS}|{_COMPOUND})(?![\wäöü-])")
_LEADING = re.compile(
    r"^(?:(?:die|der|das|den|dem|des|am|im|auf|beim|bei|zur|zum|nach|vor|während|seit|dann|als|auch|nun|"
    r"the|at|in|on|this|our|next|last|ihre|unsere|diese|dieses|diesen|dieser|nächste|nächsten|kommende|"
    r"kommenden|(?:erst|zweit|dritt|viert|fünft|sechst|siebt|acht|neunt|zehnt)e[nrs]?|\d{1,2}\.|heute|gestern|morgen|über|von|vom|mit|und|and|for|of|für|&|"
    r"ein|eine|einer|einem|a|an|alle|zahlreiche|rund|mehr|[A-ZÄÖÜ][a-zäöü]+tag)\s+)+",
    re.IGNORECASE,
)
_GENERIC = {
    "convention", "kongress", "konferenz", "conference", "congress", "summit", "gipfel", "forum", "messe",
    "tagung", "expo", "festival", "symposium", "woche", "week", "tage", "days", "fair", "meetup", "barcamp",
    "hackathon", "verbandstag", "dialog", "camp", "show", "salon", "fachtag", "kommunaltag", "jahrestagung",
    "netzwerktreffen", "day", "tag", "pressekonferenz", "videokonferenz", "telefonkonferenz",
    "onlinekonferenz", "online-konferenz", "digitalkonferenz", "fachkonferenz", "fachtagung", "fachmesse",
    "jahreskonferenz", "abschlusskonferenz", "auftaktkonferenz", "konferenzwoche", "projektwoche",
    "ministerpräsidentenkonferenz", "innenministerkonferenz", "bundestag", "landtag", "städtetag",
    "landkreistag", "feiertag", "jahrestag", "arbeitstag", "wochentag", "versammlung", "webinar", "seminar",
    "onlineseminar", "online-seminar", "mitgliederversammlung", "hauptversammlung", "jahresversammlung",
}  # fmt: skip
_EVENT_WORD = Gated(
    re.compile(
        r"(?:Konferenz|Kongress|Veranstaltung|Messe|Tagung|Convention|Event|Gipfel|Summit|Forum|Festival|"
        r"conference|event|convention|summit|congress|fair|expo)\w*",
        re.IGNORECASE,
    ),
    "konferenz|kongress|veranstaltung|messe|tagung|convention|event|gipfel|summit|forum|festival|conference|"
    "congress|fair|expo",
)
_EVENT_VERB = Gated(
    re.compile(
        r"\b(?:fand|findet|finden|stattfinden|stattgefunden|statt|endete|endet|eröffnet\w*|lädt|laden|"
        r"veranstaltet|ausgerichtet|abgehalten|geht|ging|öffnet|öffnen|lud|"
        r"eingeladen|invited|trafen|treffen sich|took place|takes place|"
        r"will take place|held|hosted|opens|opened|kicked off|runs|ran|returns|gathered|"
        r"attended|registrieren|Anmeldung|register|Programm|program(?:me)?|begann|beginnt|began|started|kamen|"
        r"came|ended|closes|closed|trafen sich|met)\b",
        re.IGNORECASE,
    ),
    (
        "fand|find|statt|endet|eröffnet|lädt|laden|veranstaltet|ausgerichtet|abgehalten|geht|ging|"
        "öffne|lud|eingeladen|invited|traf|treffen|took place|takes place|take place|held|hosted|"
        "open|kicked off|runs|ran|returns|gathered|attended|registrieren|anmeldung|register|"
        "program|begann|beginnt|began|started|kamen|came|ended|close|met"
    ),
)
_RECAP_VERB = Gated(
    re.compile(
        r"\b(?:fand|endete|begann|stattgefunden|ging \w+ zu Ende|took place|was held|ended|closed|"
        r"wurde \w+ abgehalten|gathered|attended|kamen|trafen|teilgenommen|besuchten|präsentierte\w*|"
        r"begrüßte\w*|diskutierten|lockte\w*|zählte\w*|came|met|drew|welcomed|attracted)\b",
        re.IGNORECASE,
    ),
    (
        "fand|endete|begann|stattgefunden|ende|took place|was held|ended|closed|abgehalten|"
        "gathered|attended|kamen|trafen|teilgenommen|besuchten|präsentierte|begrüßte|diskutierten|"
        "lockte|zählte|came|met|drew|welcomed|attracted"
    ),
)
_NEXT = Gated(
    re.compile(
        r"\b(?:nächste[nrms]?|kommende[nrms]?|next|upcoming|save the date|Folgeveranstaltung|Neuauflage|"
        r"will return|returns|mark your calendars?|vormerken|Fortsetzung)\b"
        # "am kommenden Dienstag", "next week": a time, not the next edition
        r"(?!\s+(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag|Woche|Wochen|Tage[n]?|"
        r"Monat|Monaten|Wochenende|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|week|weeks|days|"
        r"month|months|weekend)\b)",
        re.IGNORECASE,
    ),
    (
        "nächst|kommend|next|upcoming|save the date|folgeveranstaltung|neuauflage|return|"
        "mark your calendar|vormerken|fortsetzung"
    ),
)
_ANAPHORIC = re.compile(
    r"^(?:Dann|Sie|Er|Es|Diese[rs]?|Dabei|Hierbei|Erneut|Wieder|Auch dann|Then|It|This|"
    r"Again|There)\b[\s,]"
)
# an organisation's size ("vertritt rund 1.500 Stadtwerke", "its 2,000 members"), not an event's; a
# genitive such as "Delegierte der Mitgliedskommunen" is no size
_NOT_EVENT_CONTEXT = Gated(
    re.compile(
        r"\b(?:vertritt|vertreten|represents?|employ\w*)\b|\d\s+(?:[\w-]+\s+)?(?:Mitglied\w*|Beschäftigt\w*|"
        r"Mitarbeit\w*|Einwohner\w*|Kunden|members?|customers)\b",
        re.IGNORECASE,
    ),
    "vertr|represent|employ|mitglied|beschäftigt|mitarbeit|einwohner|kunden|member|customer",
)
_CITIES = (
    "Berlin|Hamburg|München|Köln|Frankfurt am Main|Frankfurt|Stuttgart|Düsseldorf|Leipzig|Dortmund|Essen|"
    "Bremen|Dresden|Hannover|Nürnberg|Duisburg|Bochum|Wuppertal|Bielefeld|Bonn|Münster|Mannheim|Karlsruhe|"
    "Augsburg|Wiesbaden|Mainz|Kiel|Magdeburg|Erfurt|Rostock|Potsdam|Saarbrücken|Schwerin|Cottbus|Kassel|"
    "Freiburg|Aachen|Braunschweig|Chemnitz|Halle|Lübeck|Oldenburg|Osnabrück|Heidelberg|Darmstadt|Regensburg|"
    "Würzburg|Ulm|Wolfsburg|Göttingen|Jena|Trier|Wien|Zürich|Basel|Bern|Graz|Linz|Salzburg|Amsterdam|"
    "Brüssel|Brussels|Paris|London|Lisbon|Lissabon|Barcelona|Madrid|Rome|Rom|Vienna|Munich|Cologne|Copenhagen|"
    "Kopenhagen|Stockholm|Oslo|Helsinki|Warschau|Warsaw|Prag|Prague|New York|San Francisco|Las Vegas|Austin|"
    "Boston|Chicago|Toronto|Dublin|Luxemburg|Straßburg|Strasbourg|Rotterdam|Utrecht|Den Haag|The Hague|"
    "Antwerpen|Antwerp|Gent|Ghent|Lyon|Marseille|Mailand|Milan|Turin|Krakau|Kraków|Budapest|Tallinn|Riga|"
    "Vilnius|Göteborg|Gothenburg|Aarhus|Manchester|Birmingham|Glasgow|Edinburgh|Valencia|Sevilla|Porto"
)
_LOCATION = re.compile(
    rf"\b(?:[Ii]n|[Ii]m|[Ii]n der|[Ii]n den|[Ii]n die|[Ii]ns|nach|[Aa]t|[Aa]t the|auf dem|auf der|to)\s+"
    rf"(?P<loc>(?:[A-ZÄÖÜ][\w\-äöüß]+\s+){{0,3}}?(?:{_CITIES}))"
    rf"(?![\wäöü])"
)


_PREP = (
    r"(?:[Ii]m|[Ii]ns|[Ii]n der|[Ii]n die|[Ii]n den|[Aa]t the|[Aa]t|[Aa]uf dem|[Aa]uf der|to the|"
    r"(?:Veranstaltungs|Austragungs|Tagungs)ort (?:ist|bleibt|war) (?:die|der|das))"
)
# A venue: capitalised words (or a lower-case brand such as "hub27", "bcc") with a venue noun in them
_VENUE = re.compile(
    rf"\b{_PREP}\s+(?P<venue>(?:[a-z][a-z0-9]{{1,5}}|[A-ZÄÖÜ][\w-]*)(?:\s+[A-ZÄÖÜ][\w-]*){{0,3}})"
    rf"(?P<city>\s+(?:in|nach|in der Stadt)\s+(?:{_CITIES}))?(?=[\s,.;:)]|$)"
)
_VENUE_WORD = folded(
    r"(?:center|centre|centrum|congress|kongresszentrum|messe|hotel|halle|arena|saal|palast|palais|"
    r"rathaus|kraftwerk|wasserwerk|station|cube|hub\d*|forum|zentrum|expo|fira|theater|"
    r"schloss|kloster|akademie|stadion|campus|place|pavilion|auditorium|haus\b)\w*",
    re.IGNORECASE,
)
_PREVIOUS = Gated(
    re.compile(
        r"\b(?:im vergangenen Jahr|im Vorjahr|letztes Jahr|im letzten Jahr|vor einem Jahr|last year|"
        r"vor (?:zwei|drei|vier|fünf|\d+) Jahren|(?:two|three|four|five|\d+) years (?:ago|earlier)|"
        r"the previous edition|the year before|der Vorjahresveranstaltung)\b",
        re.IGNORECASE,
    ),
    "jahr|year|previous",
)


@dataclass
class EventAnalysis:
    event: EventFacts | None = None
    next_event: EventFacts | None = None
    span: tuple[date, date] | None = None
    next_sentences: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


# ---- names -------------------------------------------------------------------------------------


# "Onlinekonferenz", "Digital-Veranstaltung", "Pressetermin": a kind of meeting, not a name
_GENERIC_COMPOUND = re.compile(
    r"^(?:Online|Digital|Video|Telefon|Presse|Präsenz|Hybrid)-?(?:[a-zäöü]*(?:konferenz|kongress|tagung|"
    r"veranstaltung|event|seminar|meeting|format|sitzung|termin|treffen|gespräch|camp|woche|tag)|"
    r"(?:Konferenz|Kongress|Tagung|Veranstaltung|Event|Seminar|Meeting|Format|Sitzung|Termin|Treffen)\w*)$"
)


_LEADING_LINK = re.compile(r"^(?:of|for|on|the|für|und|and)\s+")
_CAPITAL_START = re.compile(r"[A-ZÄÖÜ0-9]")
_YEAR_20 = re.compile(r"\b20\d\d\b")
_YEARS = re.compile(r"\b((?:19|20)\d\d)\b")
_FROM_BEFORE = re.compile(r"\b(?:vom|from|zwischen|between)\s*$")


def _clean_name(raw: str) -> str | None:
    name = _LEADING.sub("", raw.strip()).strip(" &-")
    name = _LEADING_LINK.sub("", name)
    if not name or name.lower() in _GENERIC or not _CAPITAL_START.match(name):
        return None
    if " " not in name and _GENERIC_COMPOUND.match(name):
        return None
    if _NUMBER_WORD.match(name):
        return None  # "Drei Tage", "Zwei Tage Programm"
    return name


_ADJ_END = re.compile(r"^([A-ZÄÖÜ][a-zäöüß]{2,}?)(?:e|er|en|es|em)$")


@lru_cache(maxsize=1024)
def name_key(name: str) -> str:
    """'Kommunalen Digitalgipfel' and 'Kommunaler Digitalgipfel' share a key."""
    words = name.split()
    stems = [(_ADJ_END.sub(r"\1", w) if i < len(words) - 1 else w) for i, w in enumerate(words)]
    return " ".join(stems).lower()


@lru_cache(maxsize=512)
def name_rx(name: str) -> re.Pattern[str] | Folded:
    """A pattern for the name in any inflection ('des Deutschen Kommunalkongresses'); folded (see
    gate.Folded) where the name's letters allow, since it is searched for in every sentence."""
    words = name.split()
    parts = [re.escape(_ADJ_END.sub(r"\1", w)) + r"(?:e|er|en|es|em)?" for w in words[:-1]]
    parts.append(re.escape(words[-1]) + r"(?:e?s)?")
    rx = re.compile(r"(?<![\wäöü-])" + r"\s+".join(parts) + r"(?![\wäöü-])", re.IGNORECASE)
    try:
        return Folded(rx, register=False)
    except ValueError:  # a letter the twin cannot stand for
        return rx


@dataclass(frozen=True)
class NameMention:
    name: str
    sentence: int
    year: int | None
    shaped: bool = False  # found by a long-form pattern, trusted only when repeated


# Names of other shapes, each a pattern of the language rather than a list of events:
# "Tag der offenen Tür", "Lange Nacht der Wissenschaften", "Day of Open Data"
_DAY_OF = re.compile(
    r"(?<![\wäöü-])(?P<name>(?:Lange\s+)?(?:Tag|Tage|Nacht|Woche|Day|Week|Night)\s+(?:der|des|of(?:\s+the)?)\s+"
    r"(?:[a-zäöü]+e[nrs]?\s+)?[A-ZÄÖÜ][\wäöüß-]+)(?P<year>\s+(?:19|20)\d\d)?(?![\wäöü-])"
)
# "Hauptversammlung des Deutschen Städtetages": an assembly word and the body holding it
_OF_BODY = class_first(
    rf"(?<![\wäöü-])(?P<name>[A-ZÄÖÜ][\wäöüß-]*(?:{_COMPOUND}|Tagung|Kongress|Konferenz)\s+(?:des|der)\s+"
    r"(?:[A-ZÄÖÜ][a-zäöüß]+e[nrs]?\s+)?[A-ZÄÖÜ][\wäöüß-]+)(?P<year>\s+(?:19|20)\d\d)?(?![\wäöü-])"
)
# "Zukunftskongress Staat & Verwaltung", "Kongress Zukunft Stadt": an event word and a motto name
_HEAD_FIRST = re.compile(
    rf"(?<![\wäöü-])(?P<name>(?:[A-ZÄÖÜ][\wäöüß-]*(?:{_COMPOUND})|[A-ZÄÖÜ][\wäöüß]*-(?:{_HEADS})|{_HEADS})"
    r"(?:\s+(?:&|und|and)?\s*[A-ZÄÖÜ][a-zäöüß]+){1,3})(?P<year>\s+(?:19|20)\d\d)?(?![\wäöü-])"
)
# A name the headline gives a year to: "Data Cities Europe 2024: …", "Rückblick: re:publica 24"
_TITLE_YEAR = re.compile(
    r"(?:^|[:|–—]\s+)(?P<name>[\w][\w:&.'’-]*(?:\s+(?:&\s+)?[\w][\w:&.'’-]*){0,4}?)\s+"
    r"(?P<year>(?:19|20)\d\d|\d\d(?=:))\b"
)
_NUMBER_WORD = re.compile(
    r"^(?:zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|two|three|four|five|six|\d+)\s", re.IGNORECASE
)


def _shaped_names(s: Sentence, i: int, head: int | None) -> list[NameMention]:
    """`head`: where the sentence's first _NAME_END starts (None: it has none). A name of the shapes that
    start with their head word ("Zukunftskongress Staat …", "Hauptversammlung des …") starts no earlier
    than the word that head ends, and needs one."""
    out = []
    genitive = " der " in s.text or " des " in s.text or " of " in s.text  # cheap tests first
    low = lowered(s.text) if genitive else ""
    day_of = genitive and has_any(low, ("tag", "nacht", "woche", "day", "week", "night"))
    start = 0 if head is None else words_back(s.text, head, 0)
    headed = head is not None
    shapes = ((_DAY_OF, day_of, 0), (_OF_BODY, genitive and headed, start), (_HEAD_FIRST, headed, start))
    for rx, possible, pos in shapes:
        for m in rx.finditer(s.text, pos) if possible else ():
            name = _clean_name(m.group("name"))
            if name and not _CITY_END.search(name):
                year = int(m.group("year")) if m.group("year") else None
                out.append(NameMention(name, i, year, shaped=True))
    return out


_CITY_END = re.compile(rf"\s(?:{_CITIES})$")  # "Messe Essen" is a venue


def _title_names(sents: Sequence[Sentence]) -> list[NameMention]:
    """Names the headline dates with a year, when the text names them again without it."""
    body = " ".join(s.text for s in sents if s.kind != "title")
    out = []
    for i, s in enumerate(sents):
        if s.kind != "title":
            continue
        for m in _TITLE_YEAR.finditer(s.text):
            raw = re.sub(r"^(?:Rückblick|Review|Recap|Nachbericht|Bilanz)\s*:?\s*", "", m.group("name"))
            # a lower-case brand ("re:publica") is a name only with a mark inside it
            name = _clean_name(raw) or (raw if re.fullmatch(r"[a-z]+[:-][\w:-]+", raw) else None)
            if not name or len(name) < 3 or not name_rx(name).search(body):
                continue
            year = int(m.group("year"))
            out.append(NameMention(name, i, year if year > 99 else 2000 + year))
        brand = _TITLE_BRAND.match(s.text)
        if brand and not out and _GENERIC_EVENT.search(body) and name_rx(brand.group("name")).search(body):
            out.append(NameMention(brand.group("name"), i, None))
    return out


# "Hack the City: 48 Stunden für …": a brand without an event word heads the headline, when the text
# names it again and calls it an event ("der Hackathon")
_TITLE_BRAND = re.compile(
    r"^(?P<name>[A-ZÄÖÜ][\wäöüß-]+(?:\s+(?:[A-ZÄÖÜ][\wäöüß-]+|the|of|for|and|der|die|das|für|und)){1,3})\s*:"
)
_GENERIC_EVENT = re.compile(
    rf"\b(?:der|die|das|den|dem|des|the)\s+(?:[A-ZÄÖÜ][a-zäöüß]*)?(?:{_COMPOUND}|Hackathon|Barcamp|Kongress|"
    r"Konferenz|Tagung|Messe|Veranstaltung|event|conference|summit|hackathon)\b"
)


def event_names(sents: Sequence[Sentence]) -> list[NameMention]:
    """Every event name mention, with the year written after it (if any)."""
    out: list[NameMention] = _title_names(sents)
    titled = list(out)
    for i, s in enumerate(sents):
        end = _NAME_END.search(s.text)
        # a name is at most five words, the last one ending in its head: none starts before the fifth
        # word before the first head
        for m in _EVENT_NAME.finditer(s.text, words_back(s.text, end.start(), 4)) if end else ():
            name = _clean_name(m.group("name"))
            if name:
                out.append(NameMention(name, i, int(m.group("year")) if m.group("year") else None))
        out.extend(_shaped_names(s, i, end.start() if end else None))
        if s.kind != "title":  # the headline's name, mentioned again in the text
            out.extend(NameMention(t.name, i, None) for t in titled if name_rx(t.name).search(s.text))
    return _repeated_long_forms(out)


def words_back(text: str, pos: int, n: int) -> int:
    """The start of the word (a run without white space) at `pos`, or of the n-th word before it."""
    while pos and not text[pos - 1].isspace():
        pos -= 1
    for _ in range(n):
        while pos and text[pos - 1].isspace():
            pos -= 1
        while pos and not text[pos - 1].isspace():
            pos -= 1
    return pos


def _repeated_long_forms(mentions: list[NameMention]) -> list[NameMention]:
    """A long-form name ('Kongress Bundeskanzler Olaf') counts only when the text uses it twice."""
    sentences: dict[str, set[int]] = {}
    for m in mentions:
        sentences.setdefault(name_key(m.name), set()).add(m.sentence)
    return [m for m in mentions if not m.shaped or len(sentences[name_key(m.name)]) >= 2]


def best_event_name(sents: Sequence[Sentence], mentions: list[NameMention]) -> str | None:
    scores: dict[str, float] = {}
    forms: dict[str, list[tuple[int, str]]] = {}
    for m in mentions:
        key = name_key(m.name)
        bonus = {"title": 3.0, "kicker": 1.0, "lead": 1.0, "heading": 0.5}.get(sents[m.sentence].kind, 0.0)
        scores[key] = scores.get(key, 0.0) + 1.0 + bonus + (0.5 if " " in m.name else 0.0)
        rank = 0 if sents[m.sentence].kind == "title" else 1
        forms.setdefault(key, []).append((rank, m.name))
    # a longer name that contains a shorter one ("Smart Country Convention" ⊃ "Country Convention") wins
    for key in list(scores):
        for other in scores:
            if other != key and key in other:
                scores[other] += scores[key]
    if not scores:
        return None
    best = max(scores, key=lambda k: (scores[k], len(k)))
    ranked = sorted(forms[best], key=lambda f: f[0])
    titled = [n for r, n in ranked if r == 0]
    return titled[0] if titled else max((n for _, n in ranked), key=[n for _, n in ranked].count)


def edition_year(mentions: list[NameMention], sents: Sequence[Sentence], name: str | None) -> int | None:
    """The year the page gives its event ("Kommunale 2015"): the headline's, else the earliest written."""
    if not name:
        return None
    key = name_key(name)

    def same(other: str) -> bool:  # "Demo Day 2025" dates the "DigitalService Demo Day"
        return other == key or (" " in other and other in key) or (" " in key and key in other)

    years = [(m.year, sents[m.sentence].kind) for m in mentions if m.year and same(name_key(m.name))]
    if not years:
        return _year_before_name(sents, name)
    return next((y for y, kind in years if kind in ("title", "kicker", "lead")), min(y for y, _ in years))


# a year and a title-case run right before a name: "The 2024 National Association of Counties (NACo) …"
_YEAR_RUN = re.compile(r"\b((?:19|20)\d\d)\s+(?:(?:[A-ZÄÖÜ][\w&.'’-]*|of|for|and|&|\([A-Z]+\))\s+){0,6}$")


def _year_before_name(sents: Sequence[Sentence], name: str) -> int | None:
    """'The 2022 Water Summit', 'The 2024 National Association of Counties (NACo) Annual Conference'."""
    rx = name_rx(name)
    for s in sents:
        for m in rx.finditer(s.text):
            run = _YEAR_RUN.search(s.text, max(0, m.start() - 120), m.start())
            if run:
                return int(run.group(1))
    return None


def other_edition_sentences(
    mentions: list[NameMention], sents: Sequence[Sentence], name: str | None
) -> tuple[set[int], set[int]]:
    """(later, earlier): sentences naming the event with a later or an earlier year than the page's."""
    base = edition_year(mentions, sents, name)
    if not name or base is None:
        return set(), set()
    key = name_key(name)
    later = {m.sentence for m in mentions if m.year and name_key(m.name) == key and m.year > base}
    earlier = {m.sentence for m in mentions if m.year and name_key(m.name) == key and m.year < base}
    return later, earlier


# ---- context -----------------------------------------------------------------------------------


def next_edition_sentences(sents: Sequence[Sentence]) -> set[int]:
    """Sentences about the next edition, plus one anaphoric follow-up in the same block; a 'next'
    sentence without a date ("Wir freuen uns auf die nächste Ausgabe.") with the dated sentence that
    follows it in the same or the next paragraph ("Sie findet am 21. und 22. Juni statt.")."""
    found: set[int] = set()
    for i, s in enumerate(sents):
        if not _NEXT.search(s.text):
            continue
        if find_dates(s.text) or has_format(s.text) or _YEAR_20.search(s.text):
            found.add(i)
            if i + 1 < len(sents) and sents[i + 1].block == s.block and _ANAPHORIC.match(sents[i + 1].text):
                found.add(i + 1)
        elif i + 1 < len(sents) and _dates_the_next(sents[i + 1], s):
            found |= {i, i + 1}
    return found


# a follow-up that dates what the sentence before announced: "Sie findet am … statt", "Termin: …"
_DATE_FOLLOW_UP = re.compile(r"^(?:Termin\w*|Datum|Date|Dates|When|Wann)\b\W|^\W*\d|^(?:Am|Vom|On|From)\s+\d")


def _dates_the_next(follow: Sentence, s: Sentence) -> bool:
    if follow.block - s.block > 1 or follow.kind == "heading" or not find_dates(follow.text):
        return False
    return bool(_ANAPHORIC.match(follow.text) or _DATE_FOLLOW_UP.match(follow.text))


_CITY_ADJ_VENUE = re.compile(r"^[A-ZÄÖÜ][a-zäöüß]+er\s+[A-ZÄÖÜ][a-zäöüß]+$")
_CITY_PREP = re.compile(r"^(?:in der Stadt|in|nach)\s+")


# "im Kesselhaus", "in den Ratssaal": a one-word venue, named only when nothing better is written
_ONE_WORD_VENUE = re.compile(r"^[A-ZÄÖÜ][a-zäöüß]{2,}(?:haus|halle|saal|zentrum|werk|palast|forum|arena)$")


def _venue(text: str, single: bool = False) -> str | None:
    for m in _VENUE.finditer(text):
        venue, city = m.group("venue").strip(), m.group("city")
        if not _VENUE_WORD.search(venue):
            continue
        if city:
            return f"{venue}, {_CITY_PREP.sub('', city.strip())}"
        if " " in venue or re.fullmatch(r"[a-z]+\d+", venue):  # "im Wasserwerk" says too little alone,
            return venue  # a brand name such as "hub27" does not
        if single and _ONE_WORD_VENUE.match(venue):
            return venue
    return None


@lru_cache(maxsize=256)
def _place_after_rx(name: str) -> re.Pattern[str]:
    return re.compile(
        name_rx(name).pattern + r"(?:\s+(?:des|der)\s+(?:[A-ZÄÖÜ][\wäöüß-]+\s+){0,2}?[A-ZÄÖÜ][\wäöüß-]+)?"
        r"(?:\s+\([^)]*\))?\s+in\s+(?P<loc>[A-ZÄÖÜ][\wäöüß-]+(?:\s+(?:am|an der)\s+[A-ZÄÖÜ][\wäöüß]+)?)"
        r"(?![\wäöü-])",
        re.IGNORECASE,
    )


def _place_after_name(text: str, name: str | None) -> str | None:
    """'die Hauptversammlung des Deutschen Städtetages in Köln': the place right after the name."""
    if not name or " in " not in text:
        return None
    m = _place_after_rx(name).search(text)
    return m.group("loc") if m and m.group("loc")[0].isupper() else None


def detect_location(
    texts: Sequence[str], name: str | None = None, body: Sequence[str] | None = None
) -> str | None:
    """The first sentence that places the event: its venue (with the city), else the place named
    right after the event, else a known city."""
    weak: str | None = None  # "auf dem Berliner Messegelände": a city adjective and a common noun
    for t in texts:
        found = _venue(t)
        if found and _CITY_ADJ_VENUE.match(found):
            weak = weak or found
            continue
        found = found or _place_after_name(t, name)
        if found:
            return found
        m = _LOCATION.search(t)
        if m:
            return m.group("loc").strip()
    # a one-word venue only from the article's own text (a headline's "im Wasserwerk" is a label)
    return weak or next((v for t in (body or []) if (v := _venue(t, single=True))), None)


# ---- dates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedMention:
    mention: DateMention
    span: tuple[date, date]
    sentence: int
    guessed_year: bool = False  # the year came from the page or the reference date, not the sentence


def dated_mentions(
    sents: Sequence[Sentence], ref: date | None, page_year: int | None = None
) -> list[DatedMention]:
    """Every date with its days; a year-less date takes the year its sentence names, else the page's
    year for its event, else the year closest to `ref`."""
    out = []
    for i, s in enumerate(sents):
        dateline = dateline_date(s.text) if s.kind in ("lead", "text") else None
        for m in find_dates(s.text):
            if dateline and m.start < dateline[1]:
                continue  # "München, 19. November 2013. …": when the report was written
            own = m.y1 or m.y2 or year_in_sentence(s.text, m)
            span = resolve(m, ref, own or page_year)
            if span and ref and not (own or page_year):
                span = _tense_year(m, span, ref, s.text)
            if span:
                out.append(DatedMention(m, span, i, guessed_year=not own))
    return out


# a sentence that tells of what is still to come: its year-less date is not before the reference date
_FUTURE = folded(
    r"\b(?:will|wird|werden|findet|finden|is scheduled|are scheduled|geplant|upcoming|kommende[nrs]?|"
    r"takes place|opens|beginnt)\b",
    re.IGNORECASE,
)


def _tense_year(m: DateMention, span: tuple[date, date], ref: date, text: str) -> tuple[date, date]:
    """A year-less date takes its year from the tense around it: a report of what took place ("From
    November 15-17, over 920 … gathered") dates it before the publication, an announcement after it;
    the year nearest to the publication date only where the sentence tells neither."""
    past = bool(_RECAP_VERB.search(text)) and not _FUTURE.search(text)
    future = not past and bool(_FUTURE.search(text))
    slack = timedelta(days=7)
    if past and span[0] > ref + slack:
        return resolve(m, None, span[0].year - 1) or span
    if future and span[1] < ref - slack:
        return resolve(m, None, span[0].year + 1) or span
    return span


def after_event(d: DatedMention, span: tuple[date, date]) -> DatedMention:
    """A next edition's year-less date ("die nächste Ausgabe am 18. Oktober") falls after the event."""
    if not d.guessed_year:
        return d
    for year in (span[1].year, span[1].year + 1):
        moved = resolve(d.mention, None, year)
        if moved and moved[0] > span[1]:
            return DatedMention(d.mention, moved, d.sentence, guessed_year=True)
    return d


# "Zu dem zweitägigen Treffen, das bis Freitag dauert": a length in days makes one weekday a span
_DAYS_LONG = folded(
    r"\b(?P<n>zwei|drei|vier|fünf|two|three|four|five|[2-5])(?:-?tägig\w*|-day\b|\s+(?:Tage|days)\b)",
    re.IGNORECASE,
)
_NUMBER_WORDS = {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "two": 2, "three": 3, "four": 4, "five": 5}
_ENDED = folded(r"\b(?:endete|endet|zu Ende|ended|ends|closed|closes|dauert|dauerte|lasts|lasted)\b", re.I)


def weekday_mentions(sents: Sequence[Sentence], published: date) -> list[DatedMention]:
    """Weekdays without a date ('am Donnerstag', 'bis Freitag'), read against the publication date;
    with a length in days in the same sentence, a span that ends ('bis', 'endete') or starts there."""
    out = []
    for i, s in enumerate(sents):
        for w in find_weekdays(s.text):
            start, end = resolve_weekday(w, published)
            days = _DAYS_LONG.search(s.text)
            if start == end and days:
                n = _NUMBER_WORDS.get(days.group("n").lower()) or int(days.group("n"))
                if w.prep.startswith(("bis", "until", "through", "by")) or _ENDED.search(s.text):
                    start = end - timedelta(days=n - 1)
                else:
                    end = start + timedelta(days=n - 1)
            until = (end.day, end.month, end.year) if end != start else (None, None, None)
            mention = DateMention(w.start, w.end, w.text, start.day, start.month, start.year, *until)
            out.append(DatedMention(mention, (start, end), i))
    return out


def _headline_year(sents: Sequence[Sentence]) -> int | None:
    """A year the headline stands by ("Rückblick 2023: …"), for dates the text writes without one."""
    for s in sents:
        if s.kind == "title":
            m = LONE_YEAR.search(s.text)
            if m:
                return int(m.group(1))
    return None


def _text_year(sents: Sequence[Sentence]) -> int | None:
    """The year a page without a date tells in its text ("the best attended summit in 2023"): the one
    written beside a gathering, else the one written most often; not a year of another time ("seit
    2015", "bis 2030") and not a date's."""
    near: list[int] = []
    years: list[int] = []
    for s in sents:
        if s.kind == "title" or not LONE_YEAR.search(s.text):
            continue
        found = [y for y in (year_in_sentence(s.text, _NOWHERE),) if y]
        years += found
        if found and event_nouns(s.text):
            near += found
    pool = near or years
    return max(set(pool), key=lambda y: (pool.count(y), -pool.index(y))) if pool else None


_NOWHERE = DateMention(0, 0, "", 1, 1, None)  # a mention at the start: the sentence's first standalone year


def reference_date(published: date | None, sents: Sequence[Sentence]) -> date | None:
    """The publication date, else the first fully written date in the text."""
    if published:
        return published
    for s in sents:
        for m in find_dates(s.text):
            if m.y1 or m.y2:
                span = resolve(m, None)
                if span:
                    return span[0]
    return None


# A postponed event: the dates it was first planned for, and the new ones
_ORIGINAL = re.compile(
    r"\b(?:ursprünglich|eigentlich|zunächst|originally|initially|previously)\b[^.;]{0,30}$", re.IGNORECASE
)
_RESCHEDULED = re.compile(
    r"(?:\b(?:verschoben|verlegt)\s+(?:auf|in)\b[^.;]{0,20}|\bneue[rnms]?\s+Termin\w*\W+(?:ist\W+)?"
    r"(?:\w+,?\s+)?|\b(?:postponed|rescheduled|moved)\s+(?:to|until|for)\b[^.;]{0,20}|\bnew dates?\W+"
    r"(?:\w+\s+)?)$",
    re.IGNORECASE,
)


# a deadline, not the event: "Anmeldeschluss ist der 28. März", "early-bird rates end Oct. 1"
_DEADLINE = folded(
    r"\b(?:Anmeldeschluss|Anmeldefrist|Einsendeschluss|Bewerbungsschluss|Meldeschluss|Frist|Deadline|"
    r"early[- ]bird|register(?:ed)? by|registration (?:closes|ends|deadline)|rates? (?:end|expire)s?|"
    r"(?:anmelden|Anmeldung|bewerben|Bewerbung)\w* (?:bis|bis zum|until))\b[^.;]{0,40}$",
    re.IGNORECASE,
)


def is_deadline(d: DatedMention, sents: Sequence[Sentence]) -> bool:
    return bool(_DEADLINE.search(sents[d.sentence].text[: d.mention.start]))


def is_original_date(d: DatedMention, sents: Sequence[Sentence]) -> bool:
    """'ursprünglich für den 22. bis 24. Februar geplant': the dates of a postponed plan."""
    return bool(_ORIGINAL.search(sents[d.sentence].text[: d.mention.start]))


# "who ended her presidency on November 18": a person's term, not the event, ends or begins
_ABOUT_A_PERSON = folded(
    r"\b(?:presidency|term|tenure|Amtszeit|Amt|Vorsitz|Präsidentschaft|retire\w*|Ruhestand)\b", re.IGNORECASE
)


def _names_a_gathering(text: str, name: str | None) -> bool:
    """A gathering of any name ("annual business meeting", "Breitbandgespräch"), but not another event
    named in title case ("July 13-14 Virtual Meeting" beside the conference the page is about)."""
    key = name_key(name) if name else ""
    return any(" " not in noun or not noun.istitle() or name_key(noun) in key for noun in event_nouns(text))


def _date_score(d: DatedMention, sents: Sequence[Sentence], name: str | None) -> float:
    text = sents[d.sentence].text
    score = 2.0 if d.mention.is_range else 0.0
    if _RESCHEDULED.search(text[: d.mention.start]):
        score += 3
    if name and name_rx(name).search(text):
        score += 3
    gathering = _EVENT_WORD.search(text) or _names_a_gathering(text, name)
    if gathering or (_EVENT_VERB.search(text) and not _ABOUT_A_PERSON.search(text)):
        score += 2
    if _FROM_BEFORE.search(text, 0, d.mention.start):
        score += 1
    if sents[d.sentence].kind in ("title", "kicker", "lead"):
        score += 1
    return score


_UNTIL = re.compile(r"\b(?:bis(?: zum| einschließlich)?|until|through|till)\s*$", re.IGNORECASE)


def extend_span(
    span: tuple[date, date], candidates: list[DatedMention], sents: Sequence[Sentence], start_sentence: int
) -> tuple[date, date]:
    """'Am 13. Juni begann … Bis zum 14. Juni diskutierten …': a single day extended by a 'bis' date."""
    for d in candidates:
        if not 0 < d.sentence - start_sentence <= 2 or d.mention.is_range:
            continue
        text = sents[d.sentence].text
        if _UNTIL.search(text[: d.mention.start]) and 0 < (d.span[0] - span[0]).days <= 14:
            return span[0], d.span[0]
    return span


def pick_span(
    candidates: list[DatedMention], sents: Sequence[Sentence], name: str | None
) -> tuple[date, date] | None:
    scored = [(d, _date_score(d, sents, name)) for d in candidates]
    scored = [(d, s) for d, s in scored if s >= 2]
    if not scored:
        return None
    best = max(scored, key=lambda x: (x[1], -x[0].sentence))[0]
    if best.span[0] == best.span[1]:
        return extend_span(best.span, candidates, sents, best.sentence)
    return best.span


# ---- counts ------------------------------------------------------------------------------------

_TOTAL = Gated(
    re.compile(r"\b(?:insgesamt|gesamt|in total|a total of|total|overall)\b", re.I), "gesamt|total|overall"
)


@lru_cache(maxsize=1024)
def _without_previous(text: str) -> str:
    """The sentence without its clauses about an earlier edition: 'After a virtual-only edition last
    year, this year's event expects 2,500+ attendees' keeps its second clause."""
    if not _PREVIOUS.search(text):
        return text
    clauses = re.split(r"(?<=[,;:–])\s+", text)

    def earlier(clause: str) -> bool:
        return any(
            not re.search(r"\b(?:als|than|wie|as)\s*$", clause[: m.start()])
            for m in _PREVIOUS.finditer(clause)
        )

    return " ".join(c for c in clauses if not earlier(c))


def counts_in(sents: Sequence[Sentence], indexes: Sequence[int]) -> list[tuple[CountMention, bool]]:
    """Counts with a flag telling whether the sentence presents them as a total."""
    out: list[tuple[CountMention, bool]] = []
    for i in indexes:
        if not may_count(sents[i].text):
            continue  # most sentences hold no number at all
        text = _without_previous(sents[i].text)
        if _NOT_EVENT_CONTEXT.search(text):
            text = _drop_clauses(text)
        total = bool(_TOTAL.search(text))
        out.extend((c, total) for c in find_counts(text))
    return out


def _drop_clauses(text: str) -> str:
    """Keep only the clauses of a sentence that are not about an association's size."""
    parts = re.split(r"[,;:]|\s+und\s+|\s+and\s+", text)
    return ", ".join(p for p in parts if not _NOT_EVENT_CONTEXT.search(p))


def _bounds(c: Count) -> tuple[float, float]:
    v = float(c.value)
    return {
        "exact": (v, v),
        "more_than": (v + 1e-9, float("inf")),
        "at_least": (v, float("inf")),
        "up_to": (0.0, v),
        "about": (v * 0.85, v * 1.15),
    }[c.qualifier]


def _compatible(a: Count, b: Count) -> bool:
    (a1, a2), (b1, b2) = _bounds(a), _bounds(b)
    return a1 <= b2 and b1 <= a2


def _rounds(first: Count, later: Count) -> bool:
    """The first figure is a round form of the later, precise one: 5000 for 4917, 1.000 for 985."""
    v, w = first.value, later.value
    return (
        first.qualifier in ("exact", "about")
        and later.qualifier == "exact"
        and v % 100 == 0
        and w % 100 != 0
        and abs(v - w) <= 0.05 * v
    )


def merge_counts(mentions: list[tuple[CountMention, bool]]) -> tuple[dict[str, Count], list[str]]:
    """The first count of each kind, and a warning for every later count that contradicts it.

    A later, smaller count is usually a subset ("250 Gäste vor Ort"); it contradicts only when the
    text presents it as the total. A later count above the first one's range always contradicts.
    """
    counts: dict[str, Count] = {}
    warnings: list[str] = []
    for m, total in mentions:
        if m.kind not in counts:
            counts[m.kind] = m.count
            continue
        first = counts[m.kind]
        if _rounds(first, m.count):
            counts[m.kind] = m.count  # "5000 Besucher kamen" in the headline, "4917 Besucher" in the text
            continue
        above = _bounds(m.count)[0] > _bounds(first)[1]
        if m.count != first and not _compatible(m.count, first) and (total or above):
            warnings.append(
                f"counts disagree: {m.kind} {first.value} ({first.qualifier}) vs "
                f"{m.count.value} ({m.count.qualifier})"
            )
    p, s = counts.get("participants"), counts.get("speakers")
    if p and s and _bounds(s)[0] > _bounds(p)[1]:
        warnings.append(f"counts disagree: more speakers ({s.value}) than participants ({p.value})")
    return counts, warnings


# ---- the analysis ------------------------------------------------------------------------------


def _jsonld_event(objs: list[dict[str, Any]]) -> dict[str, Any] | None:
    for obj in objs:
        declared = obj.get("@type")
        types = {str(t) for t in (declared if isinstance(declared, list) else [declared])}
        if any(t.endswith("Event") for t in types) and obj.get("name"):
            return obj
    return None


def _ld_date(value: Any) -> date | None:
    m = re.match(r"((?:19|20)\d\d)-(\d\d)-(\d\d)", str(value or ""))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _ld_format(obj: dict[str, Any]) -> EventFormat | None:
    mode = str(obj.get("eventAttendanceMode") or "")
    return (
        "hybrid"
        if "Mixed" in mode
        else "online"
        if "Online" in mode
        else "in-person"
        if "Offline" in mode
        else None
    )


def _ld_location(obj: dict[str, Any]) -> str | None:
    loc = obj.get("location")
    if isinstance(loc, list):
        loc = next((x for x in loc if isinstance(x, dict) and x.get("@type") != "VirtualLocation"), None)
    if isinstance(loc, dict) and loc.get("@type") != "VirtualLocation":
        addr = loc.get("address")
        city = addr.get("addressLocality") if isinstance(addr, dict) else None
        parts = [str(p) for p in (loc.get("name"), city) if p]
        return ", ".join(dict.fromkeys(parts)) or None
    return str(loc) if isinstance(loc, str) else None


def _strip_year(name: str) -> str:
    return re.sub(r"\s+(?:19|20)\d\d$", "", str(name)).strip()


def analyse_event(
    sents: Sequence[Sentence], published: date | None, jsonld: list[dict[str, Any]]
) -> EventAnalysis:
    result = EventAnalysis()
    event_nouns.cache_clear()  # caches for this page's sentences only: no page is seen twice
    _without_previous.cache_clear()
    formats_cache_clear()
    find_dates.cache_clear()
    ref = reference_date(published, sents)
    mentions = event_names(sents)
    name = best_event_name(sents, mentions)
    later, earlier = other_edition_sentences(mentions, sents, name)
    next_idx = next_edition_sentences(sents) | later
    result.next_sentences = next_idx
    page_year = edition_year(mentions, sents, name) or (
        None if published else _headline_year(sents) or _text_year(sents)
    )
    dated = dated_mentions(sents, ref, page_year)
    for d in dated:
        warning = weekday_mismatch(d.mention, None, d.span[0].year)
        if warning and warning not in result.warnings:
            result.warnings.append(warning)
    current = [i for i in range(len(sents)) if i not in next_idx and i not in earlier]
    original = [d for d in dated if is_original_date(d, sents)]
    candidates = [d for d in dated if d.sentence in current and d not in original]
    span = pick_span([d for d in candidates if not is_deadline(d, sents)], sents, name)
    if span is None and published is not None:  # no date written: "am Donnerstag", "bis Freitag"
        by_weekday = weekday_mentions(sents, published)
        span = pick_span([d for d in by_weekday if d.sentence in current], sents, name)
        dated += by_weekday
    next_dated = [after_event(d, span) if span else d for d in dated if d.sentence in next_idx]
    next_span = pick_span(next_dated, sents, None) or next((d.span for d in next_dated), None)
    counts, count_warnings = merge_counts(counts_in(sents, _this_edition(sents, current, span)))
    cur_texts = [sents[i].text for i in current]
    fmt = detect_format(cur_texts, gathering=True)
    ld = _jsonld_event(jsonld)
    # a report with an edition of its own, or one of what took place, keeps its "next" apart
    own_year = page_year or _headline_year(sents)
    next_later = bool(own_year and next_span and next_span[0].year > own_year)
    recap = (
        span is None
        and next_span is not None
        and (next_later or any(_RECAP_VERB.search(t) for t in cur_texts))
    )
    if span is None and next_span is not None and not recap:
        span, next_span = next_span, None  # an announcement: the "next" edition is the page's subject
        fmt = fmt or detect_format([sents[i].text for i in next_idx])
        current = sorted(set(current) | next_idx)
        cur_texts = [sents[i].text for i in current]
        next_idx = set()
    if ld is not None:
        name = _strip_year(ld["name"])
        ld_start, ld_end = _ld_date(ld.get("startDate")), _ld_date(ld.get("endDate"))
        if ld_start:
            span = (ld_start, ld_end or ld_start)
        fmt = _ld_format(ld) or fmt
    dating = {sents[d.sentence].text for d in dated if span and d.span == span}  # where its dates are
    location = None
    if fmt is None:  # a venue stands for the format; otherwise it is looked for only on an event page
        location = _locate(sents, current, dating, name, ld)
        fmt = "in-person" if location and not ld else None
    if ld is None:
        evidence = weigh(
            sents,
            current,
            dated=span is not None,
            attended=bool(counts),
            setting=bool(fmt or location),
            names={m.sentence: m.name for m in reversed(mentions)},
        )
        if not evidence.is_event:
            return result
        name = name or evidence.noun
    if location is None:
        location = _locate(sents, current, dating, name, ld)
    result.event = EventFacts(
        name=name or "",
        start=span[0] if span else None,
        end=span[1] if span else None,
        format=fmt,
        location=location,
        counts=counts,
    )
    result.span = span
    result.warnings += count_warnings
    if span and original and original[0].span != span:
        was = original[0].span
        result.warnings.append(
            f"event postponed: originally {was[0].isoformat()} – {was[1].isoformat()}, "
            f"now {span[0].isoformat()} – {span[1].isoformat()}"
        )
    if next_idx and (next_span or detect_format([sents[i].text for i in next_idx])):
        result.next_event = _next_event(sents, next_idx, next_span, mentions, name)
    result.warnings += _date_warnings(result)
    return result


def _locate(
    sents: Sequence[Sentence],
    current: list[int],
    dating: set[str],
    name: str | None,
    ld: dict[str, Any] | None,
) -> str | None:
    """Where the event is: JSON-LD's place, else a venue or town in the sentences that name it, date it or
    say it happens, else an agency dateline's place."""
    cur_texts = [sents[i].text for i in current]
    rx = name_rx(name) if name else None
    placing = [t for t in cur_texts if (rx and rx.search(t)) or t in dating or _EVENT_VERB.search(t)]
    body = [
        _without_previous(t) for i in current if sents[i].kind == "text" and (t := sents[i].text) in placing
    ]
    return (
        (_ld_location(ld) if ld else None)
        or detect_location(placing, name, body)
        or _dateline_place([sents[i] for i in current], name)
    )


# a newspaper's dateline in capitals: "TULSA — …", "FULDA. …", "BEND, Ore. (KTVZ) -- …"
_CAPS_DATELINE = re.compile(
    r"^(?P<place>[A-ZÄÖÜ]{3,}(?:[ -][A-ZÄÖÜ]{2,}){0,2})(?:,\s*[A-Z][a-z]{1,5}\.)?\s*(?:\([^()]{1,20}\)\s*)?"
    r"(?:\.|:|--|[–—-])(?:\s+|$)"
)


def _dateline_place(sents: Sequence[Sentence], name: str | None) -> str | None:
    """'Berlin (dpa) - … beim Digital-Gipfel …', 'TULSA — The … conference has kicked off': a report
    from where the event it names in its opening is."""
    texts = [s for s in sents if s.kind in ("lead", "text")][:2]
    if not texts:
        return None
    opening = texts[0].text
    if len(texts) > 1 and texts[1].block == texts[0].block and _CAPS_DATELINE.fullmatch(opening.strip()):
        opening = f"{opening} {texts[1].text}"  # "FULDA." was split off as a sentence of its own
    m = DATELINE.match(opening)
    caps = None if m else _CAPS_DATELINE.match(opening)
    place = m.group("place") if m else caps.group("place").title() if caps else None
    named = (name and name_rx(name).search(opening)) or event_nouns(opening)
    return place if place and named else None


def _this_edition(sents: Sequence[Sentence], current: list[int], span: tuple[date, date] | None) -> list[int]:
    """Sentences whose counts belong to this edition: not 'im vergangenen Jahr', not 'Im Februar 2024 …'
    when the event is in 2025."""
    out = []
    for i in current:
        text = sents[i].text
        if not _without_previous(text).strip():
            continue  # "Im vergangenen Jahr kamen …", but not "weniger als im Vorjahr"
        years = [int(y) for y in _YEARS.findall(text)]
        if span and years and max(years) < span[0].year and sents[i].kind != "title":
            continue
        out.append(i)
    return out


def _next_event(
    sents: Sequence[Sentence],
    next_idx: set[int],
    span: tuple[date, date] | None,
    mentions: list[NameMention],
    name: str | None,
) -> EventFacts:
    texts = [_from_next_word(sents[i].text) for i in sorted(next_idx)]
    own = next((m.name for m in mentions if m.sentence in next_idx), None)
    counts, _ = merge_counts(
        [(c, False) for i in sorted(next_idx) for c in find_counts(_from_next_word(sents[i].text))]
    )
    same = own and name and name_key(name) in name_key(own)
    return EventFacts(
        name=(name if same or not own else own) or "",
        start=span[0] if span else None,
        end=span[1] if span else None,
        format=detect_format(texts),
        location=detect_location(texts),
        counts=counts,
    )


def _from_next_word(text: str) -> str:
    """'Around 14,000 visitors … – next edition in October 2025': only what is said of the next one."""
    m = _NEXT.search(text)
    text = text[m.start() :] if m else text
    return _drop_clauses(text) if _NOT_EVENT_CONTEXT.search(text) else text


def _date_warnings(result: EventAnalysis) -> list[str]:
    out = []
    for label, ev in (("event", result.event), ("next event", result.next_event)):
        if ev and ev.start and ev.end and ev.end < ev.start:
            out.append(f"{label} ends ({ev.end.isoformat()}) before it starts ({ev.start.isoformat()})")
    ev, nxt = result.event, result.next_event
    if ev and nxt and ev.start and nxt.start and nxt.start <= ev.start:
        out.append(
            f"next event ({nxt.start.isoformat()}) does not come after the event ({ev.start.isoformat()})"
        )
    return out
