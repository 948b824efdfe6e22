"""Person names found as names: a known first name, then a capitalised surname.

First-name knowledge comes from `gender_guesser` (about 45,000 given names of many countries, loaded once per
process on first use). Its list also holds words that are names somewhere but function words or months here
("Am", "In", "The", "Mai", "June"), so a short stop list of closed-class words is kept beside it.
The gender it reports also gives roles their base form ("Vorsitzende" → "Vorsitzender" for a man).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scc_sync.extract.gate import class_first

# Closed-class words (articles, pronouns, prepositions, conjunctions, adverbs), months and weekdays, and
# common English words that the first-name list also holds: never a first name in running text.
_NOT_FIRST = {
    "am", "an", "im", "in", "bei", "da", "so", "wo", "er", "sie", "es", "eine", "einer", "seit", "mal",
    "the", "his", "her", "here", "one", "you", "he", "to", "on", "just", "will", "may", "can", "art",
    "january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december", "januar", "februar", "juni", "juli", "oktober", "dezember", "mai", "märz",
    "general", "vice", "urban", "brain", "justice", "judge", "key", "deep", "chance", "age", "grant", "major",
    "bitte", "tage", "titel", "lage", "linie", "halle", "tore", "sinne", "pastor", "gent", "kap", "hack",
    "san", "santa", "los", "las", "st", "sankt", "bad", "new", "north", "south", "east", "west",
}  # fmt: skip
# Particles inside a surname: "Hilmar von Lojewski", "Mark De la Vergne", "Lieve van der Berg"
_PARTICLES = {
    "von", "van", "de", "der", "den", "la", "le", "di", "da", "du", "zu", "vom", "ten", "ter", "del",
}  # fmt: skip
_ARTICLE_PARTICLES = {"der", "den"}
_WORD = re.compile(r"[^\s,;:()\[\]„“”\"»«!?/]+")
_LOWER = "a-zäöüßéèáàíóúçñëï"
_NAME_WORD = re.compile(rf"^[A-ZÄÖÜ][{_LOWER}]+(?:-[A-ZÄÖÜ][{_LOWER}]+)*$")
# Surnames also come as "McCahan", "O'Neill", "DeSantis"
_SURNAME = re.compile(rf"^(?:Mc|Mac|O'|O’|De|Di|La|Le)?[A-ZÄÖÜ][{_LOWER}]+(?:-[A-ZÄÖÜ][{_LOWER}]+)*$")
_INITIAL = re.compile(r"^[A-Z]\.$")
# A capitalised word that may be a first name, with a word after it
_CANDIDATE = class_first(
    r"(?<![\w'’.-])[A-ZÄÖÜ][a-zäöüßéèáàíóúçñëï]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàíóúçñëï]+)*(?=\s+\S)"
)
# "The Austin Chronicle" is a title, "St. Matthew Church" a church, not a person
_THE_BEFORE = re.compile(r"(?:(?<![\w-])[Tt]he|\bSt\.|\bSankt|\bSaint)\s+$")
# A word after a name that makes the name part of an organization's or a place's name
_NAME_IN_ORG = re.compile(
    r"^(?:Family|Foundation|Stiftung|Institut|Institute|Schule|School|Preis|Prize|Award|Straße|Strasse|Street|"
    r"Platz|Square|Center|Centre|Zentrum|Hall|Halle|Park|University|Universität|College|Gymnasium|Haus|House|"
    r"Museum|Fellowship|Lecture|Trophy|Cup|Gesellschaft|Society|Memorial|Brücke|Bridge|Airport|Flughafen|"
    r"Photography|Fotografie|Studio|Studios|Chronicle|Times|Post|News|Media|Verlag|Consulting|Klinik|Klinikum|"
    r"Krankenhaus|Hospital|Kirche|Church|Hotel|Arena|Stadion|Stadium|Saal|Realschule|Grundschule|Library|"
    r"Bibliothek|Café|Cafe|Restaurant|Theater|Theatre|"
    r"AG|GmbH|SE|KG|KGaA|Inc|Inc\.|Ltd|Ltd\.|LLC|Corp|Corp\.|Co\.|e\.V\.|Company|Group|Gruppe)$"
)


@dataclass(frozen=True)
class NameSpan:
    start: int
    end: int
    name: str


@lru_cache(maxsize=1)
def _detector() -> Any:
    import gender_guesser.detector as gender_detector  # type: ignore[import-untyped]  # heavy: ~0.6 s and ~20 MiB, so only when needed

    return gender_detector.Detector(case_sensitive=True)


@lru_cache(maxsize=16384)
def first_name_gender(word: str) -> str | None:
    """'m' or 'f' (or '?' for either) when `word` is a known first name; None otherwise.
    A hyphenated first name ('Karl-Peter') is known when each of its parts is."""
    if word.lower() in _NOT_FIRST or not _NAME_WORD.match(word):
        return None
    genders = [_detector().get_gender(part) for part in word.split("-")]
    if any(g == "unknown" for g in genders) or (len(word) < 4 and genders[0] == "andy"):
        return None
    first = genders[0]
    if "female" in first:
        return "f"
    return "m" if first.endswith("male") else "?"


def is_first_name(word: str) -> bool:
    return first_name_gender(word) is not None


def person_gender(name: str) -> str | None:
    """'m' / 'f' from the first name, None when unknown or ambiguous."""
    gender = first_name_gender(name.split()[0])
    return gender if gender in ("m", "f") else None


def _plain_surname(word: str, rejects: Any) -> bool:
    return bool(_SURNAME.match(word)) and word.lower() not in _NOT_FIRST and not rejects(word)


def find_names(text: str, rejects: Any = lambda w: False) -> list[NameSpan]:
    """Every 'First [Middle|Initial] [particle] Surname' in `text` whose first name is known.
    `rejects(word)` vetoes a surname (role words, common-noun endings); a name directly followed by an
    organization word ('… Family Foundation') is part of that name, not a person."""
    found: list[NameSpan] = []
    skip = 0  # the end of a name rejected whole ("the Jimmy Carter Library"): no name starts inside it
    for m in _CANDIDATE.finditer(text):
        if (found and m.start() < found[-1].end) or m.start() < skip or not is_first_name(m.group(0)):
            continue
        # only the words from a known first name on, as far as a name reads them: tokenising whole
        # sentences costs more than the rest
        span = _name_at(text, _Words(text, m.start()), 0, rejects)
        if span and _THE_BEFORE.search(text[max(0, m.start() - 8) : m.start()]):
            skip = span.end
        elif span:
            found.append(span)
    return found


class _Words:
    """The words of `text` from `start` on (up to 160 characters), each (start, end, word) as
    `_without_full_stop` gives it, tokenised as far as they are asked for."""

    __slots__ = ("_found", "_words")

    def __init__(self, text: str, start: int) -> None:
        self._found = _WORD.finditer(text, start, start + 160)
        self._words: list[tuple[int, int, str]] = []

    def has(self, k: int) -> bool:
        """Whether there is a word k."""
        while len(self._words) <= k:
            w = next(self._found, None)
            if w is None:
                return False
            self._words.append(_without_full_stop(w.start(), w.group(0)))
        return k >= 0

    def __getitem__(self, k: int) -> tuple[int, int, str]:
        self.has(k)
        return self._words[k]


def _name_at(text: str, words: _Words, i: int, rejects: Any) -> NameSpan | None:
    if not is_first_name(words[i][2]) or rejects(words[i][2]):
        return None
    j = i + 1
    # further given names or initials, as long as a surname still follows
    while (
        words.has(j + 1)
        and _adjacent(text, words, j)
        and (_INITIAL.match(words[j][2]) or is_first_name(words[j][2]))
    ):
        surname_follows = _adjacent(text, words, j + 1) and _SURNAME.match(words[j + 1][2])
        if not (surname_follows or _INITIAL.match(words[j][2])):
            break
        j += 1
    k = j
    while words.has(k) and _adjacent(text, words, k) and words[k][2].lower() in _PARTICLES and k - j < 2:
        if k == j and words[k][2] in _ARTICLE_PARTICLES:
            break  # "dankte Lang den Helfern": an article, unless after "van" / "von" ("van der Berg")
        k += 1
    if k > j and not (words.has(k) and _adjacent(text, words, k) and _SURNAME.match(words[k][2])):
        k = j  # "Anna de …" without a surname after the particle
    if not words.has(k) or not _adjacent(text, words, k) or not _plain_surname(words[k][2], rejects):
        return None
    if _NAME_IN_ORG.match(words[k][2]):
        return None  # "Todd Beispiel Photography"
    end = k
    after = end + 1
    if words.has(after) and _adjacent(text, words, after):
        if _NAME_IN_ORG.match(words[after][2]) or _capitalised_run(text, words, after):
            return None  # "Bob Woodruff Family Foundation", "Fira Barcelona Gran Via": a longer proper name
        # a second surname ("Claus Ruhe Madsen (…)"): only right before a bracket or a comma, since a
        # German noun may follow a name ("als Anna Schmidt Fragen stellte")
        following = text[words[after][1] : words[after][1] + 2].lstrip()
        if (
            _plain_surname(words[after][2], rejects)
            and not is_first_name(words[after][2])
            and following[:1] in ("(", ",")
        ):
            end = after
    start, stop = words[i][0], words[end][1]
    return NameSpan(start, stop, " ".join(text[start:stop].split()))


def _capitalised_run(text: str, words: _Words, k: int) -> bool:
    """Words k and k+1 are both capitalised and follow on without punctuation."""
    return (
        words.has(k + 1)
        and _adjacent(text, words, k + 1)
        and all(words[n][2][:1].isupper() for n in (k, k + 1))
    )


def _without_full_stop(start: int, word: str) -> tuple[int, int, str]:
    """A word without the full stop that ends its sentence ('Müller.'), but an initial keeps its dot."""
    if word.endswith(".") and not _INITIAL.match(word) and len(word) > 1:
        word = word.rstrip(".")
    return start, start + len(word), word


def _adjacent(text: str, words: _Words, k: int) -> bool:
    """Word k follows word k-1 with only spaces between (no punctuation)."""
    return k > 0 and not text[words[k - 1][1] : words[k][0]].strip()
