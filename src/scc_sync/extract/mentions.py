"""Short mentions of people ("Prof. Muster", "Frau Beispiel", "Landrätin Muster", "Ms. Roe") and the one
person they stand for.

A short mention joins the full name with that surname when the text has one (and lends it its role); it is
kept on its own only where an academic title or a salutation vouches for it. Spelling variants of one
person ("Gunter" / "Gunther") and a German genitive ("Anna Musters Vorgänger") join the first spelling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from scc_sync.extract.gate import class_first, has_any
from scc_sync.extract.names import is_first_name, person_gender
from scc_sync.extract.roles import base_role, is_role_word
from scc_sync.models import Person

_ACADEMIC = r"(?:Prof\.|Dr\.|Dr\.-Ing\.|Dipl\.-[A-Z][a-zäöü]*\.|PD)"
_SURNAME = r"(?P<word>(?:Mc|Mac|O'|O’)?[A-ZÄÖÜ][a-zäöüßéèáàíóúçñ]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàíóúçñ]+)?)"
_SHORT = re.compile(
    rf"(?<![\w-])(?:(?P<title>{_ACADEMIC}(?:\s+{_ACADEMIC})*)|(?P<salute>Frau|Herr|Mr\.|Mrs\.|Ms\.)|"
    r"(?P<role>[A-ZÄÖÜ][\wäöüß-]+))\s+(?!(?:Dr|Prof|Dipl)\.)"
    rf"{_SURNAME}(?![\w'’-])(?!\s+(?:[A-ZÄÖÜ]|von\s|van\s|de\s|zu\s))"
)


_TITLE_WORDS = {"Dr", "Prof", "Dipl", "Ing", "Med", "Phil", "Jur"}


@dataclass(frozen=True)
class ShortMention:
    word: str
    title: str | None
    role: str | None
    standalone: bool  # an academic title, a salutation, an office or a speech verb vouches for it
    weak: bool = False  # only a speech verb at a sentence start ('Snyder said'): needs a second mention


# "Snyder said …", "…, said Snyder.", "…“, so Muster.", "betonte Muster,": a speech verb makes a person
_EN_SPEECH = r"said|says|told|added|noted|explained|stated|recalled"
_SPEECH_VERB = re.compile(
    rf"(?<![\w-])(?:(?P<en>{_EN_SPEECH})|sagte|sagt|erklärte|betonte|ergänzte|meinte|berichtete|unterstrich|so)"
    r"(?![\w-])"
)
_SURNAME_BEFORE = re.compile(rf"(?<![\w'’-]){_SURNAME}\s+$")
_SURNAME_AFTER = re.compile(rf"\s+{_SURNAME}(?=\s*(?:[,.;!?]|$))")
# What follows an office and a surname that ends the mention: a verb or the sentence's end ('Bürgermeister
# Kühn begrüßte …'), not a comma, an article or a coordination that go on with a department ('Vorstand
# Vertrieb, Beispiel AG', 'Leiter Vertrieb der …', 'Leiter Vertrieb und …')
_MENTION_END = re.compile(
    r"^(?:\s*[.!?](?:\s|$)|\s*$|\s+(?!(?:und|and|sowie|oder|or|der|des|die|das|den|dem|im|am|beim|vom|von|"
    r"für|bei|an|in|zu|zur|zum|mit|aus|of|the|for|at|in|on|with|from|to)\b)[a-zäöü])"
)


# What a kept mention of _SHORT needs: a title or a salutation, or a role word where its role stands
_TITLES_AND_SALUTATIONS = ("Prof.", "Dr.", "Dipl.-", "PD", "Frau", "Herr", "Mr.", "Mrs.", "Ms.")
_ROLE_AT = class_first(r"(?<![\w-])[A-ZÄÖÜ][\wäöüß-]+(?=\s)")


def _may_mention(text: str) -> bool:
    """Whether _SHORT can find a mention `short_mentions` keeps: most sentences name no title, salutation
    or role, and the pattern tries every capitalised word of a German sentence."""
    if has_any(text, _TITLES_AND_SALUTATIONS):
        return True
    return any(is_role_word(m.group()) for m in _ROLE_AT.finditer(text))


def short_mentions(text: str, rejects: Callable[[str], bool]) -> list[ShortMention]:
    """Every 'title/salutation/role + one name word' in `text`; `rejects` vetoes common nouns."""
    found: list[ShortMention] = []
    for m in _SHORT.finditer(text) if _may_mention(text) else ():
        word = m.group("word")
        if rejects(word) or (text.startswith(".", m.end()) and word in _TITLE_WORDS):
            continue
        if m.group("role"):
            if is_role_word(m.group("role")):
                raw = m.group("role")
                singular = base_role(raw) == raw or raw.endswith("in")
                alone = (
                    singular
                    and not is_first_name(word)
                    and bool(_MENTION_END.match(text[m.end() : m.end() + 12]))
                )
                found.append(ShortMention(word, None, base_role(m.group("role")), alone))
            continue
        title = " ".join(m.group("title").split()) if m.group("title") else None
        found.append(ShortMention(word, title, None, not is_first_name(word)))
    return found + _speech_mentions(text, rejects)


def _speech_mentions(text: str, rejects: Callable[[str], bool]) -> list[ShortMention]:
    """A surname alone beside a speech verb ('Snyder said', '…, sagte Muster.'); at a sentence start only a
    weak one, since a plural noun may stand there too ('Organizers said')."""
    found = []
    for verb in _SPEECH_VERB.finditer(text):
        m = verb.group("en") and _SURNAME_BEFORE.search(text, max(0, verb.start() - 40), verb.start())
        after = _SURNAME_AFTER.match(text, verb.end())
        for hit in (m, after):
            if not hit:
                continue
            word = hit.group("word")
            before = text[: hit.start("word")].rstrip()
            if word in _TITLE_WORDS or rejects(word) or is_first_name(word) or _PHRASE_END.search(before):
                continue  # a full name, an organization's name or a noun phrase ends here
            weak = hit is m and (not before or before[-1] in '.!?“”"')
            found.append(ShortMention(word, None, None, True, weak))
    return found


_PHRASE_END = re.compile(r"(?:[A-ZÄÖÜ][\w.-]*|\b(?:the|der|die|das))$")


def join_short_mentions(people: list[Person], mentions: Iterable[ShortMention]) -> list[Person]:
    """Each short mention merged into the one full name it stands for, or kept alone where vouched for."""
    people = list(people)
    mentions = list(mentions)
    seen = [m.word for m in mentions]
    for mention in mentions:
        matches = [i for i, p in enumerate(people) if _stands_for(mention, p)]
        if len(matches) == 1:
            i = matches[0]
            people[i] = replace(
                people[i],
                title=people[i].title or mention.title,
                role=people[i].role or _gendered(mention.role, people[i].name),
            )
        elif not matches and mention.standalone and all(p.name != mention.word for p in people):
            if not mention.weak or seen.count(mention.word) > 1:
                people.append(Person(mention.word, mention.title, mention.role))
        elif not matches and mention.role:
            k = next((k for k, p in enumerate(people) if p.name == mention.word), None)
            if k is not None:
                people[k] = replace(people[k], role=people[k].role or mention.role)
    return people


def _gendered(role: str | None, name: str) -> str | None:
    return base_role(role, person_gender(name)) if role else None


def _stands_for(mention: ShortMention, person: Person) -> bool:
    words = person.name.split()
    if len(words) < 2:
        return False
    # "Dr. Amin" after "Dr. Amin Beispiel": a first name with the same academic title
    return words[-1] == mention.word or (words[0] == mention.word and bool(mention.title))


def fold_variants(people: list[Person]) -> list[Person]:
    """One entry per person where later mentions spell the first name differently ('Gunther' for 'Gunter')
    or carry a genitive s ('Anna Musters')."""
    kept: list[Person] = []
    for person in people:
        same = next((k for k, p in enumerate(kept) if _variant(p.name, person.name)), None)
        if same is None:
            kept.append(person)
            continue
        old = kept[same]
        if old.name == person.name + "s":
            old = replace(old, name=person.name)  # the genitive came first
        kept[same] = replace(
            old,
            title=old.title or person.title,
            role=join_roles(old.role, person.role),
            organization=old.organization or person.organization,
        )
    return kept


def join_roles(first: str | None, later: str | None) -> str | None:
    """Several functions of one person joined with '; ' ('Oberbürgermeister; Schirmherr'), each once: a
    role that another one contains adds nothing, and the fuller wording of the same role replaces it."""
    if not first or not later or first == later:
        return first or later
    parts = first.split("; ")
    low = _role_words(later)
    for k, part in enumerate(parts):
        words = _role_words(part)
        if _contains(words, low):
            return first
        if _contains(low, words):
            parts[k] = later
            return "; ".join(dict.fromkeys(parts))
    return f"{first}; {later}"


def _role_words(role: str) -> list[str]:
    """A role's words without case and inflection ('Luxemburgische' ~ 'Luxemburgischer')."""
    words = role.casefold().replace(";", " ").split()
    return [re.sub(r"(?:e|en|er|es|em)$", "", _SHORT_ROLES.get(w, w)) for w in words]


_SHORT_ROLES = {"ob": "oberbürgermeister", "obm": "oberbürgermeister"}


def _contains(words: list[str], part: list[str]) -> bool:
    """`part` is a run of whole words in `words`."""
    n = len(part)
    return any(words[i : i + n] == part for i in range(len(words) - n + 1))


def _variant(first: str, later: str) -> bool:
    a, b = first.split(), later.split()
    if len(a) != len(b) or len(a) < 2 or a == b:
        return False
    if a[:-1] == b[:-1] and (b[-1] == a[-1] + "s" or a[-1] == b[-1] + "s"):
        return True  # a genitive
    return a[1:] == b[1:] and SequenceMatcher(None, a[0], b[0]).ratio() >= 0.8
