"""The format of this edition: online, in person or hybrid.

Written format words decide ("komplett digital", "in Präsenz", "hybrid", "both in-person and virtual
components"). Where none is written, an event that places its participants somewhere is in person: a venue
("in der Stadthalle", "im Dorint Hotel", "in the Ballroom"), a place the gathering happens at ("fand in Kiel
statt", "gathered in Portland"), or what only happens in a room (lunch, a guided tour, stands, booths).
Formats offered as a choice ("online oder vor Ort") say nothing about the edition; the caller leaves out
sentences about the next edition.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from scc_sync.extract.evidence import HAPPENS, event_nouns
from scc_sync.extract.gate import Folded, Gated, folded, has_any, lowered
from scc_sync.models import EventFormat

_ONLINE_WORD = r"(?:online|digital|virtuell|virtual|remote|im Livestream|per Livestream|per Video)"
_PRESENT_WORD = r"(?:in[- ]person|vor Ort|in Präsenz|onsite|on-site|face-to-face|physisch)"

_BOTH = r"\s*[–—,-]?\s+(?:and|und|sowie|as well as|als auch|plus)\s+(?:\w+\s+)?"  # "in person – as well as"

_FORMATS: list[tuple[EventFormat, Folded]] = [
    (
        "hybrid",
        folded(
            r"\bhybrid(?:e[nrsm]?)?\s+(?:\w+\s+)?(?:Veranstaltung|Format|Event|Konferenz|Kongress|"
            r"Edition|Messe|Tagung|statt|abgehalten|durchgeführt|event|conference|format|"
            r"edition|summit)|\bHybrid(?:veranstaltung|format|event|konferenz|-\w+)|"
            r"\b(?:als|as an?|im|in)\s+(?:\w+\s+)?hybrid(?:e[nrsm]?|en Format)?\b|"
            r"\b(?:hybrid|hybride[nrs]?)\s*(?:statt|stattfinden|abgehalten)|"
            # both modes side by side: "both in-person and virtual components", "vor Ort und online"
            rf"\b{_PRESENT_WORD}{_BOTH}{_ONLINE_WORD}|\b{_ONLINE_WORD}{_BOTH}{_PRESENT_WORD}",
            re.IGNORECASE,
        ),
    ),
    (
        "online",
        folded(
            r"\b(?:digital|virtuell|online|im Livestream|remote)(?:e[nrsm]?)?\b(?:\W+\w+){0,3}?\W+"
            r"(?:statt|abgehalten|übertragen|gestreamt|"
            r"durchgeführt|veranstaltet|ausgerichtet|stattfinden|stattfand|stattgefunden|stattfindet)\b|"
            r"\b(?:Online|Virtual|Digital)-(?:Konferenz|Veranstaltung|Event|Kongress|Format|Edition|Ausgabe|"
            r"Tagung|Messe)|"
            # a compound that names the gathering online: "Onlineveranstaltung", "Online-Fachtag",
            # "Webkonferenz", "Digitalveranstaltung" ("Digitalkongress" is about digital matters)
            r"\b(?:Online|Web|Virtual|Virtuell)-?[a-zäöüß]*(?:konferenz|kongress|veranstaltung|event|tagung|"
            r"messe|tag|seminar|workshop|forum|dialog|gespräch|treffen|format|reihe|ausgabe|summit|meeting)|"
            r"\bDigital-?(?:veranstaltung|event|format|ausgabe|edition|treffen|seminar|workshop)|"
            r"\b(?:virtuelle[nrs]?|digitale[nrs]?|rein digitale[nrs]?)\s+"
            r"(?:Konferenz|Veranstaltung|"
            r"Event|Kongress|Format|Edition|Ausgabe|Tagung|Messe)|"
            r"\b(?:held|took place|takes place|will take place|"
            r"was held|is held|hosted|went|goes|run|ran)\s+(?:\w+\s+){0,2}?(?:online|virtually|digitally)\b|"
            r"\bvirtual (?:event|conference|edition|summit|format|convention)\b|\bonline-only\b|"
            r"\bfully (?:online|virtual)\b|\bOnline-Format\b|"
            # "erste digital veranstaltete Konferenz", "nahmen online an der Konferenz teil", "rein digital"
            r"\b(?:digital|online|virtuell)\s+(?:veranstaltet|durchgeführt|ausgerichtet)\w*|"
            r"\b(?:nahmen|nehmen|teilnehmen|teilgenommen)\b[^.;]{0,40}\b(?:online|digital|virtuell)\b|"
            r"\b(?:online|digital|virtuell)\s+(?:an|teil|dabei)\b|"
            # the audience joined remotely (a speaker joining by video does not make the event online)
            r"\b(?:Teilnehm\w*|Gäste|Besucher\w*|Zuschauer\w*)\b[^.;]{0,40}\b(?:online|digital|virtuell|per "
            r"Video)\s+zugeschaltet|"
            r"\brein (?:digital|online|virtuell)|\bVideokonferenz\w*|\bWebinar\w*|\btuned in\b|"
            r"\bvirtual(?:ly)?\s+(?:\w+\s+){0,3}?(?:meeting|summit|forum|conference|convention|town hall|"
            r"gathering)s?\b|\bdigital (?:conference|event|summit)s?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "in-person",
        folded(
            r"\bin Präsenz\b|\bPräsenz(?:veranstaltung|format|event|konferenz|kongress|tagung|messe|"
            r"teilnahme|-\w+)\w*|\bin[- ]person\b|\bon-?site\b|\bface-to-face\b|\bvor Ort in [A-ZÄÖÜ]|"
            r"\bwieder (?:live|vor Ort|persönlich)\b|\bphysisch(?:e[nrs]?)? (?:Veranstaltung|statt)|"
            # being there ("vor Ort erleben", "48 Stunden lang vor Ort"); a bare „vor Ort“ means "locally"
            r"\bvor Ort (?:zu )?(?:erleben|erlebt|mitzuerleben|miterleben|dabei|teilnehmen|mitmachen|"
            r"mitzumachen|ausprobieren|auszuprobieren|besichtigen|kennenlernen|kennenzulernen)\b|"
            r"\b(?:Stunden|Tage|Nächte|Wochenende)\s+(?:lang\s+)?vor Ort\b",
            re.IGNORECASE,
        ),
    ),
]
# a choice of formats, not the format of the edition: "die sich online oder vor Ort treffen"
_CHOICE = folded(
    rf"\b(?:{_ONLINE_WORD}|{_PRESENT_WORD})\s+(?:oder|or|bzw\.)\s+(?:{_ONLINE_WORD}|{_PRESENT_WORD})",
    re.IGNORECASE,
)
# "Nach zwei digitalen Ausgaben fand die Tagung wieder in Präsenz statt": the online words are the past
_BACK_IN_PERSON = folded(r"\b(?:wieder|endlich|erstmals seit|again|returned|returns|back)\b", re.IGNORECASE)
# People gathering somewhere: a physical event even when no format word is written
_GATHER = re.compile(
    r"\b(?:kamen|kommen|trafen sich|treffen sich|versammelten sich|zusammengekommen|gathered|came to|"
    r"met at|met in)\b[^.]*?\b(?:in|im|ins|nach|at|to)\s+(?:die\s+|der\s+|den\s+|the\s+)?[A-ZÄÖÜa-z]\w*|"
    r"\b(?:in|im|ins)\s+(?:die\s+|der\s+|den\s+)?[A-ZÄÖÜ][\w\s-]{0,40}?\s+(?:zusammen|kamen|kam)\b",
)
_REMOTE = folded(
    r"\b(?:online|digital(?:e[nrsm]?)?|virtuell\w*|virtual(?:ly)?|livestream\w*|stream\w*|remote)\b",
    re.IGNORECASE,
)

# ---- being somewhere ------------------------------------------------------------------------------

# a room or a building: "in der Stadthalle", "im Kurfürstlichen Schloss", "in the Grand Ballroom"
_VENUE = folded(
    r"\b(?:in|im|ins|am|at|auf dem|auf der)\s+(?:(?:der|dem|den|die|the)\s+)?(?:[\w.'`-]+\s+){0,4}?"
    r"[\w-]*(?:halle|hallen|saal|hotel|zentrum|zentrums|center|centre|schloss|museum|rathaus|haus|stätte|"
    r"akademie|campus|arena|stadion|theater|theatre|kirche|aula|gelände|palais|palast|kloster|straße|"
    r"ballroom|hall|auditorium|stadium|library|velodrome)\b",
    re.IGNORECASE,
)
# what happens only in a room: a meal, a reception, a guided tour, stands and booths
_ON_SITE = Gated(
    re.compile(
        r"\b(?:Mittagessen|Abendessen|Abendveranstaltung\w*|(?:Steh)?[Ee]mpfang|Rundgang|\w*[Ee]xkursion\w*|"
        r"Besichtigung\w*|Stadtführung\w*|Gruppen(?:bild|foto)|\w*[Ss]tänden|Messestand|Ausstellerst[aä]nd\w*|"
        r"Fachausstellung|Hallen|Tagungs(?:ort|büro)|Veranstaltungsort|"
        r"lunch(?:eon)?|dinner|reception|(?:technical |guided )?tours|booths?|exhibit (?:hall|floor)|"
        r"exhibition (?:hall|space|floor)|trade show|standing room|site visits?|field trips?)\b"
    ),
    "mittagessen|abendessen|abendveranstaltung|empfang|rundgang|exkursion|besichtigung|stadtführung|"
    "gruppen|ständen|messestand|ausstellerst|fachausstellung|hallen|tagungs|veranstaltungsort|lunch|"
    "dinner|reception|tours|booth|exhibit|trade show|standing room|site visit|field trip",
)
# a place the gathering happens at: "fand in Kiel statt", "gathered in Portland, Oregon", "to Denver"
_PLACE = re.compile(
    r"\b(?:(?:in|nach|to|at)\s+(?:the\s+)?(?P<place>[A-ZÄÖÜ][\w.'-]+(?:\s+[A-ZÄÖÜ][\w.'-]+){0,2})|"
    r"im\s+(?P<acronym>[A-Z]{2,6}))"  # "im CCH", "im ICC": a venue known by its letters
    r"(?=\s*(?:[,.;:()–—]|$|(?:statt|ein|zusammen|gekommen|geladen|eingeladen|am|an|vom|bei|im|und|mit|"
    r"for|with|on|during|and|from|this|last)\b))"
)
# abstract nouns after "in" ("in Kooperation", "in Zeiten") are no places
_ABSTRACT = re.compile(r"(?:ung|heit|keit|schaft|tion|sion|ität|ismus|nis|ik|enz|anz|ment|tum|arbeit|zeit)$")
# participants said to be there: "Über 200 Teilnehmende konnten sich vor Ort …"
_THERE = folded(
    r"\b(?:Teilnehm\w*|Gäste\w*|Besucher\w*|Delegierte\w*|attendees|participants)\b[^.;]{0,60}\bvor Ort\b",
    re.IGNORECASE,
)


_VENUE_HINTS = (
    "hall", "saal", "säle", "hotel", "zentrum", "center", "centre", "schloss", "museum", "haus", "stätte",
    "akademie", "campus", "arena", "stadion", "theat", "kirche", "aula", "gelände", "pala", "kloster",
    "straße", "ballroom", "auditorium", "stadium", "library", "velodrom",
)  # fmt: skip


def _placed(text: str) -> bool:
    """The sentence puts the gathering in a room or a town."""
    low = lowered(text)
    venue = has_any(low, _VENUE_HINTS) and _VENUE.search(text)  # a cheap test first
    if venue or _ON_SITE.search(text) or ("vor ort" in low and _THERE.search(text)):
        return True
    if not (event_nouns(text) or HAPPENS.search(text)):
        return False
    places = _PLACE.finditer(text)
    return any(m.group("acronym") or not _ABSTRACT.search(m.group("place").split()[-1]) for m in places)


_GATHER_HINTS = ("kam", "komm", "traf", "treff", "versammel", "zusammen", "gathered", "came to", "met ")


def _gathering_there(text: str) -> bool:
    low = lowered(text)
    return has_any(low, _GATHER_HINTS) and bool(_GATHER.search(text)) and not _REMOTE.search(text)


def has_format(text: str) -> bool:
    return bool(_formats_in(text))


# words one of which each format pattern needs: most sentences have none, and skip the patterns
_ONLINE_HINTS = ("digital", "virtu", "online", "livestream", "remote", "video", "webinar", "tuned in", "web")
_PRESENT_HINTS = ("präsenz", "person", "site", "face-to-face", "vor ort", "wieder", "physisch")


# a mode named as what this edition is not: "the alternative to our traditional in-person conference",
# "statt der gewohnten Präsenztagung"
_USUAL_MODE = folded(
    r"\b(?:traditional|usual|regular|normal|instead of|alternative to|replac\w+|gewohnt\w*|übliche\w*|"
    r"sonst\w*|statt (?:der|des|dem|einer|eines)|anstelle|anstatt)\b(?:\W+\w+){0,3}?\W+"
    r"(?:in[- ]person|Präsenz\w*|face-to-face|physisch\w*)",
    re.IGNORECASE,
)


@lru_cache(maxsize=1024)
def _formats_in(text: str) -> frozenset[EventFormat]:
    """The format words of one sentence (cached for the page: several steps ask about the same ones)."""
    low = lowered(text)
    online = has_any(low, _ONLINE_HINTS)
    present = has_any(low, _PRESENT_HINTS)
    hinted = {"hybrid": "hybrid" in low or (online and present), "online": online, "in-person": present}
    if not (online or present or hinted["hybrid"]) or _CHOICE.search(text):
        return frozenset()
    found = {fmt for fmt, rx in _FORMATS if hinted[fmt] and rx.search(text)}
    if "in-person" in found and online and _USUAL_MODE.search(text):
        found -= {"in-person"} if "hybrid" in low else {"in-person", "hybrid"}
    if found == {"online", "in-person"} and _BACK_IN_PERSON.search(text):
        return frozenset({"in-person"})
    return frozenset(found)


def detect_format(texts: Sequence[str], gathering: bool = False) -> EventFormat | None:
    """The written format. With `gathering` (the sentences of the event itself), people meeting at a
    place count as being there, and so does an event its sentences put somewhere, when no format word
    is written."""
    seen = {fmt for t in texts for fmt in _formats_in(t)}
    if gathering and "hybrid" not in seen and any(_gathering_there(t) for t in texts):
        seen.add("in-person")  # with a stream elsewhere on the page this makes the event hybrid
    if "hybrid" in seen or {"online", "in-person"} <= seen:
        return "hybrid"
    if seen:
        return next(iter(seen))
    if gathering and any(_placed(t) for t in texts):
        return "in-person"
    return None


def cache_clear() -> None:
    """Forget the sentences of the last page (the caches hold one page's sentences)."""
    _formats_in.cache_clear()
