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

from scc_sync.extract.names import first_name_gender
from scc_sync.extract.roles import base_role, is_role_word

RoleSplitter = Callable[[str], tuple[str | None, str | None]]

# Words that may stand between a role word and the name: an organization or department in the genitive
# or after a preposition ("Vorstand Personenverkehr der Beispielbahn AG")
_CONNECTORS = {
    "des", "der", "dem", "den", "im", "beim", "am", "von", "vom", "für", "zur", "zum", "of", "the", "for",
    "at", "&", "a.", "d.",
}  # fmt: skip
_ACADEMIC_TAIL = re.compile(
    r"(?:\s*(?:Prof\.|Dr\.|Dr\.-Ing\.|Dipl\.-[A-Z][a-zäöü]*\.|h\.\s?c\.|PD|Frau|Herr|Mr\.|Mrs\.|Ms\.))+\s*$"
)
# A lowercase adjective before a role: "ehemalige", "stellvertretenden", "langjährige", "amtierende"
ROLE_ADJECTIVE = re.compile(r"^[a-zäöü]+(?:ig|lich|isch|end|iert|ert|neu|er|al)(?:e|en|er|es|em)$")
# A capitalised one: "Bayerischen", "Luxemburgische"; place adjectives in -er ("Güstrower") do not inflect
_PROPER_ADJECTIVE = re.compile(r"^[A-ZÄÖÜ][a-zäöü]+(?:isch|lich)(?:e|en|er|es|em)$")
_EN_MODIFIERS = {"former", "outgoing", "incoming", "interim", "acting", "deputy", "new", "longtime"}
_BRACKET_NOTE = re.compile(r"^\s*(?:\[\d+\]\s*|\((?:[^()]{1,14})\)\s*(?=,))*")
_APPOSITION = re.compile(r"^(?:\s*,\s*|\s*\(|\s+[–—-]\s+)(?:(?:der|die|the)\s+)?(?P<phrase>[^,;()–—]+)")
_RELATIVE_ALS = re.compile(
    r"^\s*,\s*(?:der|die|welche[rs]?|who)\s[^,.;]{0,60}?\b(?:als|as)\s+(?P<phrase>[^,.;()]+)"
)
_ALS = re.compile(r"(?<![\w-])(?:als|as)\s+(?P<phrase>(?:[a-zäöü]+\s+)?[A-ZÄÖÜ][^,.;()]*)")
_TITLE_FILLERS = {"of", "the", "to", "for", "and", "&"}
_VERB_END = re.compile(r"\s+(?:ist|war|wird|is|was)$")


def role_before(
    text: str, start: int, gender: str | None, split: RoleSplitter
) -> tuple[str | None, str | None]:
    """(role, organization) from the words right before the name at `start`."""
    left = _ACADEMIC_TAIL.sub("", text[max(0, start - 240) : start])
    segments = re.split(r"[,;:()„“”\"!?]", left)
    role, org = _role_ending(segments[-1].split()[-12:], gender, split)
    if not role and len(segments) > 1 and not segments[-1].strip() and _closes_apposition(text, start):
        # "des Oberbürgermeisters der Stadt Ulm, Max Muster, sagte": the role, then the name between commas
        role, org = _role_ending(segments[-2].split()[-12:], gender, split)
    return role, org


def _closes_apposition(text: str, start: int) -> bool:
    m = re.match(r"[^,;()]{1,60}?(?:,|\s\()", text[start:])
    return bool(m)


def _role_ending(words: list[str], gender: str | None, split: RoleSplitter) -> tuple[str | None, str | None]:
    """(role, organization) of the first role word whose words up to the end name its organization."""
    for i, word in enumerate(words):
        if not is_role_word(word.strip("'’")) or not _chain(words[i + 1 :]):
            continue
        role, org = split(" ".join(words[i:]))
        if not role:
            role, org = word, None
        return _with_modifiers(words[:i], role, gender), org
    return None, None


def _chain(words: list[str]) -> bool:
    """The words between a role word and a name name an organization, not another person or a clause."""
    for k, word in enumerate(words):
        lower = word.lower()
        if lower in _CONNECTORS or re.fullmatch(r"[A-ZÄÖÜ0-9][\w.&'’-]*", word):
            if first_name_gender(word) and k + 1 < len(words) and words[k + 1][:1].isupper():
                return False  # "Landrat Max Muster und …": the role belongs to that person
            continue
        if lower in ("und", "and") and k > 0 and words[k - 1].endswith("-"):
            continue  # "Städte- und Gemeindebund"
        return False
    return True


def _with_modifiers(before: list[str], role: str, gender: str | None) -> str:
    """The role in its base form with the adjectives that belong to it ('Bayerischer Umweltminister')."""
    head, _, rest = role.partition(" ")
    role = " ".join(x for x in (base_role(head, gender), rest) if x)
    modifiers: list[str] = []
    for word in reversed(before):
        if ROLE_ADJECTIVE.match(word) or _PROPER_ADJECTIVE.match(word):
            modifiers.insert(0, _nominative_adjective(word, gender))
        elif word.lower() in _EN_MODIFIERS:
            modifiers.insert(0, word)
        else:
            break
    return " ".join([*modifiers, role])


def _nominative_adjective(word: str, gender: str | None) -> str:
    """'stellvertretenden' → 'stellvertretender' (a man) / 'stellvertretende' (a woman), without article."""
    stem = re.sub(r"(?:e|en|er|es|em)$", "", word)
    return stem + ("e" if gender == "f" else "er")


def role_after(text: str, end: int, split: RoleSplitter) -> tuple[str | None, str | None]:
    """(role, organization) from an apposition or a relative 'als' clause right after the name."""
    rest = text[end : end + 300]
    rest = rest[_BRACKET_NOTE.match(rest).end() :]  # type: ignore[union-attr]  # the pattern always matches
    m = _RELATIVE_ALS.match(rest) or _APPOSITION.match(rest)
    if not m:
        return None, None
    phrase = _VERB_END.sub("", m.group("phrase").strip())
    role, org = split(phrase)
    if role:
        return role, org
    if _title_phrase(phrase):
        return phrase, None  # "County Board Representative", "IAC 1st VP"
    return None, None


def _title_phrase(phrase: str) -> bool:
    """An English title written out in capitalised words that ends in or contains a role word."""
    words = phrase.split()
    return (
        0 < len(words) <= 10
        and any(is_role_word(w) for w in words)
        and all(w[:1].isupper() or w[:1].isdigit() or w in _TITLE_FILLERS for w in words)
    )


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
