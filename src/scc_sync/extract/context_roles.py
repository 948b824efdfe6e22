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
from scc_sync.extract.roles import PLURAL_ABBREVIATIONS, base_role, gender_clash, is_role_word

RoleSplitter = Callable[[str], tuple[str | None, str | None]]

# Words that may stand between a role word and the name: an organization or department in the genitive
# or after a preposition ("Vorstand Personenverkehr der Beispielbahn AG")
_ARTICLES = {"der", "die", "das", "des", "dem", "den", "the"}
_CONNECTORS = {
    "des", "der", "dem", "den", "im", "beim", "am", "von", "vom", "für", "zur", "zum", "of", "the", "for",
    "at", "an", "bei", "&", "a.", "d.",
}  # fmt: skip
_ACADEMIC_TAIL = re.compile(
    r"(?:\s*(?:Prof\.|Dr\.|Dr\.-Ing\.|Dipl\.-[A-Z][a-zäöü]*\.|h\.\s?c\.|PD|Frau|Herr|Mr\.|Mrs\.|Ms\.))+\s*$"
)
_TITLE_ENDS = (".", "PD", "Frau", "Herr")  # how every title of _ACADEMIC_TAIL ends


def _without_titles(left: str) -> str:
    """The words before a name without the titles and salutations that end them ("… Prof. Dr."); the
    pattern, anchored at the end, is tried at every character, so only where a title may end the words."""
    return _ACADEMIC_TAIL.sub("", left) if left.rstrip().endswith(_TITLE_ENDS) else left


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
    "past", "city", "county", "state", "town", "general", "legislative", "keynote", "guest", "featured",
    "current", "retired", "honorary", "founding", "elected", "principal", "lead", "co",
}  # fmt: skip
# "Neuer Vorsitzender wurde Max Muster", "elected as Vice President was Jane Roe"
_COPULAS = {"wurde", "wird", "ist", "bleibt", "was", "is", "became", "remains"}
# Notes after a name that say nothing of the role: a footnote mark, a party ("(SPD)"), a suffix (", Jr.")
_BRACKET_NOTE = re.compile(
    r"^\s*(?:\[\d+\]\s*|\((?:[^()]{1,14})\)\s*(?=,)|,\s*(?:Jr\.|Sr\.|III|Ph\.\s?D\.|P\.\s?E\.|M\.\s?D\.)(?=,))*"
)
_MANDATE = re.compile(r"^\s*,?\s*(MdB|MdL|MdEP|MdA|MdBB|MdHB|MdBü)(?![\w-])")
_BRACKET_TITLE = re.compile(r"^\s*\((?P<phrase>[^()]{2,80})\)")
_APPOSITION = re.compile(
    r"^(?:\s*,\s*|\s*\(|\s+[–—-]\s+)(?:(?:der|die|the|a|an|ein|eine)\s+)?(?P<phrase>[^,;()–—]+)"
)
_RELATIVE_ALS = re.compile(
    r"^\s*,\s*(?:der|die|welche[rs]?|who)\s[^,.;]{0,60}?\b(?:als|as)\s+(?P<phrase>[^,.;()]+)"
)
_ALS = re.compile(r"(?<![\w-])(?:[Aa]ls|[Aa]s)\s+(?P<phrase>(?:[a-zäöü]+\s+)?[A-ZÄÖÜ][^,.;()]*)")
_AUXILIARIES = {
    "was", "is", "were", "are", "has", "had", "will", "been", "said", "says", "wurde", "ist", "hat",
}  # fmt: skip
_TITLE_FILLERS = {"of", "the", "to", "for", "and", "&"}
_VERB_END = re.compile(r"\s+(?:ist|war|wird|is|was)$")


def role_before(
    text: str, start: int, gender: str | None, split: RoleSplitter
) -> tuple[str | None, str | None]:
    """(role, organization) from the words right before the name at `start`."""
    raw = text[max(0, start - 240) : start]
    left = _without_titles(raw)
    if "D." in left:
        left = _RETIRED.sub("a. D.", left)
    segments = _SEGMENT.split(left)
    last = segments[-1].split()
    at_start = len(segments) == 1 and raw == text[:start] and len(last) <= 12
    role, org = _role_ending(last[-12:], gender, split, at_start)
    stacked = bool(role) and _opens_with_title(last)
    if len(segments) < 2 or not (stacked or not last):
        return role, org
    before = _enumeration_before(segments).split()
    if before and _closes_apposition(text, start) and (not last or stacked):
        # "des Oberbürgermeisters der Stadt Ulm, Max Muster, sagte": the role with its article, then the
        # name between commas (in a list "A, Director, B, Counsel" the role before a comma is A's);
        # "die Präsidentin des Vereins, Staatsministerin a. D. Eva Test,": two roles stacked
        article = next((k for k, w in enumerate(before) if w.lower() in _ARTICLES), None)
        if article is None and not role:
            article = _title_run_start(before, at_segment_start=len(segments) == 2 and raw == text[:start])
        if article is not None:
            first, first_org = _role_ending(before[article + 1 :][-12:], gender, split)
            if first and role:
                return f"{first}; {role}", first_org or org
            role, org = first or role, first_org or org
    elif before and not role and not last:
        run = _title_run_start(before, at_segment_start=False)  # "when CU general manager, Jane Roe retires"
        if run is not None:
            role, org = _role_ending(before[run:][-12:], gender, split)
    return role, org


# An item of an enumeration in a role's field: "Klima", "digitale Infrastruktur", "Klima und Wissenschaft"
_ITEM = r"(?:[a-zäöü]+(?:e|en|er|es|em)\s+)*[A-ZÄÖÜ][\wäöüß-]*"
_ENUM_ITEM = re.compile(rf"^\s*{_ITEM}(?:\s+(?:und|sowie|and)\s+{_ITEM})?\s*$")


_SEGMENT = re.compile(r"[,;:()„“”\"!?]")


def _enumeration_before(segments: list[str]) -> str:
    """The segment before the last comma, with the items of an enumeration it closes ('die Senatorin für
    Umwelt, Klima und Wissenschaft, Lea …': the field's commas do not end the role)."""
    k = len(segments) - 2
    if not re.search(r"\s(?:und|sowie|and)\s", segments[k]):
        return segments[k]
    while k > 0 and k > len(segments) - 6 and _ENUM_ITEM.match(segments[k]):
        k -= 1
    return ",".join(segments[k:-1])


def _title_run_start(words: list[str], at_segment_start: bool) -> int | None:
    """The index before a title that ends the words ('when CU general manager, Jane Roe …'): title words
    back from a role word, after a lowercase clause word or at the start of the text (not in a list
    'A, Director, B', where the title is A's)."""
    if not words or not is_role_word(words[-1]):
        return None
    k = len(words) - 1
    while k > 0 and (words[k - 1].lower() in _EN_MODIFIERS or re.fullmatch(r"[A-Z][\w&.-]*", words[k - 1])):
        k -= 1
    if k > 0 and words[k - 1].islower():
        return k - 1
    return -1 if k == 0 and at_segment_start else None


def _opens_with_title(words: list[str]) -> bool:
    """The segment is a title and nothing else ('Staatsministerin a. D.', 'former Mayor'), so that it
    stands beside a role before the comma rather than going on a sentence ('including Director')."""
    return bool(words) and (
        words[0][:1].isupper() or words[0].lower() in _EN_MODIFIERS or bool(ROLE_ADJECTIVE.match(words[0]))
    )


_RETIRED = re.compile(r"(?<![\w.])a\.\s?D\.")


def _closes_apposition(text: str, start: int) -> bool:
    m = re.match(r"[^,;()]{1,60}?(?:,|\s\(|\.?\s*$)", text[start:])
    return bool(m)  # "Grußwort der Staatsministerin für …, Dr. Eva Muster" ends with the name


def _role_ending(
    words: list[str], gender: str | None, split: RoleSplitter, at_start: bool = False
) -> tuple[str | None, str | None]:
    """(role, organization) of the first role word whose words up to the end name its organization."""
    copula = False
    while words and words[-1].lower() in _COPULA_WORDS:
        words, copula = words[:-1], True  # "… wurde", "the incoming president … will be"
    for i, word in enumerate(words):
        if not is_role_word(word.strip("'’")):
            continue
        if gender and gender_clash(word, gender, words[i - 1].lower() if i else None):
            return None, None  # "der Bundesvorsitzende Anna …": the role is the subject's, not hers
        if not _chain(words[i + 1 :]) and not (copula and _plain_phrase(words[i + 1 :])):
            continue
        role, org = split(" ".join(words[i:]))
        if not role:
            role, org = word, None
        if [w.lower() for w in words[i + 1 : i + 3]] == ["a.", "d."]:
            role = f"{role} a. D."  # "Bundesminister a. D.": retired, part of the role
        return _with_modifiers(words[:i], role, gender, sentence_start=at_start), org
    return None, None


_COPULA_WORDS = _COPULAS | {"will", "would", "be", "now", "also", "soll", "sein"}


def _plain_phrase(words: list[str]) -> bool:
    """Before a copula the subject is the role whole: 'the incoming president of the association will be
    Jane Roe' (short, without a verb or a clause)."""
    return len(words) <= 6 and not any(w.lower() in _AUXILIARIES or w.endswith((",", ".")) for w in words)


def _chain(words: list[str]) -> bool:
    """The words between a role word and a name name an organization, not another person or a clause."""
    for k, word in enumerate(words):
        lower = word.lower()
        if lower in _CONNECTORS or re.fullmatch(r"[A-ZÄÖÜ0-9][\w.&'’/-]*,?", word):
            if first_name_gender(word) and k + 1 < len(words) and words[k + 1][:1].isupper():
                return False  # "Landrat Max Muster und …": the role belongs to that person
            continue
        if lower in ("und", "and") and k > 0 and words[k - 1].endswith("-"):
            continue  # "Städte- und Gemeindebund"
        if lower in ("und", "and") and k + 1 < len(words) and _role_follows(words[k + 1 :]):
            continue  # "Präsident des Vereins und Professor an der Universität Beispielstadt"
        if lower in ("und", "sowie", "and") and _noun_follows(words, k + 1) and k > 0:
            continue  # "Ministerin für Bildung und Forschung": a coordinated field or body
        if _INFLECTED_ADJECTIVE.match(word) and _noun_follows(words, k + 1):
            continue  # "für Verkehr und digitale Infrastruktur", "des sächsischen Landkreistags"
        return False
    return True


# A lowercase attributive adjective inside a role's complement ("digitale", "ländlichen", "öffentliche")
_INFLECTED_ADJECTIVE = re.compile(r"^[a-zäöü][a-zäöüß]+(?:e|en|er|es|em)$")


def _noun_follows(words: list[str], k: int) -> bool:
    """A capitalised word follows at k, perhaps after lowercase adjectives, and is not the last word
    before the name unless it is a noun of the complement ('und Forschung Anna …')."""
    while k < len(words) and _INFLECTED_ADJECTIVE.match(words[k]) and words[k].lower() not in _CONNECTORS:
        k += 1
    return k < len(words) and bool(re.fullmatch(r"[A-ZÄÖÜ][\w.&'’/-]*", words[k]))


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
        if word.lower() in ("stellv.", "stv."):
            modifiers.insert(0, _nominative_adjective("stellvertretende", gender))
        elif adjective or _PROPER_ADJECTIVE.match(word):
            modifiers.insert(0, _nominative_adjective(word, gender))
        elif word.lower() in _EN_MODIFIERS:
            modifiers.insert(0, word)
        elif _title_word(before, k):
            modifiers.insert(0, word)  # "former House Speaker", "NACo President", "Güstrower Bürgermeister"
        else:
            break
    return " ".join([*modifiers, role])


def _title_word(before: list[str], k: int) -> bool:
    """A capitalised word that is part of a title written before its role word ('House' in 'former House
    Speaker'): no first name, no function word, and a lowercase word or an article before its run."""
    word = before[k]
    if not re.fullmatch(r"[A-ZÄÖÜ][\wäöüß&.-]*", word) or first_name_gender(word) or is_role_word(word):
        return False
    if re.search(r"(?:ian|ese|ish|ean|an|ic|ch)$", word):
        return False  # a nationality says where, not which office: "Indonesian President"
    j = k
    while (
        j > 0
        and re.fullmatch(r"[A-ZÄÖÜ][\wäöüß&.-]*", before[j - 1])
        and before[j - 1].lower() not in _EN_MODIFIERS
        and k - j < 2
    ):
        j -= 1
    return j > 0 and (before[j - 1].islower() or before[j - 1].lower() in _ARTICLES | _EN_MODIFIERS)


def _nominative_adjective(word: str, gender: str | None) -> str:
    """'stellvertretenden' → 'stellvertretender' (a man) / 'stellvertretende' (a woman), without article."""
    stem = re.sub(r"(?:e|en|er|es|em)$", "", word)
    return stem + ("e" if gender == "f" else "er")


def role_after(
    text: str, end: int, split: RoleSplitter, rejects: Callable[[str], bool]
) -> tuple[str | None, str | None]:
    """(role, organization) from an apposition or a relative 'als' clause right after the name."""
    rest = text[end : end + 300]
    mandate = _MANDATE.match(rest)
    if mandate:  # "Holger Muster MdL, Vorsitzender des Ausschusses": the seat, then perhaps an office
        more, org = role_after(text, end + mandate.end(), split, rejects)
        return "; ".join(x for x in (mandate.group(1), more) if x), org
    bracket = _BRACKET_TITLE.match(rest)
    if bracket and _title_phrase(bracket.group("phrase")):
        return bracket.group("phrase").strip(), None  # "Dan Ruiz (WCA 2nd VP)", "Ann Lowe (Board Member)"
    rest = rest[_BRACKET_NOTE.match(rest).end() :]  # type: ignore[union-attr]  # the pattern always matches
    m = _RELATIVE_ALS.match(rest) or _APPOSITION.match(rest)
    if not m:
        return None, None
    phrase = _VERB_END.sub("", re.sub(r"(?<![A-Z])\.$", "", m.group("phrase").strip()))
    if find_names(phrase, rejects):
        return None, None  # "A, die Vorsitzende des Vereins B": the role before the next name
    role, org = split(phrase)
    if role and role.islower() and " " not in role and _title_phrase(phrase):
        return phrase, None  # "chief resilience officer for the city": a lowercase title ends at its head
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


# "Jane Roe will be the incoming president", "Roe is the current vice president of …", "Muster ist eigentlich
# Chef der Beispiel AG": a copula, an article or an adverb, then the office
_COPULA_ROLE = re.compile(
    r"\s+(?:is|was|will be|has been|had been|became|becomes|remains|ist|war|wird|bleibt|bleibt weiterhin)\s+"
    r"(?:(?:now|also|currently|still|nun|jetzt|auch|eigentlich|weiterhin|seit\s+\S+)\s+)?"
    r"(?:(?:the|a|an|der|die|das|ein|eine|einer)\s+)?"
    r"(?P<phrase>[^,.;:()!?„“\"]+)"
)
_CLAUSE_START = re.compile(r"\s+(?:who|which|that|since|where|when|dass|seit|wo|welche[rs]?)\s.*$")


_FIELD_LINKS = {
    "of", "for", "at", "and", "with", "der", "des", "für", "im", "beim", "bei", "von", "vom", "am", "und",
    "a.",
}  # fmt: skip


def role_by_copula(text: str, end: int, split: RoleSplitter) -> str | None:
    """The office the words after a name (or a surname) say the person holds: 'is the current vice
    president of …', 'ist eigentlich Chef der …'. The office word comes within the first four words."""
    m = _COPULA_ROLE.match(text, end)
    if not m:
        return None
    phrase = _CLAUSE_START.sub("", m.group("phrase")).strip()
    words = phrase.split()
    if not words or len(words) > 12 or not any(is_role_word(w) for w in words[:4]):
        return None
    if any(w.lower() in _AUXILIARIES for w in words):
        return None  # "… is the president said": a clause goes on
    head = next(k for k, w in enumerate(words) if is_role_word(w))
    if head + 1 < len(words) and words[head + 1].islower() and words[head + 1] not in _FIELD_LINKS:
        return None  # "wird ein Geschäftsführer verabschiedet": a passive, not an office
    role, _ = split(phrase)
    if role and len(role.split()) > 1:
        return role
    return phrase if _title_phrase(phrase) or is_role_word(words[0]) else role


_LIST_GAP = re.compile(r"^\s*(?:\([^()]{0,80}\))?\s*(?:,\s*(?:and\s+|und\s+)?|\s+(?:und|and|sowie)\s+)$")


def in_list(text: str, end: int, next_start: int) -> bool:
    """The next name follows as the next item of a list ('A, B und C', 'A (…), B, and C')."""
    return bool(_LIST_GAP.match(text[end:next_start]))


def plural_role_before(text: str, start: int) -> str | None:
    """The role of a list of names after a plural role: 'die Landräte A, B und C', 'staff members A and B'."""
    left = _without_titles(text[max(0, start - 120) : start])
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
    # "die Bürgermeister A und B": a masculine role after "die" can only be a plural
    same_form = "die" in before and word.endswith("er") and base_role(word) == word
    return base_role(word) if (plural and base_role(word) != word) or same_form else None


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
