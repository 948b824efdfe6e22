"""Role words ('Oberbürgermeisterin', 'Bundes-CIO', 'Councilmember') and their base form.

A role is reported in the nominative singular, as a reader would write it under a photo:
"des Oberbürgermeisters" → "Oberbürgermeister", "Ministerpräsidenten" → "Ministerpräsident",
"die Landräte" → "Landrat", "der Vorsitzende Hans …" → "Vorsitzender".
"""

from __future__ import annotations

import re
from functools import lru_cache

# A German compound ending in one of these (plus feminine or inflection), or an English title.
_ROLE_STEMS = (
    "geschäftsführer", "präsident", "minister", "staatssekretär", "bürgermeister", "direktor", "vorstand",
    "vorständin", "leiter", "referent", "sprecher", "dezernent", "landrat", "landrät", "kanzler", "senator",
    "kämmerer", "stadtrat", "stadträt", "staatsrat", "staatsrät", "gründer", "chef", "moderator",
    "professor", "ceo", "cio", "cdo", "cto", "coo", "cfo", "mayor", "director", "president", "chair",
    "chairman", "chairwoman", "founder", "manager", "officer", "chancellor", "premier", "secretary",
    "commissioner", "head", "governor", "partner", "consultant", "berater", "koordinator", "justiziar",
    "mitglied", "member", "rektor", "dekan", "kommissar", "politiker", "wissenschaftler", "botschafter",
    "schirmherr",
    "autor", "unternehmer", "representative", "councilmember", "councilman", "councilwoman", "councillor",
    "councilor", "alderman", "alderwoman", "clerk", "supervisor", "administrator", "treasurer", "trustee",
    "vertreter", "correspondent", "journalist", "intendant", "kurator", "obmann", "podiumsgast", "ehrengast",
    "counsel", "chief", "author", "vp", "attorney", "planner", "planer", "pastor", "pfarrer",
    "speaker", "presenter", "panelist", "panellist", "leader", "analyst", "expert", "vorsteher", "prüfer",
    "sekretär", "schatzmeister", "schriftführer", "beisitzer", "redner", "gastgeber", "initiator",
    "organisator", "laudator", "host", "engineer", "ingenieur", "architect", "architekt", "scientist",
    "economist", "researcher", "anwalt", "lawyer", "executive", "sheriff", "judge", "auditor", "assessor",
    "superintendent", "anchor", "brandmeister", "forscher", "coordinator", "commander",
)  # fmt: skip
# Offices written as abbreviations: Oberbürgermeister, members of parliament, alderman, representative
PLURAL_ABBREVIATIONS = {"Alds.": "Ald.", "Reps.": "Rep.", "Sens.": "Sen.", "Cllrs.": "Cllr."}
_ROLE_ABBREVIATIONS = {
    "OB", "OBM", "MdB", "MdL", "MdEP", "MdA", "Ald.", "Rep.", "Sen.", "Cllr.", "Gov.", *PLURAL_ABBREVIATIONS,
}  # fmt: skip
# Adjectives used as nouns: "der Vorsitzende" / "ein Vorsitzender", "die Beigeordnete"
_ADJECTIVAL_STEMS = ("vorsitzend", "beigeordnet", "abgeordnet", "beauftragt", "geschäftsführend", "delegiert")
_NOUN_SUFFIX = re.compile(r"(?:in|innen|en|n|es|e|s)?$")
_ADJECTIVAL_SUFFIX = re.compile(r"(?:e|er|en|em|es)$")
# Plural forms with an umlaut: "Landräte" → "Landrat"
_UMLAUT_PLURAL = {"landrät": "landrat", "stadträt": "stadtrat", "staatsrät": "staatsrat"}


def _stem_match(word: str) -> tuple[str, str, bool] | None:
    """(stem as written, suffix, adjectival) of the role stem that ends `word`'s last compound part."""
    last = word.rsplit("-", 1)[-1]
    lower = last.lower()
    for stem in _ADJECTIVAL_STEMS:
        idx = lower.rfind(stem)
        if idx >= 0 and _ADJECTIVAL_SUFFIX.fullmatch(lower[idx + len(stem) :]):
            return last[: idx + len(stem)], lower[idx + len(stem) :], True
    for stem in _ROLE_STEMS:
        idx = lower.rfind(stem)
        if idx >= 0 and _NOUN_SUFFIX.fullmatch(lower[idx + len(stem) :]):
            return last[: idx + len(stem)], lower[idx + len(stem) :], False
    return None


@lru_cache(maxsize=8192)
def is_role_word(word: str) -> bool:
    """'VKU-Hauptgeschäftsführer', 'Staatsministerin', 'Bundes-CIO', 'Mayor', 'MdB' are role words."""
    return word in _ROLE_ABBREVIATIONS or _stem_match(word) is not None


@lru_cache(maxsize=4096)
def base_role(word: str, gender: str | None = None) -> str:
    """The nominative singular of a role word; `gender` ('m'/'f') decides adjectival nouns
    ('Vorsitzender' / 'Vorsitzende'). A word that is no role word comes back as it is."""
    match = _stem_match(word)
    if match is None:
        return PLURAL_ABBREVIATIONS.get(word, word)
    stem, suffix, adjectival = match
    prefix = word[: len(word) - len(stem) - len(suffix)]
    if adjectival:
        return f"{prefix}{stem}{'e' if gender == 'f' else 'er'}"
    umlaut = _UMLAUT_PLURAL.get(stem.lower())
    if umlaut:
        stem = stem[0] + umlaut[1:] if not suffix.startswith("in") else stem
    feminine = "in" if suffix.startswith("in") else ""
    return f"{prefix}{stem}{feminine}"


# German role nouns with a feminine form in -in: a woman is not "Präsident", a man not "Präsidentin"
_GENDERED_STEMS = {
    "geschäftsführer", "präsident", "minister", "staatssekretär", "bürgermeister", "direktor", "leiter",
    "referent", "sprecher", "dezernent", "landrat", "landrät", "kanzler", "senator", "kämmerer", "stadtrat",
    "staatsrat", "gründer", "moderator", "professor", "berater", "koordinator", "rektor", "dekan",
    "kommissar", "politiker", "wissenschaftler", "botschafter", "schirmherr", "autor", "unternehmer",
    "vertreter", "intendant", "kurator", "pfarrer", "vorsteher", "prüfer", "sekretär", "redner",
    "gastgeber", "initiator", "organisator", "laudator", "beisitzer", "schriftführer", "planer",
}  # fmt: skip


@lru_cache(maxsize=4096)
def gender_clash(word: str, gender: str | None, article: str | None = None) -> bool:
    """The role word's grammatical gender contradicts the person's ('der Bundesvorsitzende' before a
    woman's name, 'Präsident' before 'Anna …'): then the role is another person's."""
    match = _stem_match(word) if gender in ("m", "f") else None
    if match is None:
        return False
    stem, suffix, adjectival = match
    if adjectival:
        masculine = suffix == "er" or (suffix == "e" and article == "der")
        feminine = suffix == "e" and article == "die"
        return (gender == "f" and masculine) or (gender == "m" and feminine)
    if stem.lower() not in _GENDERED_STEMS:
        return False
    return suffix.startswith("in") != (gender == "f")
