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

from scc_sync.extract.names import is_first_name, person_gender
from scc_sync.extract.roles import base_role, is_role_word
from scc_sync.models import Person

_ACADEMIC = r"(?:Prof\.|Dr\.|Dr\.-Ing\.|Dipl\.-[A-Z][a-zäöü]*\.|PD)"
_SHORT = re.compile(
    rf"(?<![\w-])(?:(?P<title>{_ACADEMIC}(?:\s+{_ACADEMIC})*)|(?P<salute>Frau|Herr|Mr\.|Mrs\.|Ms\.)|"
    r"(?P<role>[A-ZÄÖÜ][\wäöüß-]+))\s+"
    r"(?P<word>(?:Mc|Mac|O'|O’)?[A-ZÄÖÜ][a-zäöüßéèáàíóúçñ]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàíóúçñ]+)?)"
    r"(?![\w'’-])(?!\s+(?:[A-ZÄÖÜ]|von\s|van\s|de\s|zu\s))"
)


_TITLE_WORDS = {"Dr", "Prof", "Dipl", "Ing", "Med", "Phil", "Jur"}


@dataclass(frozen=True)
class ShortMention:
    word: str
    title: str | None
    role: str | None
    standalone: bool  # an academic title or a salutation vouches for it


def short_mentions(text: str, rejects: Callable[[str], bool]) -> list[ShortMention]:
    """Every 'title/salutation/role + one name word' in `text`; `rejects` vetoes common nouns."""
    found: list[ShortMention] = []
    for m in _SHORT.finditer(text):
        word = m.group("word")
        if rejects(word) or (text.startswith(".", m.end()) and word in _TITLE_WORDS):
            continue
        if m.group("role"):
            if is_role_word(m.group("role")):
                found.append(ShortMention(word, None, base_role(m.group("role")), False))
            continue
        title = " ".join(m.group("title").split()) if m.group("title") else None
        found.append(ShortMention(word, title, None, not is_first_name(word)))
    return found


def join_short_mentions(people: list[Person], mentions: Iterable[ShortMention]) -> list[Person]:
    """Each short mention merged into the one full name it stands for, or kept alone where vouched for."""
    people = list(people)
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
            people.append(Person(mention.word, mention.title))
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
            role=old.role or person.role,
            organization=old.organization or person.organization,
        )
    return kept


def _variant(first: str, later: str) -> bool:
    a, b = first.split(), later.split()
    if len(a) != len(b) or len(a) < 2 or a == b:
        return False
    if a[:-1] == b[:-1] and (b[-1] == a[-1] + "s" or a[-1] == b[-1] + "s"):
        return True  # a genitive
    return a[1:] == b[1:] and SequenceMatcher(None, a[0], b[0]).ratio() >= 0.8
