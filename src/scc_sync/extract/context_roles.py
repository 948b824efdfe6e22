"""The role a sentence gives a name that no fixed pattern gave one.

Three places hold it:
  before the name, perhaps long:  "der Vorsitzende des Vorstands der Beispiel AG Dr. Max Muster",
                                  "Interim City Manager Jane Roe", "des Bayerischen Umweltministers Max …"
  after it, as an apposition:     "Jane Roe (SPD), Oberbürgermeisterin der Stadt …", "Max Muster [3], der
                                  frühere Verkehrsminister …", "Jane Roe (County Board Representative)"
  in an "als" phrase of a sentence about one person: "…, welcher sich als CDO der Stadt … einsetzt"
"""

from __future__ import annotations

import re
from collections.abc import Callable

from scc_sync.extract.names import find_names, first_name_gender
from scc_sync.extract.roles import PLURAL_ABBREVIATIONS, base_role, is_role_word

RoleSplitter = Callable[[str], tuple[str | None, str | None]]

# Words that may stand between a role word and the name: an organization or department in the genitive
# or after a preposition ("Vorstand Personenverkehr der Beispielbahn AG")
_ARTICLES = {"der", "die", "des", "dem", "den", "the"}
_CONNECTORS = {
    "des", "der", "dem", "den", "im", "beim", "am", "von", "vom", "für", "zur", "zum", "of", "the", "for",
    "at", "an", "bei", "&", "a.", "d.",
}  # fmt: skip
_ACADEMIC_TAIL = re.compile(
    r"(?:\s*(?:Prof\.|Dr\.|Dr\.-Ing\.|Dipl\.-[A-Z][a-zäöü]*\.|h\.\s?c\.|PD|Frau|Herr|Mr\.|Mrs\.|Ms\.))+\s*$"
)
# A lowercase adjective before a role: "ehemalige", "stellvertretenden", "langjährige", "amtierende"
# (not "-te": "diskutierte Ministerin …" is a verb before the role)
ROLE_ADJECTIVE = re.compile(
    r"^(?:[a-zäöü]+(?:ig|lich|isch|end)|neu|früher|designiert|erst|zweit|dritt|letzt)(?:e|en|er|es|em)$"
)
# A capitalised one: "Bayerischen", "Luxemburgische"; place adjectives in -er ("Güstrower") do not inflect
_PROPER_ADJECTIVE = re.compile(r"^[A-ZÄÖÜ][a-zäöü]+(?:isch|lich)(?:e|en|er|es|em)$")
_EN_MODIFIERS = {
    "former", "outgoing", "incoming", "interim", "acting", "deputy", "new", "longtime", "vice", "first",
    "second", "third", "executive", "chief", "senior", "managing", "assistant", "associate", "immediate",
    "past", "city", "county", "state", "town", "general", "legislative",
}  # fmt: skip
# "Neuer Vorsitzender wurde Max Muster", "elected as Vice President was Jane Roe"
_COPULAS = {"wurde", "wird", "ist", "bleibt", "was", "is", "became", "remains"}
# Notes after a name that say nothing of the role: a footnote mark, a party ("(SPD)"), a suffix (", Jr.")
_BRACKET_NOTE = re.compile(
    r"^\s*(?:\[\d+\]\s*|\((?:[^()]{1,14})\)\s*(?=,)|,\s*(?:Jr\.|Sr\.|III|Ph\.\s?D\.|P\.\s?E\.|M\.\s?D\.)(?=,))*"
)
_APPOSITION = re.compile(r"^(?:\s*,\s*|\s*\(|\s+[–—-]\s+)(?:(?:der|die|the)\s+)?(?P<phrase>[^,;()–—]+)")
_RELATIVE_ALS = re.compile(
    r"^\s*,\s*(?:der|die|welche[rs]?|who)\s[^,.;]{0,60}?\b(?:als|as)\s+(?P<phrase>[^,.;()]+)"
)
_ALS = re.compile(r"(?<![\w-])(?:als|as)\s+(?P<phrase>(?:[a-zäöü]+\s+)?[A-ZÄÖÜ][^,.;()]*)")
_AUXILIARIES = {
    "was", "is", "were", "are", "has", "had", "will", "been", "said", "says", "wurde", "ist", "hat",
}  # fmt: skip
_TITLE_FILLERS = {"of", "the", "to", "for", "and", "&"}
_VERB_END = re.compile(r"\s+(?:ist|war|wird|is|was)$")


def role_before(
    text: str, start: int, gender: str | None, split: RoleSplitter
) -> tuple[str | None, str | None]:
    """(role, organization) from the words right before the name at `start`."""
    left = _ACADEMIC_TAIL.sub("", text[max(0, start - 240) : start])
    segments = re.split(r"[,;:()„“”\"!?]", left)
    last = segments[-1].split()
    at_start = len(segments) == 1 and left == text[:start] and len(last) <= 12
    role, org = _role_ending(last[-12:], gender, split, at_start)
    before = segments[-2].split() if len(segments) > 1 else []
    if not role and before and not segments[-1].strip() and _closes_apposition(text, start):
        # "des Oberbürgermeisters der Stadt Ulm, Max Muster, sagte": the role with its article, then the
        # name between commas (in a list "A, Director, B, Counsel" the role before a comma is A's)
        article = next((k for k, w in enumerate(before) if w.lower() in _ARTICLES), None)
        if article is not None:
            role, org = _role_ending(before[article + 1 :][-12:], gender, split)
    return role, org


def _closes_apposition(text: str, start: int) -> bool:
    m = re.match(r"[^,;()]{1,60}?(?:,|\s\()", text[start:])
    return bool(m)


def _role_ending(
    words: list[str], gender: str | None, split: RoleSplitter, at_start: bool = False
) -> tuple[str | None, str | None]:
    """(role, organization) of the first role word whose words up to the end name its organization."""
    if words and words[-1].lower() in _COPULAS:
        words = words[:-1]
    for i, word in enumerate(words):
        if not is_role_word(word.strip("'’")) or not _chain(words[i + 1 :]):
            continue
        role, org = split(" ".join(words[i:]))
        if not role:
            role, org = word, None
        if [w.lower() for w in words[i + 1 : i + 3]] == ["a.", "d."]:
            role = f"{role} a. D."  # "Bundesminister a. D.": retired, part of the role
        return _with_modifiers(words[:i], role, gender, sentence_start=at_start), org
    return None, None


def _chain(words: list[str]) -> bool:
    """The words between a role word and a name name an organization, not another person or a clause."""
    for k, word in enumerate(words):
        lower = word.lower()
        if lower in _CONNECTORS or re.fullmatch(r"[A-ZÄÖÜ0-9][\w.&'’/-]*", word):
            if first_name_gender(word) and k + 1 < len(words) and words[k + 1][:1].isupper():
                return False  # "Landrat Max Muster und …": the role belongs to that person
            continue
        if lower in ("und", "and") and k > 0 and words[k - 1].endswith("-"):
            continue  # "Städte- und Gemeindebund"
        if lower in ("und", "and") and k + 1 < len(words) and _role_follows(words[k + 1 :]):
            continue  # "Präsident des Vereins und Professor an der Universität Beispielstadt"
        return False
    return True


def _role_follows(words: list[str]) -> bool:
    """The words start with a role word, perhaps after an adjective ('ehemaligen Rektor')."""
    return is_role_word(words[0]) or (
        len(words) > 1 and bool(ROLE_ADJECTIVE.match(words[0])) and is_role_word(words[1])
    )


def _with_modifiers(before: list[str], role: str, gender: str | None, sentence_start: bool = False) -> str:
    """The role in its base form with the adjectives that belong to it ('Bayerischer Umweltminister');
    at the start of a sentence an adjective is capitalised too ('Neuer Vorsitzender wurde …')."""
    head, _, rest = role.partition(" ")
    role = " ".join(x for x in (base_role(head, gender), rest) if x)
    modifiers: list[str] = []
    for k in range(len(before) - 1, -1, -1):
        word = before[k]
        adjective = ROLE_ADJECTIVE.match(word.lower() if sentence_start and k == 0 else word)
        if adjective or _PROPER_ADJECTIVE.match(word):
            modifiers.insert(0, _nominative_adjective(word, gender))
        elif word.lower() in _EN_MODIFIERS and (word[:1].isupper() or not modifiers):
            modifiers.insert(0, word)
        else:
            break
    return " ".join([*modifiers, role])


def _nominative_adjective(word: str, gender: str | None) -> str:
    """'stellvertretenden' → 'stellvertretender' (a man) / 'stellvertretende' (a woman), without article."""
    stem = re.sub(r"(?:e|en|er|es|em)$", "", word)
    return stem + ("e" if gender == "f" else "er")


def role_after(
    text: str, end: int, split: RoleSplitter, rejects: Callable[[str], bool]
) -> tuple[str | None, str | None]:
    """(role, organization) from an apposition or a relative 'als' clause right after the name."""
    rest = text[end : end + 300]
    rest = rest[_BRACKET_NOTE.match(rest).end() :]  # type: ignore[union-attr]  # the pattern always matches
    m = _RELATIVE_ALS.match(rest) or _APPOSITION.match(rest)
    if not m:
        return None, None
    phrase = _VERB_END.sub("", m.group("phrase").strip())
    if find_names(phrase, rejects):
        return None, None  # "A, die Vorsitzende des Vereins B": the role before the next name
    role, org = split(phrase)
    if role:
        return role, org
    if _title_phrase(phrase):
        return phrase, None  # "County Board Representative", "IAC 1st VP", "deputy city manager"
    return None, None


def _title_phrase(phrase: str) -> bool:
    """An English title written out: capitalised words that contain a role word, or lowercase words that
    end in one or go on with 'of'/'for' after it ('professor of sociology')."""
    words = phrase.split()
    if not 0 < len(words) <= 16 or not any(is_role_word(w) for w in words):
        return False
    if any(w.lower() in _AUXILIARIES for w in words):
        return False  # "…, was reelected Chair": a clause, not a title
    if all(w[:1].isupper() or w[:1].isdigit() or w in _TITLE_FILLERS for w in words):
        return True
    last = max(k for k, w in enumerate(words) if is_role_word(w))
    return last == len(words) - 1 or words[last + 1] in ("of", "for", "at")


# "Jane Roe, Ph.D., was reelected President", "Max Muster wurde einstimmig zum Ehrenvorsitzenden ernannt"
_APPOINTED = re.compile(
    r"(?:\s*,\s*(?:Ph\.\s?D\.|P\.\s?E\.|M\.\s?D\.|Jr\.|Sr\.|MBA|Esq\.))*\s*,?\s+"
    r"(?:was|has been|had been|is|will be|wurde|wird|ist)\s+(?:[^,.;]{0,50}?\s)?"
    r"(?:(?:re-?)?(?:elected|appointed|named|selected|chosen)\s+(?:as\s+)?(?:the\s+)?|zum\s+|zur\s+)"
    r"(?:[A-Z][\w.&-]*['’]s\s+)?(?P<role>(?:[A-ZÄÖÜ][\wäöüß-]*\s+){0,3}?[A-ZÄÖÜ][\wäöüß-]*)"
)


def role_by_appointment(text: str, end: int, gender: str | None) -> str | None:
    """The office a name is elected or appointed to, in the words right after it."""
    m = _APPOINTED.match(text, end)
    if not m:
        return None
    words = m.group("role").split()
    last = next((k for k in range(len(words) - 1, -1, -1) if is_role_word(words[k])), None)
    if last is None:
        return None
    return " ".join([*words[:last], base_role(words[last], gender)])


_LIST_GAP = re.compile(r"^\s*(?:\([^()]{0,80}\))?\s*(?:,\s*(?:and\s+|und\s+)?|\s+(?:und|and|sowie)\s+)$")


def in_list(text: str, end: int, next_start: int) -> bool:
    """The next name follows as the next item of a list ('A, B und C', 'A (…), B, and C')."""
    return bool(_LIST_GAP.match(text[end:next_start]))


def plural_role_before(text: str, start: int) -> str | None:
    """The role of a list of names after a plural role: 'die Landräte A, B und C', 'staff members A and B'."""
    left = _ACADEMIC_TAIL.sub("", text[max(0, start - 120) : start])
    words = re.split(r"[,;:()„“”\"!?]", left)[-1].split()
    if not words or not is_role_word(words[-1]):
        return None
    word, before = words[-1], [w.lower() for w in words[-4:-1]]
    plural = (
        word in PLURAL_ABBREVIATIONS
        or word.endswith("innen")
        or (word.endswith(("en", "e")) and "die" in before)
        or (word.endswith("s") and word.isascii() and not {"des", "eines"} & set(before))
    )
    return base_role(word) if plural and base_role(word) != word else None


def role_as(sentence: str, split: RoleSplitter) -> str | None:
    """The role of 'als Podiumsgast' / 'as moderator' in a sentence about one person."""
    for m in _ALS.finditer(sentence):
        words = m.group("phrase").split()
        if not any(is_role_word(w) for w in words[:2]):
            continue
        role, _ = split(m.group("phrase"))
        if role:
            return role
    return None
