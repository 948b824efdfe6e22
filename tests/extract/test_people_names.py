"""People found as names (first-name knowledge), their roles in context and in base form, short mentions,
captions. All sentences are written for these tests."""

from __future__ import annotations

import pytest

from scc_sync.extract import extract_summary
from scc_sync.extract.names import find_names, person_gender
from scc_sync.extract.people import collect_people, find_people
from scc_sync.extract.roles import base_role, is_role_word
from scc_sync.models import Person


def names(text: str) -> list[str]:
    return [p.name for _, p in find_people(text)]


def people(*texts: str) -> list[Person]:
    return collect_people(list(texts))


def role_of(text: str, name: str) -> str | None:
    return next(p.role for _, p in find_people(text) if p.name == name)


# --- names found by their first name -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Runde wurde von Jonas Keller moderiert.", ["Jonas Keller"]),
        ("Danach sprachen Marta Olsen und Tobias Rieger über Radwege.", ["Marta Olsen", "Tobias Rieger"]),
        ("Mit dabei war Anna Lena Brückmann aus Kassel.", ["Anna Lena Brückmann"]),  # two first names
        ("Es begrüßte Hans-Jürgen Wilke die Gäste.", ["Hans-Jürgen Wilke"]),  # hyphenated first name
        ("Den Abschluss machte Carla von Hohenstein.", ["Carla von Hohenstein"]),  # particle
        ("Then Lucy De la Fuente took the stage.", ["Lucy De la Fuente"]),
        ("The award went to Peter J. Okafor on Friday.", ["Peter J. Okafor"]),  # middle initial
        ("Our thanks go to Brian McAllister for the tour.", ["Brian McAllister"]),
        ("Gruß an Ole Brandt Sörensen (links) und das Team.", ["Ole Brandt Sörensen"]),  # second surname
        ("Es kamen Tom Weiland und Jan Copeland.", ["Tom Weiland", "Jan Copeland"]),  # no nouns in -land
    ],
)
def test_a_name_is_found_by_its_first_name(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Am Dienstag kamen alle in die Halle.",  # "Am", "Tage", "Halle" are first names somewhere
        "Im Mai tagte der Ausschuss erneut.",
        "The Grace Hopper Foundation funded the lab.",  # a name inside an organization's name
        "The Austin Herald reported on the meeting.",  # after "the": a title, not a person
        "The choir of St. Peter Paulsen Church sang.",  # a saint's name: a church
        "Den Zuschlag erhielt die Hans Brettschneider GmbH aus Kiel.",  # a company
        "Die Sitzung fand im Clara Wieck Saal statt.",
        "Sie fuhren zur Messe Frankfurt Nord Halle drei.",  # a run of capitalised words: a place
        "Die Anfahrt über die Karl-Heine-Straße war gesperrt.",
        "Fotos: Studio Lena Beck Photography",  # a studio, not a person
    ],
)
def test_no_person_without_a_name(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Jonas Keller",
        "Von Jonas Keller",
        "By Lucy Warren, Staff Writer",
        "Das Rathaus im Winter (Foto: Jonas Keller).",
        "© Lucy Warren/Bildagentur",
    ],
)
def test_a_byline_names_no_person(text: str) -> None:
    assert names(text) == []


def test_von_at_the_start_of_a_sentence_is_no_byline() -> None:
    assert names("Von Jonas Keller stammt die Idee für den Fachtag.") == ["Jonas Keller"]


@pytest.mark.parametrize(
    "text",
    [
        "Partner Deutsche Beispielgesellschaft unterstützte die Tagung.",  # an adjective, not a first name
        "Organisiert vom Kommunalen Datennetz (KDN) in Bonn.",
        "Referent Pro Radverkehr Musterland sprach.",  # the words go on as an organization's name
    ],
)
def test_capitalised_words_without_a_first_name_are_no_person(text: str) -> None:
    assert names(text) == []


def test_a_name_without_a_known_first_name_needs_a_role() -> None:
    assert names("Gastgeberin war Staatssekretärin Ylvie Ondraschek.") == ["Ylvie Ondraschek"]


def test_a_pattern_that_caught_part_of_a_name_gets_all_of_it() -> None:
    assert names("Es sprach Oberbürgermeisterin Anna Lena Brückmann.") == ["Anna Lena Brückmann"]


def test_first_name_gender() -> None:
    assert person_gender("Jonas Keller") == "m" and person_gender("Marta Olsen") == "f"
    assert find_names("im Juni") == []


# --- roles in base form --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "gender", "base"),
    [
        ("Oberbürgermeisters", None, "Oberbürgermeister"),
        ("Ministerpräsidenten", None, "Ministerpräsident"),
        ("Landräte", None, "Landrat"),
        ("Landrätinnen", None, "Landrätin"),
        ("Vorsitzende", "m", "Vorsitzender"),
        ("Vorsitzenden", "f", "Vorsitzende"),
        ("Beigeordneten", "m", "Beigeordneter"),
        ("VKU-Geschäftsführerin", None, "VKU-Geschäftsführerin"),
        ("members", None, "member"),
    ],
)
def test_base_role(word: str, gender: str | None, base: str) -> None:
    assert base_role(word, gender) == base


def test_new_role_words() -> None:
    assert all(is_role_word(w) for w in ("Schirmherrin", "Politikwissenschaftler", "Councilmember", "VP"))
    assert is_role_word("OB") and is_role_word("MdB") and not is_role_word("Job")
    assert not is_role_word("Rathaus")


@pytest.mark.parametrize(
    ("text", "name", "role"),
    [
        # before the name, in the genitive or with adjectives: nominative singular, no article
        (
            "Ein Grußwort des Sächsischen Kultusministers Jonas Keller folgte.",
            "Jonas Keller",
            "Sächsischer Kultusminister",
        ),
        (
            "Es sprach der langjährige Vorsitzende Tobias Rieger.",
            "Tobias Rieger",
            "langjähriger Vorsitzender",
        ),
        ("Es sprach die langjährige Vorsitzende Marta Olsen.", "Marta Olsen", "langjährige Vorsitzende"),
        ("Anwesend war Bundesminister a. D. Tobias Rieger.", "Tobias Rieger", "Bundesminister a. D."),
        # a long role with its organization between role word and name
        (
            "Sie begrüßte den Vorstand Netze der Beispiel Energie AG Jonas Keller.",
            "Jonas Keller",
            "Vorstand Netze",
        ),
        # the role, then the name between commas
        (
            "Die Worte des Landrats des Kreises Musterland, Jonas Keller, blieben hängen.",
            "Jonas Keller",
            "Landrat",
        ),
        # after the name: a party token is skipped, a footnote mark too, the article is dropped
        (
            "Neu im Amt ist Marta Olsen (Grüne), Bürgermeisterin der Stadt Beispielhausen.",
            "Marta Olsen",
            "Bürgermeisterin",
        ),
        (
            "Dann kam Marta Olsen [3], die frühere Senatorin von Beispielstadt, zu Wort.",
            "Marta Olsen",
            "frühere Senatorin",
        ),
        ("Jonas Keller (CDU), der Landrat im Musterkreis ist, lobte das Team.", "Jonas Keller", "Landrat"),
        # "als" in a relative clause or in a sentence about one person
        (
            "Sehr aktiv ist Jonas Keller, der sich als Kämmerer der Stadt Musterau einsetzt.",
            "Jonas Keller",
            "Kämmerer",
        ),
        ("Tobias Rieger wirkte beim Forum als Moderator mit.", "Tobias Rieger", "Moderator"),
        # elected or appointed
        ("Marta Olsen wurde einstimmig zur Ehrenvorsitzenden gewählt.", "Marta Olsen", "Ehrenvorsitzende"),
        ("Neuer Vorsitzender wurde Tobias Rieger.", "Tobias Rieger", "Neuer Vorsitzender"),
        ("Ms. Lucy Warren, Ph.D., was reelected Chair for a third year.", "Lucy Warren", "Chair"),
        ("Elected as the board's Vice President was Mr. Brian Kowalski.", "Brian Kowalski", "Vice President"),
        # English titles in lowercase and capitalised
        ("Thanks to Lucy Warren, deputy city manager, Springdale.", "Lucy Warren", "deputy city manager"),
        (
            "It featured Brian Kowalski (County Water Board Representative).",
            "Brian Kowalski",
            "County Water Board Representative",
        ),
        ("Councilmember Brian Kowalski opened the session.", "Brian Kowalski", "Councilmember"),
    ],
)
def test_role_in_context(text: str, name: str, role: str) -> None:
    assert role_of(text, name) == role


def test_a_role_phrase_running_into_the_next_name_is_that_persons() -> None:
    text = "Es sprachen Jonas Keller, die Vorsitzende des Beispielvereins Marta Olsen und andere."
    assert role_of(text, "Jonas Keller") is None
    assert role_of(text, "Marta Olsen") == "Vorsitzende"


def test_a_role_and_name_after_a_comma_belong_to_the_next_person() -> None:
    text = "Present were Ms. Lucy Warren, Vice Mayor Brian Kowalski and others."
    assert role_of(text, "Lucy Warren") is None
    assert role_of(text, "Brian Kowalski") == "Vice Mayor"


def test_list_items_keep_their_own_roles() -> None:
    text = "Speakers: Lucy Warren, Executive Director, Brian Kowalski, General Counsel, City of Springdale"
    assert role_of(text, "Lucy Warren") == "Executive Director"
    assert role_of(text, "Brian Kowalski") == "General Counsel"


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Zum Gruppenbild kamen die Landrätinnen Marta Olsen, Carla Brandt und Lena Vogt.", "Landrätin"),
        ("Also present were county staff members Lucy Warren, Peter Okafor, and Brian Kowalski.", "member"),
        ("Alds. Lucy Warren (Dist. 2) and Brian Kowalski (Dist. 5) voted no.", "Ald."),
    ],
)
def test_a_plural_role_before_a_list_goes_to_each_name(text: str, role: str) -> None:
    assert {p.role for _, p in find_people(text)} == {role}


def test_an_academic_title_is_no_role() -> None:
    assert [p for _, p in find_people("Es referierte Prof. Dr. Marta Olsen über Wärmenetze.")] == [
        Person("Marta Olsen", "Prof. Dr.")
    ]


def test_an_academic_title_before_a_name_with_an_initial() -> None:
    assert [p for _, p in find_people("Es sprach Prof. Dr. Peter J. Okafor.")] == [
        Person("Peter J. Okafor", "Prof. Dr.")
    ]


def test_an_organization_in_brackets_after_a_known_name() -> None:
    assert [p for _, p in find_people("Es sprach Tobias Rieger (Stadtwerke Musterau) zuerst.")] == [
        Person("Tobias Rieger", None, None, "Stadtwerke Musterau")
    ]


# --- short mentions, variants ----------------------------------------------------------------------------


def test_a_short_mention_joins_the_full_name() -> None:
    found = people("Es sprach Jonas Keller vom Beispielverband.", "Prof. Keller dankte den Gästen.")
    assert [(p.name, p.title) for p in found] == [("Jonas Keller", "Prof.")]


def test_a_short_mention_lends_its_role() -> None:
    found = people("Es sprach Jonas Keller.", "Landrat Keller dankte den Gästen.")
    assert [(p.name, p.role) for p in found] == [("Jonas Keller", "Landrat")]


def test_a_short_mention_stays_alone_with_a_title_a_salutation_or_an_office() -> None:
    found = people(
        "Im Bild: Prof. Dr. Brandauer (Mitte) und Frau Quirrenbach (rechts).", "Landrat Oster kam."
    )
    assert [(p.name, p.title, p.role) for p in found] == [
        ("Brandauer", "Prof. Dr.", None),
        ("Quirrenbach", None, None),
        ("Oster", None, "Landrat"),
    ]


def test_spelling_variants_and_genitives_are_one_person() -> None:
    found = people(
        "Es sprach Katharina Vogt.", "Im Bild: Katarina Vogt (links).", "Er war Katharina Vogts Vorgänger."
    )
    assert [p.name for p in found] == ["Katharina Vogt"]


# --- captions ------------------------------------------------------------------------------------------


def test_people_in_image_captions_without_the_photographer() -> None:
    html = (
        "<html><body><article><h1>Fachtag Wärme</h1>"
        "<p>Der Fachtag Wärme fand am 3. März 2025 in Musterau statt. Rund 80 Gäste kamen.</p>"
        "<figure><img src='a.jpg'><figcaption>Landrätin Carla Brandt und Jonas Keller, Leiter des "
        "Klimabüros (v. l.). Foto: Lena Fotografin</figcaption></figure>"
        "<p>Die Ergebnisse erscheinen im Herbst, hieß es zum Abschluss.</p></article></body></html>"
    )
    found = extract_summary(html).people
    assert [(p.name, p.role) for p in found] == [
        ("Carla Brandt", "Landrätin"),
        ("Jonas Keller", "Leiter des Klimabüros"),
    ]
