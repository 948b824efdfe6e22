"""People with academic title, role and organization; organizations in their base form.

Two sentence shapes carry nearly all people in news text:
  role before the name: "VKU-Hauptgeschäftsführer Ingbert Liebing", "Bundes-CIO Dr. Markus Richter"
  role after the name:  "Dr. Gerd Landsberg, Hauptgeschäftsführer beim Deutschen Städte- und Gemeindebund"
A capitalised word pair only counts as a name when a role word or an academic title vouches for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from functools import lru_cache

from scc_sync.extract.context_roles import (
    ROLE_ADJECTIVE,
    in_list,
    plural_role_before,
    role_after,
    role_as,
    role_before,
    role_by_appointment,
    role_by_copula,
)
from scc_sync.extract.gate import class_first, folded, has_any
from scc_sync.extract.mentions import (
    ShortMention,
    fold_variants,
    join_roles,
    join_short_mentions,
    short_mentions,
)
from scc_sync.extract.names import NameSpan, find_names, is_first_name, person_gender
from scc_sync.extract.roles import base_role, gender_clash, is_role_word
from scc_sync.models import Person

GAZETTEER: dict[str, str] = {
    "VKU": "Verband kommunaler Unternehmen",
    "DST": "Deutscher Städtetag",
    "DStGB": "Deutscher Städte- und Gemeindebund",
    "DLT": "Deutscher Landkreistag",
    "BDEW": "Bundesverband der Energie- und Wasserwirtschaft",
    "KGSt": "Kommunale Gemeinschaftsstelle für Verwaltungsmanagement",
    "BMI": "Bundesministerium des Innern",
    "BMWK": "Bundesministerium für Wirtschaft und Klimaschutz",
    "BMDV": "Bundesministerium für Digitales und Verkehr",
    "BSI": "Bundesamt für Sicherheit in der Informationstechnik",
    "DIHK": "Deutsche Industrie- und Handelskammer",
    "VDV": "Verband Deutscher Verkehrsunternehmen",
    "ZVEI": "Verband der Elektro- und Digitalindustrie",
    "NRW": "Land Nordrhein-Westfalen",
    "EU": "Europäische Union",
}

# Prefixes that form a role rather than name an organization ("Bundes-CIO", "Vize-Präsidentin").
_ROLE_PREFIXES = {
    "bundes",
    "landes",
    "staats",
    "stadt",
    "kreis",
    "ober",
    "vize",
    "ex",
    "ko",
    "co",
    "haupt",
    "vorstands",
    "general",
    "digital",
    "ehren",
    "interims",
    "chef",
    "senior",
    "junior",
    "vice",
}
TITLE = r"(?:(?:Prof\.|Dr\.|Dipl\.-[A-Z][a-zäöü]*\.|Dr\.-Ing\.|Dr\. h\.\s?c\.|PD)\s+)*"
_NAME_WORD = r"[A-ZÄÖÜ][a-zäöüßéèáàíóúçñ]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàíóúçñ]+)?"
NAME = rf"{_NAME_WORD}(?:\s+(?:von der|von|van der|van|de|zu|vom|di|da|le))?\s+{_NAME_WORD}"
_WORD = r"[A-ZÄÖÜa-zäöüß0-9][\wÄÖÜäöüß.]*(?:-[\wÄÖÜäöüß]*)*"

_ROLE_BEFORE = re.compile(  # a lookahead, so that candidates may overlap ("Indonesian President Joko …")
    rf"(?=(?<![\wäöü-])(?P<role>(?:[A-ZÄÖÜ][\wÄÖÜäöüß]*-)?[A-ZÄÖÜ][\wÄÖÜäöüß]*)\s+(?P<title>{TITLE})(?P<name>{NAME})(?![\wäöü]))"
)
# A capitalised word at a word start with white space after it: where a role before a name may stand
_CAPITAL_WORD = class_first(r"(?<![\wäöü-])[A-ZÄÖÜ][\wÄÖÜäöüß]*(?:-[A-ZÄÖÜ][\wÄÖÜäöüß]*)?(?=\s)")
_ROLE_AFTER = re.compile(
    rf"(?P<title>{TITLE})(?P<name>{NAME})\s*(?:,\s*|\s+\()(?P<phrase>[^,;()]+?)(?=\s*(?:[,;()]|$|\.\s|\.$|"
    rf"(?<!-)\s+(?:und|sowie|and)\s+{TITLE}{NAME}))"
)
# What every match of _ROLE_AFTER has: a name's last word, then a comma or a bracket
_NAME_THEN_COMMA = re.compile(r"[A-ZÄÖÜ][a-zäöüßéèáàíóúçñ]+(?:\s*,|\s+\()")
# "Der Präsident des Deutschen Städtetages, Markus Lewe," / "…, Landrat Reinhard Sager,": the role and its
# body first, the name as an apposition (perhaps after a second role, which the first one outranks)
_APPOSITION = re.compile(
    rf"[Dd](?<![\wäöü-].)(?:er|ie|es|em)\s+(?P<role>[A-ZÄÖÜ][\wäöüß-]*)\s+(?P<org>(?:des|der)\s+[^,;()]{{3,80}}?),"
    rf"\s+(?:[A-ZÄÖÜ][\wäöüß-]*\s+)?(?P<title>{TITLE})(?P<name>{NAME})(?![\wäöü])"
)
# "Parlamentarische Staatssekretärin Elisabeth Kaiser": an adjective that belongs to the role
_ADJ_ROLE_BEFORE = class_first(
    rf"(?<![\wäöü-])(?P<role>[A-ZÄÖÜ][a-zäöüß]+(?:ische|ischer|liche|licher|ige|iger|ale|aler)\s+"
    rf"[A-ZÄÖÜ][\wäöüß]*)\s+(?P<title>{TITLE})(?P<name>{NAME})(?![\wäöü])"
)
# "Federal Minister of the Interior Nancy Faeser", "Bitkom President Dr. Ralf Wintergerst"
# "City of Chicago Chief Technology Officer Dr. Kevin Osei": the organization, then the title
_EN_ROLE_BEFORE = re.compile(
    rf"(?<![\w-])(?P<pre>(?:[A-Z][\w-]+\s+(?:of\s+(?:the\s+)?)?){{0,4}})(?P<role>(?:Minister|Secretary|"
    rf"Commissioner|Mayor|President|Chancellor|Director|Chair(?:man|woman)?|CEO|CIO|CTO|Governor|Premier|"
    rf"Officer|Manager)"
    rf"(?:\s+(?:of|for)(?:\s+the)?(?:\s+[A-Z][a-z]+){{1,3}}?)?)\s+(?P<title>{TITLE})(?P<name>{NAME})(?![\w])(?!\s+[A-Z][a-z])"
)
# The head words _EN_ROLE_BEFORE needs: a text without any of them skips that pattern
_EN_HEADS = (
    "Minister", "Secretary", "Commissioner", "Mayor", "President", "Chancellor", "Director", "Chair", "CEO",
    "CIO", "CTO", "Governor", "Premier", "Officer", "Manager",
)  # fmt: skip
# Titles named after a field ("Chief Technology Officer"): only with a modifier such as "Chief"
_FUNCTION_TITLES = {"Officer", "Manager"}
_NATIONALITY = re.compile(r"(?:ian|ese|ish|ean|an|ic|ch)$")  # "Indonesian President …": no organization
_EN_ROLE_MODIFIER = re.compile(
    r"^(?:Federal|Vice|Deputy|Executive|Prime|State|Chief|Managing|General|Former|Senior|Acting|Lord|"
    r"Foreign|Interior|Finance|European|Regional|Digital|First|Second|Third|1st|2nd|3rd|Immediate|Past|"
    r"Incoming|Outgoing|Interim|Assistant|Associate)$"
)
# "Anna Beispiel (Stadt Musterhausen)": a name with its organization in brackets, as in speaker lists
_NAME_PAREN_ORG = re.compile(rf"(?P<title>{TITLE})(?P<name>{NAME})\s+\((?P<org>[A-ZÄÖÜ][^()]{{1,80}})\)")
# "Prof. Dr. Sabine Kuhlmann von der Universität Potsdam", "… aus dem Niedersächsischen Innenministerium",
# "… von der Hochschule der Medien Stuttgart" (a genitive inside the name)
_FROM_ORG = re.compile(
    r"\s+(?P<prep>von der|vom|von|aus dem|aus der|of the|from the|from)\s+"
    r"(?P<org>[A-ZÄÖÜ][\w-]+(?:\s+(?:(?:für|der|des)\s+)?[A-ZÄÖÜ][\w-]+){0,3})"
)
# The article a "from" preposition contracts or carries, so an adjective's case can be undone.
_FROM_ARTICLE = {"vom": "dem", "aus dem": "dem", "von der": "der", "aus der": "der"}
_NAME_FROM = re.compile(rf"(?<![\wäöü-])(?P<name>{NAME})(?=\s+(?:vom|von der|aus dem|aus der)\s+[A-ZÄÖÜ])")
# Words that make a phrase an organization: "Landesjugendring", "Stadtwerke Kiel", "FH Münster"
_ORG_WORD = re.compile(
    r"(?:bund|verband|verein|ring|rat|kreis|amt|institut|ministerium|zentrum|netzwerk|werke?|gmbh|ag|"
    r"universität|hochschule|stiftung|kammer|agentur|akademie|behörde|gesellschaft|initiative|stadt|"
    r"gemeinde|verwaltung|bündnis|genossenschaft|fraktion|partei)$|^(?-i:[A-ZÄÖÜ]{2,6})$|^e\.\s?V\.$",
    re.IGNORECASE,
)
_EVENTISH = re.compile(
    r"(?:Convention|Conference|Congress|Summit|Kongress|Konferenz|Forum|Messe|Expo|Festival|Week|Woche|Tag|Day|"
    r"Staat)$"
)

# Words that start a sentence or are common nouns, so a capitalised pair starting with them is no name.
_NOT_NAME = {
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "am", "im", "in", "auf", "an", "bei", "beim",
    "zur", "zum", "neben", "mit", "von", "vom", "für", "auch", "als", "nach", "dann", "und", "oder", "the",
    "a", "at", "on", "of", "for", "and", "with", "by", "from", "this", "that", "unter", "über",
    "alle", "so", "wie", "sie", "er", "es", "wir", "ihr", "frau", "herr", "mrs", "mr", "ms",
}  # fmt: skip
_NOUNISH = folded(
    r"(?:ung|heit|keit|schaft|tion|werke|werk|verband|bund|tag|stadt|amt|ministerium|rat|ag|gmbh|"
    r"konferenz|kongress|convention|forum|messe|tagung|gipfel|summit|panel|runde|programm|verwaltung|"
    r"kommune|kommunen|land|länder|region|unternehmen|city|country|edition|zeit|jahr|tage|tages|"
    r"pandemie|diskussion|netz|daten|politik|gesellschaft|digital|smart)$",
    re.IGNORECASE,
)
_ORGAN = re.compile(
    r"^(?:der|des)\s+(?:Geschäftsführung|Geschäftsleitung|Vorstands?|Vorstandes|Aufsichtsrats?|"
    r"Aufsichtsrates|Verwaltungsrats?|Verwaltungsrates|Präsidiums|Hauptgeschäftsführung)\b"
)
_ORG_PREP = re.compile(
    r"^(beim|bei der|bei den|bei|des|der|dem|vom|von der|von den|von|im|am|an der|zum|zur|of the|of|"
    r"at the|at|with the|with|from the|from)\s+",
    re.IGNORECASE,
)
# The article a preposition contracts or implies, so the organization's case can be undone.
_PREP_ARTICLE = {
    "beim": "dem",
    "vom": "dem",
    "im": "dem",
    "am": "dem",
    "zum": "dem",
    "bei der": "der",
    "von der": "der",
    "an der": "der",
    "zur": "der",
    "des": "des",
    "der": "der",
    "dem": "dem",
}
_ADJ = re.compile(r"^([A-ZÄÖÜ][a-zäöüß]*(?:sch|lich|ig|al|ell|iv|är|eu|rei))(en|er|es|e|em)$")
_MASC = folded(r"(?:bund|tag|verband|rat|kreis|verein|konzern|dienst|fonds|senat|landtag|bundestag)$", re.I)
_NEUT = folded(
    r"(?:institut|amt|ministerium|zentrum|netzwerk|forum|bündnis|büro|werk|unternehmen|"
    r"kompetenzzentrum|cluster|labor|portal|parlament|gericht|team)$",
    re.I,
)
_GENITIVE_S = re.compile(r"(?<=[a-zäöü])(?:es|s)$")


def _plausible_name(name: str) -> bool:
    words = name.split()
    if words[0].lower() in _NOT_NAME or any(
        w.lower() in _NOT_NAME - {"von", "de", "zu", "le"} for w in words
    ):
        return False
    return not any(_nounish(w) or is_role_word(w) for w in (words[0], words[-1]))


def _nounish(word: str) -> bool:
    """Ends like a common noun ('Verwaltung'), unless the ending is most of the word ('Jung')."""
    m = _NOUNISH.search(word)
    return m is not None and len(word) >= len(m.group(0)) + 3


def _gender(head: str) -> str:
    if _MASC.search(head):
        return "m"
    if _NEUT.search(head):
        return "n"
    return "f"


def base_organization(phrase: str, gazetteer: Mapping[str, str] = GAZETTEER) -> str:
    """'des Deutschen Städtetags' → 'Deutscher Städtetag'; 'VKU' → 'Verband kommunaler Unternehmen'."""
    phrase = phrase.strip(" .,;:„“\"'")
    m = re.match(r"^(des|eines|dem|beim|vom|zum|im|der|den|die|das|the)\s+", phrase, re.IGNORECASE)
    article = m.group(1).lower() if m else ""
    words = phrase[m.end() :].split() if m else phrase.split()
    if not words:
        return phrase
    if len(words) == 1 and words[0] in gazetteer:
        return gazetteer[words[0]]
    adjectives = 0
    while adjectives < len(words) - 1 and _ADJ.match(words[adjectives]):
        adjectives += 1
    head_idx = adjectives
    head = words[head_idx]
    # "Städte- und Gemeindebund": the head noun is the last part of a hyphen-coordinated compound
    if head.endswith("-") and head_idx + 2 < len(words) and words[head_idx + 1] in ("und", "oder"):
        head_idx += 2
        head = words[head_idx]
    genitive = article in ("des", "eines")
    head_base = _GENITIVE_S.sub("", head) if genitive and len(head) > 4 else head
    gender = _gender(head_base)
    if article in ("des", "eines", "dem", "beim", "vom", "zum", "im", "der", "den"):
        ending = {"m": "er", "n": "es", "f": "e"}[gender] if article not in ("der", "den") else "e"
        if article == "der" and gender != "f":
            ending = "er"  # "der" before a masculine noun is rare; keep the nominative form
        for i in range(adjectives):
            adj = _ADJ.match(words[i])
            if adj and adj.group(2) == "en":
                words[i] = adj.group(1) + ending
    words[head_idx] = head_base
    return " ".join(words)


_EN_ROLE = re.compile(
    r"^(?P<role>(?:[A-Z][\w-]*|of|the|and|for)(?:\s+(?:[A-Z][\w-]*|of|the|and|for)){0,6}?)\s+"
    r"(?:at|with|from)\s+(?:the\s+)?(?P<org>[A-Z].*)$"
)
_EN_ROLE_OF = re.compile(
    r"^(?P<role>(?:(?:former|deputy|acting|interim)\s+)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3}?)\s+of\s+"
    r"(?:the\s+)?(?P<org>[A-Z].*)$"
)


def _split_english(phrase: str) -> tuple[str, str] | None:
    """'Head of Research at the Open Data Institute' → ('Head of Research', 'Open Data Institute')."""
    for rx in (_EN_ROLE, _EN_ROLE_OF):
        m = rx.match(phrase)
        if m and any(is_role_word(w) for w in m.group("role").split()):
            return m.group("role"), m.group("org").strip()
    return None


# "Angela Ruiz, Director of Smart Infrastructure, City of San Antonio": an English title, then the
# organization as its own apposition (known by a word such as City, University, Department, Inc)
_EN_TITLE_PHRASE = re.compile(r"^[A-Z][\w-]*(?:\s+(?:[A-Z][\w-]*|of|for|and|the|&))*$")
_EN_ORG_APPOSITION = re.compile(
    r"\s*,\s*(?:the\s+)?(?P<org>[A-Z][\w.&'-]*(?:\s+(?:of|for|and|&|the|[A-Z][\w.&'-]*)){0,6})"
    r"(?=\s*[,;)]|\.(?:\s|$)|\s*$|\s+[a-z])"
)
_EN_ORG_WORD = re.compile(
    r"\b(?:City|County|Town|Village|State|University|College|Institute|Department|Agency|Authority|Council|"
    r"Association|Foundation|Corporation|Corp|Inc|Ltd|LLC|Company|Group|Ministry|Commission|Office|Bureau|"
    r"Board|Cent(?:er|re)|Labs?|Network|Alliance|Coalition|Society|Bank|Fund|Trust|School|Hospital|"
    r"Partnership|Consortium|Government|Administration)\b"
)


def _english_org_after(text: str, pos: int, phrase: str) -> tuple[str, str] | None:
    """(whole title, organization) when an English title phrase is followed by ', <organization>'."""
    if not _EN_TITLE_PHRASE.match(phrase):
        return None
    m = _EN_ORG_APPOSITION.match(text, pos)
    if not m or not _EN_ORG_WORD.search(m.group("org")) or _starts_with_person(m.group("org")):
        return None
    org = m.group("org")
    return phrase, org if re.search(r"\b(?:Inc|Corp|Ltd|Co)\.$", org) else org.rstrip(".")


def _split_role_org(phrase: str, gazetteer: Mapping[str, str]) -> tuple[str | None, str | None]:
    """'Hauptgeschäftsführer beim Deutschen Städte- und Gemeindebund' → (role, organization)."""
    phrase = phrase.strip()
    english = _split_english(phrase)
    if english:
        return english
    words = phrase.split()
    if not words:
        return None, None
    adjective = _ADJ.match(words[0]) or ROLE_ADJECTIVE.match(words[0].lower())
    first = 1 if len(words) > 1 and adjective and is_role_word(words[1]) else _english_title_end(words)
    if not is_role_word(words[first]):
        return None, None
    while first + 1 < len(words) and is_role_word(words[first + 1]) and words[first + 1][:1].islower():
        first += 1  # "executive director", "chief officer": the last of two role words is the head
    role_word = words[first]
    role, org = _prefixed_role(role_word, gazetteer)
    rest = _cut_second_role(" ".join(words[first + 1 :]))
    role = " ".join([*words[:first], role])
    dept = _DEPARTMENT.match(rest)
    if dept and _DEPARTMENT_NOUN.search(dept.group("head")):
        # "Leiterin des Fachbereichs Digitalisierung (der Stadt Bochum)": a department is part of the role
        if dept.group("org"):
            article = _PREP_ARTICLE.get(dept.group("prep").lower(), "")
            org = base_organization(f"{article} {dept.group('org')}".strip(), gazetteer)
        return f"{role} {dept.group('unit')}", org
    field = _FIELD_BEFORE_ORG.match(rest)
    if field and field.group(1) not in gazetteer and not is_role_word(field.group(1)):
        role, rest = f"{role} {field.group(1)}", rest[field.end() :]  # "Vorstand Vertrieb der Beispiel AG"
    unit = _UNIT_AT_ORG.match(rest)
    if unit:  # "Leiterin des Lehrstuhls für Städtebau an der RWTH Aachen": the unit belongs to the role
        article = _PREP_ARTICLE.get(unit.group("prep").lower(), "")
        org = base_organization(f"{article} {unit.group('org')}".strip(), gazetteer)
        return f"{role} {unit.group('unit')}", org
    organ = _ORGAN.match(rest)
    if organ:
        role = f"{role} {organ.group(0)}"
        rest = rest[organ.end() :].strip()
    topic = _TOPIC.match(rest)
    if topic:
        role = f"{role} {topic.group(0)}"
        rest = rest[topic.end() :].strip()
    prep = _ORG_PREP.match(rest)
    if prep and rest[prep.end() :] and _EVENT_NOUN.search(rest.split()[-1]):
        return f"{role} {rest}", org  # "Schirmherr der Tagung": an event is no organization
    if prep and rest[prep.end() :]:
        article = _PREP_ARTICLE.get(prep.group(1).lower(), "")
        org = base_organization(f"{article} {rest[prep.end() :]}".strip(), gazetteer)
    elif rest and rest.split()[0] in gazetteer:
        org = gazetteer[rest.split()[0]]
    return role, org


# The field of an office: "für Bildung und Forschung", "für Verkehr und digitale Infrastruktur",
# "für Bildung, Wissenschaft und Forschung", "für Umwelt- und Verbraucherschutz", "for Trade"
_TOPIC_NP = (
    r"(?:[a-zäöü]+(?:e|en|er|es|em)\s+)*[A-ZÄÖÜ][\wäöüß]*(?:-(?:\s+(?:und|and)\s+[A-ZÄÖÜ][\wäöüß-]*)?)?"
)
_TOPIC = re.compile(
    rf"^(?:für|for)\s+(?!(?:die|den|das|der|the)\b){_TOPIC_NP}"
    rf"(?:(?:,\s*{_TOPIC_NP})*\s+(?:und|sowie|and)\s+{_TOPIC_NP})?(?![\wäöüß-])"
)


_EVENT_NOUN = folded(
    r"(?:tagung|konferenz|kongress|veranstaltung|gipfel|symposium|versammlung|diskussion|workshop|"
    r"conference|convention|summit|meeting|session|panel|festival)(?:e?s|en)?$",
    re.IGNORECASE,
)


def _english_title_end(words: list[str]) -> int:
    """'Chief Digital Officer der Stadt Bochum': the index of the role word that ends an English title
    (a modifier and capitalised words before it) in a German phrase; else 0."""
    if not _EN_ROLE_MODIFIER.match(words[0]):
        return 0
    for i, word in enumerate(words[1:4], start=1):
        if not word[:1].isupper():
            break
        if is_role_word(word):
            return i
    return 0


_FIELD_BEFORE_ORG = re.compile(r"^([A-ZÄÖÜ][a-zäöüß-]+)\s+(?=(?:der|des|of the|at the)\s)")
_UNIT_AT_ORG = re.compile(
    r"^(?P<unit>(?:des|der)\s+[A-ZÄÖÜ]\S*(?:\s+(?:für|und|[A-ZÄÖÜ]\S*))*?)\s+"
    r"(?P<prep>an der|am|beim|bei der)\s+(?P<org>[A-ZÄÖÜ].*)$"
)


# A department of an organization, with the organization perhaps after it
_DEPARTMENT = re.compile(
    r"^(?P<unit>(?:des|der)\s+(?P<head>[A-ZÄÖÜ][\wäöüß-]*)(?:\s+(?:für|und|[A-ZÄÖÜ]\S*))*?)"
    r"(?:\s+(?P<prep>an der|am|beim|bei der|im|der|des)\s+(?P<org>[A-ZÄÖÜ].*))?$"
)
_DEPARTMENT_NOUN = folded(
    r"(?:bereich|abteilung|referat|dezernat|lehrstuhl|stabsstelle|sachgebiet|fachdienst|ressort|büro)(?:e?s)?$",
    re.IGNORECASE,
)


def _cut_second_role(rest: str) -> str:
    """'im Bundesministerium des Innern und Beauftragter der Bundesregierung': keep the first body only."""
    words = rest.split()
    for i in range(1, len(words) - 1):
        if words[i] in ("und", "sowie") and is_role_word(words[i + 1]):
            return " ".join(words[:i])
    return rest


def _prefixed_role(word: str, gazetteer: Mapping[str, str]) -> tuple[str, str | None]:
    """'VKU-Hauptgeschäftsführer' → ('Hauptgeschäftsführer', 'Verband kommunaler Unternehmen')."""
    if "-" in word:
        prefix, role = word.rsplit("-", 1)
        if prefix in gazetteer:
            return role, gazetteer[prefix]
        if re.fullmatch(r"[A-ZÄÖÜ][A-ZÄÖÜa-z]?[A-ZÄÖÜ0-9]{1,6}", prefix):
            return role, prefix
        if re.fullmatch(r"[A-ZÄÖÜ][a-zäöüß]+", prefix) and prefix.lower() not in _ROLE_PREFIXES:
            return role, prefix  # "Bitkom-Präsident"
    return word, None


def _title(raw: str) -> str | None:
    title = " ".join(raw.split())
    return title or None


def _starts_with_person(phrase: str) -> bool:
    """The phrase is the next person: a role and a name ('Vice Mayor De Rosa', 'Landrat Max Muster')."""
    m = _ROLE_BEFORE.match(phrase.strip())
    if m and is_role_word(m.group("role")) and _plausible_name(m.group("name")):
        return True
    words = phrase.split()
    last_role = max((k for k, w in enumerate(words) if is_role_word(w)), default=None)
    tail = words[last_role + 1 :] if last_role is not None else []
    return len(tail) >= 2 and all(re.fullmatch(r"[A-ZÄÖÜ][\w'’-]+", w) for w in tail[:2])


def find_people(text: str, gazetteer: Mapping[str, str] = GAZETTEER) -> list[tuple[int, Person]]:
    """(offset, person) for every person in text order: names vouched for by a role, a title or an
    organization, and names known as names by their first name."""
    names = find_names(text, _surname_rejected)
    vouched = _vouched_people(text, gazetteer) if _may_vouch(text) else []
    found = [_widened(text, pos, p, names) for pos, p in vouched]
    found = [(pos, p) for pos, p in found if _credible(text, pos, p) and not _not_a_person(text, pos, p.name)]
    taken = [(pos, pos + len(p.name)) for pos, p in found]
    for span in names:
        if not any(start < span.end and span.start < end for start, end in taken) and not _not_a_person(
            text, span.start, span.name
        ):
            found.append((span.start, Person(span.name, _title_before(text, span.start))))
    found = sorted(found, key=lambda p: p[0])
    found = _list_roles(text, [(pos, _with_context_role(text, pos, p, gazetteer)) for pos, p in found])
    if len({p.name for _, p in found}) == 1 and not found[0][1].role:
        # a sentence about one person: "… wirkte als Moderatorin mit"
        role = role_as(text, lambda phrase: _split_role_org(phrase, gazetteer))
        found = [(pos, replace(p, role=role)) for pos, p in found]
    return found


def _with_context_role(text: str, pos: int, person: Person, gazetteer: Mapping[str, str]) -> Person:
    """The person with its role in base form, or with the role its sentence gives it around the name."""
    gender = person_gender(person.name)

    def split(phrase: str) -> tuple[str | None, str | None]:
        return _split_role_org(phrase, gazetteer)

    if person.role:
        head, _, rest = person.role.partition(" ")
        role = " ".join(x for x in (base_role(head, gender), rest) if x)
        fuller, _ = role_before(text, pos, gender, split)
        added = set(fuller[: -len(role.split()[0])].split()) if fuller else set()
        if (
            fuller
            and fuller != role
            and fuller.split()[-1] == role.split()[0]
            and not (person.organization and added <= set(person.organization.split()))
        ):
            role = fuller  # the same role with its adjectives ("Bayerischer Umweltminister"), not its org
        return replace(person, role=role)

    end = pos + len(person.name)
    context_role, org = role_before(text, pos, gender, split)
    context_role = context_role or role_by_appointment(text, end, gender) or role_by_copula(text, end, split)
    if not context_role:
        context_role, org = role_after(text, end, split, _surname_rejected)
    return replace(person, role=context_role, organization=person.organization or org)


def _list_roles(text: str, found: list[tuple[int, Person]]) -> list[tuple[int, Person]]:
    """People listed after a plural role ('die Landrätinnen A und B') share it where they have none."""
    out = list(found)
    i = 0
    while i < len(out):
        j = i
        while j + 1 < len(out) and in_list(text, out[j][0] + len(out[j][1].name), out[j + 1][0]):
            j += 1
        role = plural_role_before(text, out[i][0]) if j > i else None
        for k in range(i, j + 1):
            pos, person = out[k]
            if role and not person.role:
                out[k] = (pos, replace(person, role=base_role(role, person_gender(person.name))))
        i = j + 1
    return out


_TITLE_BEFORE = re.compile(rf"(?<![\w-]){TITLE}$")


def _title_before(text: str, start: int) -> str | None:
    """The academic title right before a name ('Prof. Dr. Lars P. Muster')."""
    m = _TITLE_BEFORE.search(text[max(0, start - 40) : start])
    return _title(m.group(0)) if m else None


def _surname_rejected(word: str) -> bool:
    """A word that cannot end a name: a role, a common noun by its ending, a function word."""
    lower = word.lower()
    return (
        is_role_word(word)
        or (_nounish(word) and not lower.endswith("land"))  # "Weiland", "Copeland" are surnames
        or lower in _NOT_NAME
        or bool(_NOUNISH.fullmatch(lower) or _EN_ORG_WORD.fullmatch(word))
    )


def _widened(text: str, pos: int, person: Person, names: list[NameSpan]) -> tuple[int, Person]:
    """The whole name where a pattern caught only part of it ('Ruhe Madsen' of 'Claus Ruhe Madsen')."""
    end = pos + len(person.name)
    for span in names:
        if span.start <= pos and end <= span.end and (span.start, span.end) != (pos, end):
            return span.start, replace(person, name=span.name)
    return pos, person


_ARTICLE_BEFORE = re.compile(r"(?<![\wäöü])(?:des|der|dem|den|die|das|eines|einer|the)\s+$", re.IGNORECASE)
_ADJECTIVE_LIKE = re.compile(r"(?:isch|lich|ig|al|ell|iv|är|sch|ar)(?:e|er|en|es|em)$")


def _credible(text: str, pos: int, person: Person) -> bool:
    """A name without a known first name needs a role or an academic title, and must not read as an
    adjective and a noun ('Deutsche Verkehrswissenschaftliche', 'Kommunaler Klimaschutz')."""
    first = person.name.split()[0]
    if is_first_name(first):
        return True
    if not (person.role or person.title) or _ADJECTIVE_LIKE.search(first):
        return False
    if re.match(r" [A-ZÄÖÜ]", text[pos + len(person.name) :]):
        return False  # "Ehrenvorsitzender Pro Bahn Deutschland": the words go on as an organization's name
    if _ARTICLE_BEFORE.search(text[max(0, pos - 8) : pos]):
        return False  # "die Präsidentin des Landesverbands Nord, …": an article makes it a noun phrase
    return not any(_surname_rejected(w) for w in person.name.split()[1:])


# A place or a thing named after a person: "im Schulzentrum „Anna Beispiel“", "im Gymnasium Max Muster"
_FACILITY_WORD = folded(
    r"(?:zentrum|haus|halle|schule|gymnasium|museum|saal|stiftung|preis|platz|straße|strasse|bibliothek|"
    r"arena|stadion|theater|kolleg|akademie|center|centre|hall|school|library|foundation|award|prize|"
    r"auditorium|stadium|academy|café|cafe|restaurant|kino|cinema|galerie|gallery|hotel)(?:e?s)?$",
    re.IGNORECASE,
)
_QUOTES = "„“”\"»«‚‘'’"
_CLOSING_QUOTES = "“”\"«»‘’'"


def _not_a_person(text: str, start: int, name: str) -> bool:
    """A byline or a photo credit, a name in quotes ('der Preis „Clara Beispiel“', the title of a work), or
    the name a building or a school carries ('im Schulzentrum Hans Beispiel')."""
    end = start + len(name)
    before = text[max(0, start - 40) : start].rstrip()
    after = text[end : end + 3].lstrip()
    quoted = before[-1:] in _QUOTES
    if quoted and after[:1] in _CLOSING_QUOTES and not (after[:1] in "’'" and after[1:2] == "s"):
        return True
    words = before.rstrip(_QUOTES).split()
    if words and _FACILITY_WORD.search(words[-1]):
        return True
    return _byline(text, NameSpan(start, end, name))


_BYLINE_START = re.compile(
    r"^\s*(?:Von|By|Text|Autor(?:in)?|Author|(?:Posted|Published|Written|Veröffentlicht|Geschrieben|Verfasst)"
    r"(?:\s+(?:on|am)\s+[^!?]{1,30}?)?\s+(?:by|von))\s*:?\s*$",
    re.IGNORECASE,
)
# What may follow an author's name on a byline: a job line, a date, a photo credit
_BYLINE_TAIL = re.compile(
    r"^(?:[,|–-].{0,60}|(?:on|am)\s.{0,30}|(?:Fotos?|Photos?|Bilder?)\b.{0,60})?$", re.I
)


_CREDIT_BEFORE = re.compile(
    r"(?:©|\b(?:Fotos?|Bild(?:er)?|Photos?|Credits?|Quelle|Source)\s*:|\b(?:Fotos?|Photos?|Bilder?|Images?)\s+"
    r"(?:by|von))\s*$",
    re.IGNORECASE,
)


def _byline(text: str, span: NameSpan) -> bool:
    """A line that is only a name, perhaps after 'Von' / 'By' and before a short job line, is an author's
    byline, not a person of the story ('Von Max Muster', 'By Jane Roe, Staff Writer'); so is a photo
    credit ('© Max Muster', 'Foto: Jane Roe')."""
    before, after = text[: span.start], text[span.end :].strip(" .")
    if _CREDIT_BEFORE.search(before[-70:]):
        return True
    if not before.strip():
        return not after or (after[0] in "|" and len(after) < 60)  # "Jane Roe | Staff Writer"
    return bool(_BYLINE_START.match(before)) and bool(_BYLINE_TAIL.match(after))


_NAME_AT = re.compile(NAME)
_CAPITAL = re.compile(r"[A-ZÄÖÜ]")


def _may_vouch(text: str) -> bool:
    """Whether a pattern of `_vouched_people` can find a person: each one keeps a name only where
    `_plausible_name` says so, and most sentences hold no plausible pair of capitalised words ("Die
    Veranstaltung", "Deutschen Städtetag"). Tried at every capital, as the name of a pattern may start
    there: the pair there (a second word followed by a word character stops no pattern's name, so it is
    whole), and, where its second word is hyphenated, that word's first part, which a name may end with."""
    for capital in _CAPITAL.finditer(text):
        m = _NAME_AT.match(text, capital.start())
        if m is None:
            continue
        name = m.group()
        if _plausible_name(name):
            return True
        last = name.rsplit(None, 1)[-1]
        if "-" in last and _plausible_name(name[: len(name) - len(last)] + last.split("-", 1)[0]):
            return True
    return False


def _vouched_people(text: str, gazetteer: Mapping[str, str]) -> list[tuple[int, Person]]:
    """(offset, person) for every person vouched for by a role, a title or an organization."""
    found: list[tuple[int, Person]] = _shaped_people(text, gazetteer)
    # the role before a name first, so that several roles of one mention keep the text's order; tried only
    # at role words (every match of _ROLE_BEFORE starts at a _CAPITAL_WORD, which is its role)
    for word in _CAPITAL_WORD.finditer(text):
        if not is_role_word(word.group()) or not (m := _ROLE_BEFORE.match(text, word.start())):
            continue
        name, role_word = m.group("name"), m.group("role")
        if not _plausible_name(name) or not is_role_word(role_word):
            continue
        article = text[max(0, m.start() - 4) : m.start()].strip().lower()
        if gender_clash(role_word, person_gender(name), article):
            continue  # "konnte der Bundesvorsitzende Anna Beispiel gewinnen": his role, not hers
        role, org = _prefixed_role(role_word, gazetteer)
        org = org or _org_after(text, m.end("name"), gazetteer)  # "Professorin Anja Brückner von der FH …"
        found.append((m.start("name"), Person(name, _title(m.group("title")), role, org)))
    for m in _ROLE_AFTER.finditer(text) if _NAME_THEN_COMMA.search(text) else ():
        name = m.group("name")
        if not _plausible_name(name):
            continue
        if _starts_with_person(m.group("phrase")):
            continue  # "Heiko Mass, NRW-Ministerpräsident Armin Laschet": the role is the next person's
        said, org = _split_role_org(m.group("phrase"), gazetteer)
        if said:
            said, org = _english_org_after(text, m.end("phrase"), m.group("phrase").strip()) or (said, org)
        if said or m.group("title"):
            found.append((m.start("name"), Person(name, _title(m.group("title")), said, org)))
    for m in _TITLED_NAME.finditer(text) if "Prof." in text or "Dr." in text else ():
        if _plausible_name(m.group("name")):
            organization = _org_after(text, m.end(), gazetteer)
            found.append(
                (m.start("name"), Person(m.group("name"), _title(m.group("title")), None, organization))
            )
    return found


_TITLED_NAME = re.compile(rf"(?P<title>(?:Prof\.|Dr\.)\s+{TITLE})(?P<name>{NAME})(?![\wäöü])")


def _org_after(text: str, pos: int, gazetteer: Mapping[str, str]) -> str | None:
    """The organization in 'von der …' / 'aus dem …' right after a name, in its base form."""
    m = _FROM_ORG.match(text, pos)
    if not m:
        return None
    article = _FROM_ARTICLE.get(m.group("prep").lower(), "")
    return base_organization(f"{article} {m.group('org')}".strip(), gazetteer)


def _shaped_people(text: str, gazetteer: Mapping[str, str]) -> list[tuple[int, Person]]:
    """People in the less common shapes: apposition, adjective role, English role phrase, bracketed org."""
    found: list[tuple[int, Person]] = []
    for m in _APPOSITION.finditer(text) if "," in text else ():
        if is_role_word(m.group("role")) and _plausible_name(m.group("name")):
            role, _ = _prefixed_role(m.group("role"), gazetteer)
            org = base_organization(_cut_second_role(m.group("org")), gazetteer)
            found.append((m.start("name"), Person(m.group("name"), _title(m.group("title")), role, org)))
    for m in _ADJ_ROLE_BEFORE.finditer(text):
        if is_role_word(m.group("role").split()[-1]) and _plausible_name(m.group("name")):
            found.append(
                (m.start("name"), Person(m.group("name"), _title(m.group("title")), m.group("role")))
            )
    for m in _EN_ROLE_BEFORE.finditer(text) if has_any(text, _EN_HEADS) else ():
        if not _plausible_name(m.group("name")) or _EVENTISH.search(m.group("name")):
            continue
        pre = m.group("pre").split()
        if m.group("role") in _FUNCTION_TITLES and not any(_EN_ROLE_MODIFIER.match(w) for w in pre):
            continue  # "Press Officer", "Acme Officer": the word before may be a field or a company
        en_role, en_org = _english_role_before(pre, m.group("role"))
        found.append((m.start("name"), Person(m.group("name"), _title(m.group("title")), en_role, en_org)))
    for m in _NAME_PAREN_ORG.finditer(text) if "(" in text else ():
        name, org = m.group("name"), m.group("org").strip()
        if not _plausible_name(name) or _EVENTISH.search(name) or is_role_word(org.split()[0]):
            continue
        if any(is_role_word(w) for w in org.split()) and len(org.split()) <= 6:
            continue  # "Dan Ruiz (WCA 2nd VP)": a title in brackets, which the context rules read as a role
        if re.fullmatch(r"[A-ZÄÖÜ]{2,6}", org) and org not in gazetteer and len(name.split()) < 2:
            continue
        found.append((m.start("name"), Person(name, _title(m.group("title")), None, gazetteer.get(org, org))))
    found.extend(_people_from_org(text, gazetteer))
    return found


def _people_from_org(text: str, gazetteer: Mapping[str, str]) -> list[tuple[int, Person]]:
    """'… – Aylin Demir vom Landesjugendring berichtete': a name vouched for by the organization it comes
    from. Not at the start of a sentence, where any noun is capitalised, nor after an article."""
    found: list[tuple[int, Person]] = []
    if " vom " not in text and " von der " not in text and " aus de" not in text:
        return found  # most sentences: skip trying a name at every capitalised word
    for m in _NAME_FROM.finditer(text):
        name = m.group("name")
        before = text[: m.start()].split()
        if not before or before[-1].lower() in _NOT_NAME - {"mit", "und", "von", "für", "bei", "an"}:
            continue
        if not _plausible_name(name) or any(_ADJ.match(w) for w in name.split()) or _EVENTISH.search(name):
            continue
        org = _org_after(text, m.end("name"), gazetteer)
        if org and (org in gazetteer.values() or any(_ORG_WORD.search(w) for w in org.split())):
            found.append((m.start("name"), Person(name, None, None, org)))
    return found


def _english_role_before(pre: list[str], head: str) -> tuple[str, str | None]:
    """'City of Chicago Chief Technology' + 'Officer' → ('Chief Technology Officer', 'City of Chicago'):
    the title starts at its first modifier ('Chief', 'Vice', 'Federal'); the words before it name the
    organization, unless they are a nationality ('Indonesian President') or a function word."""
    while pre and (pre[0] == "The" or (_NATIONALITY.search(pre[0]) and not _EN_ROLE_MODIFIER.match(pre[0]))):
        pre = pre[1:]
    start = next((i for i, w in enumerate(pre) if _EN_ROLE_MODIFIER.match(w)), len(pre))
    org = " ".join(pre[:start]) or None
    if org and (org.lower() in _NOT_NAME or pre[start - 1] in ("of", "the")):
        org = None
    return " ".join([*pre[start:], head]), org


def collect_people(texts: Iterable[str], gazetteer: Mapping[str, str] = GAZETTEER) -> list[Person]:
    """The people of an article's texts (sentences, captions) in order of first mention, one entry each;
    short mentions ('Prof. Muster') join the full name they stand for."""
    found: list[Person] = []
    short: list[ShortMention] = []
    for text in dict.fromkeys(texts):
        found.extend(p for _, p in find_people(text, gazetteer))
        short.extend(short_mentions(text, _surname_rejected))
    unique = list(dict.fromkeys(texts))
    people = [
        p for p in join_short_mentions(fold_variants(merge_people(found)), short) if _not_a_thing(p, unique)
    ]
    return _roles_by_surname(unique, people, gazetteer)


def _not_a_thing(person: Person, texts: list[str]) -> bool:
    """A surname kept alone only by a speech verb is no organization: none of the texts puts an article or
    'bei'/'at' before it ('Google said …' beside 'at Google')."""
    if " " in person.name or person.title or person.role:
        return True
    rx = re.compile(
        rf"(?<![\w-])(?:the|der|die|das|dem|den|des|bei|beim|at|an)\s+{re.escape(person.name)}(?![\w-])", re.I
    )
    return not any(rx.search(t) for t in texts if person.name in t)


def _roles_by_surname(texts: list[str], people: list[Person], gazetteer: Mapping[str, str]) -> list[Person]:
    """A role given later by surname alone: 'Jane Roe spoke. Roe is the current vice president of …'."""
    out = []
    for person in people:
        words = person.name.split()
        if person.role is None and len(words) > 1:
            surname = re.compile(rf"(?<![\w-]){re.escape(words[-1])}(?![\w-])")
            for text in texts:
                if words[-1] not in text:
                    continue
                role = next(
                    (
                        r
                        for m in surname.finditer(text)
                        if (r := role_by_copula(text, m.end(), lambda p: _split_role_org(p, gazetteer)))
                    ),
                    None,
                )
                if role:
                    person = replace(person, role=role)
                    break
        out.append(person)
    return out


def merge_people(people: Iterable[Person]) -> list[Person]:
    """One entry per name, filling missing title/role/organization from later mentions."""
    merged: dict[str, Person] = {}
    for p in people:
        key = p.name.lower()
        if key not in merged:
            merged[key] = p
            continue
        old = merged[key]
        role = p.role
        if role and old.organization and role.startswith(old.organization + " "):
            role = role[len(old.organization) + 1 :]  # "Bitkom President" beside "President" of "Bitkom"
        merged[key] = replace(
            old,
            title=old.title or p.title,
            role=join_roles(old.role, role),
            organization=old.organization or p.organization,
        )
    return list(merged.values())


def _name_pattern(base: str) -> re.Pattern[str]:
    """Match an organization's base name in any case: 'Deutscher Städtetag' ~ 'Deutschen Städtetags'."""
    parts = []
    for word in base.split():
        adj = _ADJ.match(word)
        if adj:
            parts.append(re.escape(adj.group(1)) + r"(?:e|er|en|es|em)")
        else:
            parts.append(re.escape(word))
    parts[-1] += r"(?:e?s)?"
    return re.compile(r"(?<![\wäöü])" + r"\s+".join(parts) + r"(?![\wäöü])")


@lru_cache(maxsize=256)
def _gazetteer_rx(entries: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """One pattern for all abbreviations and base names; group `g<i>` names entry i."""
    alts = []
    for i, (abbr, base) in enumerate(entries):
        abbr_rx = rf"(?<![\wäöü]){re.escape(abbr)}(?=$|[^\wäöü])"
        alts.append(f"(?P<g{i}>{abbr_rx}|{_name_pattern(base).pattern})")
    return re.compile("|".join(alts))


def find_organizations(text: str, gazetteer: Mapping[str, str] = GAZETTEER) -> list[tuple[int, str]]:
    """(offset, base name) of every gazetteer organization mentioned by abbreviation or by name."""
    # only the entries whose abbreviation or head noun occurs: one small pattern instead of all of them
    entries = tuple(
        (abbr, base) for abbr, base in gazetteer.items() if abbr in text or base.split()[-1] in text
    )
    if not entries:
        return []
    first: dict[str, int] = {}
    for m in _gazetteer_matches(_gazetteer_rx(entries), entries, text):
        base = entries[int(m.lastgroup[1:])][1] if m.lastgroup else None
        if base and base not in first:
            first[base] = m.start()
    return [(pos, base) for base, pos in first.items()]


def _gazetteer_matches(
    rx: re.Pattern[str], entries: tuple[tuple[str, str], ...], text: str
) -> Iterator[re.Match[str]]:
    """`rx.finditer(text)`, tried only where an entry's abbreviation or the first letters of its name
    stand (every match starts with one): a page is long, and the pattern has a branch for each entry."""
    literals = {literal for abbr, base in entries for literal in (abbr, _name_start(base))}
    if "" in literals:  # an empty abbreviation matches the empty text anywhere: the plain way
        yield from rx.finditer(text)
        return
    starts: set[int] = set()
    for literal in literals:
        at = text.find(literal)
        while at >= 0:
            starts.add(at)
            at = text.find(literal, at + 1)
    end = 0
    for at in sorted(starts):
        if at >= end and (m := rx.match(text, at)):
            yield m
            end = m.end()


def _name_start(base: str) -> str:
    """The letters every match of `_name_pattern(base)` starts with: its first word, or that adjective's
    stem ('Deutsch' of 'Deutscher')."""
    word = base.split()[0]
    adj = _ADJ.match(word)
    return adj.group(1) if adj else word
