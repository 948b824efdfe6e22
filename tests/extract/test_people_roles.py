"""Roles that generalize beyond the development pages: long German offices with a field or a body and a
coordination, stacked roles, retired offices, English lowercase functional titles, a role given by
surname in a later sentence. All sentences are written for these tests."""

from __future__ import annotations

import pytest

from scc_sync.extract.people import collect_people
from scc_sync.models import Person


def people(*texts: str) -> list[Person]:
    return collect_people(list(texts))


def role(text: str, name: str) -> str | None:
    return next(p.role for p in people(text) if p.name == name)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        (
            "Zum Auftakt sprach die Landesministerin für Schule und Weiterbildung Greta Hollmann.",
            "Greta Hollmann",
            "Landesministerin für Schule und Weiterbildung",
        ),
        (
            "Der Bundesminister für Wohnen und ländliche Räume, Tobias Kerner, eröffnete den Tag.",
            "Tobias Kerner",
            "Bundesminister für Wohnen und ländliche Räume",
        ),
        (
            "Die Senatorin für Umwelt, Klima und Wissenschaft, Lea Frommhold, sprach ein Grußwort.",
            "Lea Frommhold",
            "Senatorin für Umwelt, Klima und Wissenschaft",
        ),
        (
            "Grüße überbrachte der Minister für Energie- und Wasserwirtschaft Jonas Erlmeier.",
            "Jonas Erlmeier",
            "Minister für Energie- und Wasserwirtschaft",
        ),
    ],
)
def test_a_long_office_with_a_coordinated_field_is_the_role(text: str, name: str, expected: str) -> None:
    assert role(text, name) == expected


def test_stacked_roles_before_a_name_are_joined() -> None:
    text = "Es begrüßte die Vorsitzende des Kreisverbands Süd, Landrätin a.D. Ilse Brammer, die Gäste."
    assert people(text) == [Person("Ilse Brammer", None, "Vorsitzende; Landrätin a. D.", "Kreisverband Süd")]


def test_a_capitalised_adjective_belongs_to_the_role() -> None:
    text = "Das Geschäftsführende Präsidiumsmitglied des Bezirksverbands, Dr. Uwe Kranich, eröffnete."
    assert role(text, "Uwe Kranich").startswith("Geschäftsführende")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "Es dankte die Präsidentin des Bezirksverbands Mitte, Staatsrätin Ida Kern, den Gästen.",
        "Der Vorstand des Landesverbands Nord, vertreten durch Max Held, lud ein.",
    ],
)
def test_an_organization_after_an_article_is_no_person(text: str) -> None:
    assert all("verbands" not in p.name for p in people(text))


def test_a_name_after_a_coordination_keeps_no_role_of_the_body_before() -> None:
    text = "Eingeladen hatten der Präsident des Vereins und Max Held."
    assert role(text, "Max Held") is None


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Among the guests was keynote speaker Dr. Nora Whitfield.", "Nora Whitfield", "keynote speaker"),
        ("The session closed with former Senate Leader Paul Brandt.", "Paul Brandt", "former Senate Leader"),
        ("The first vice chair of the council will be Rita Moreno.", "Rita Moreno", "first vice chair"),
        ("Ella Hart will be the incoming treasurer.", "Ella Hart", "incoming treasurer"),
        ("Zuerst begrüßte Oberbürgermeisterin Ute Kramm die Runde.", "Ute Kramm", "Oberbürgermeisterin"),
    ],
)
def test_english_functional_titles_and_copulas(text: str, name: str, expected: str) -> None:
    assert role(text, name) == expected


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("County Executive Mary Lou Berg welcomed attendees.", "Mary Lou Berg", "County Executive"),
        ("Jane Roe, executive director of the county association, spoke.", "Jane Roe", "executive director"),
        (
            "We heard Dr. Nia Cole, chief resilience officer for the city.",
            "Nia Cole",
            "chief resilience officer for the city",
        ),
        ("Gastredner war der Zukunftsforscher Max Horn.", "Max Horn", "Zukunftsforscher"),
    ],
)
def test_more_offices_and_professions(text: str, name: str, expected: str) -> None:
    assert role(text, name) == expected


def test_a_nationality_is_not_part_of_the_title() -> None:
    assert role("The talk was given by Canadian Premier Luc Ardent.", "Luc Ardent") == "Premier"


def test_a_role_given_by_surname_in_a_later_sentence() -> None:
    later = "Lindqvist is the new director of the water utility."
    found = people("The tour was led by Marcus Lindqvist.", later)
    assert found == [Person("Marcus Lindqvist", None, "new director of the water utility", None)]
    found = people("Danach sprach Petra Olbrich.", "Olbrich ist eigentlich Chefin der Nordwerk AG.")
    assert found[0].role == "Chefin der Nordwerk AG"


@pytest.mark.parametrize(
    "later",
    [
        "Lindqvist is the reason the tour went well.",  # no office in the words after the copula
        "Lindqvist was there and the director of the plant said so.",  # a clause, not an apposition
    ],
)
def test_a_surname_sentence_without_an_office_gives_no_role(later: str) -> None:
    assert people("The tour was led by Marcus Lindqvist.", later)[0].role is None


# --- several functions, brackets, events, gender ------------------------------------------------------


def test_a_role_before_and_one_after_the_name_are_joined() -> None:
    text = "Landrätin Sonja Weiher, Schirmherrin des Wettbewerbs, überreichte die Preise."
    assert role(text, "Sonja Weiher") == "Landrätin; Schirmherrin"


def test_roles_of_later_mentions_are_joined_once() -> None:
    found = people(
        "Bürgermeister Olaf Renner eröffnete.",
        "Als Moderator führte Olaf Renner durch den Abend.",
        "Später sprach Bürgermeister Olaf Renner erneut.",
    )
    assert found[0].role == "Bürgermeister; Moderator"


def test_an_event_after_a_role_is_part_of_the_role_not_an_organization() -> None:
    found = people("Tim Voss, Moderator der Konferenz, fasste zusammen.")
    assert (found[0].role, found[0].organization) == ("Moderator der Konferenz", None)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Present were Ray Olin (CCA 2nd VP), Mia Berg (Board Member), and staff.", "Ray Olin", "CCA 2nd VP"),
        (
            "Present were Ray Olin (CCA 2nd VP), Mia Berg (Board Member), and staff.",
            "Mia Berg",
            "Board Member",
        ),
    ],
)
def test_a_title_in_brackets_is_a_role(text: str, name: str, expected: str) -> None:
    found = {p.name: p for p in people(text)}
    assert (found[name].role, found[name].organization) == (expected, None)


def test_an_organization_in_brackets_stays_an_organization() -> None:
    assert people("Es sprach Ina Roth (Stadtwerke Kiel).") == [
        Person("Ina Roth", None, None, "Stadtwerke Kiel")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The board met after WRA general manager, Tom Keller left.", "WRA general manager"),
        ("Current WRA director, Tom Keller, said the plan works.", "Current WRA director"),
    ],
)
def test_a_lowercase_title_before_a_comma(text: str, expected: str) -> None:
    assert role(text, "Tom Keller") == expected


def test_a_title_in_a_list_is_the_previous_persons() -> None:
    found = {p.name: p.role for p in people("Speakers: Ann Dole, Director, Tom Keller and Eva Long.")}
    assert found["Tom Keller"] is None


@pytest.mark.parametrize(
    "text",
    [
        "Dafür konnte der Landesvorsitzende Helga Brenner als Rednerin gewinnen.",
        "Später traf der Präsident Helga Brenner am Stand.",
    ],
)
def test_a_role_of_the_other_gender_is_another_persons(text: str) -> None:
    assert role(text, "Helga Brenner") in (None, "Rednerin")


def test_a_role_of_the_same_gender_is_kept() -> None:
    assert role("Es sprach die Landesvorsitzende Helga Brenner.", "Helga Brenner") == "Landesvorsitzende"


# --- things named after people -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Die Tagung fand im Bildungszentrum „Karl Weber“ statt.",
        'Die Sieger erhielten den Preis "Greta Holm".',
        "Gefeiert wurde in der Aula des Gymnasiums Lotte Brand.",
        "Die Gäste trafen sich in der Erich-Vogt-Halle.",
        "The dinner was held at the Edna Price Hall.",
        "Danach dankte Lang den Helfern.",  # an article is no name particle
        "Der Abend endete im Café Greta Lind.",
        "Participants toured the Jimmy Hale Library.",  # no shorter name inside a rejected one
    ],
)
def test_no_person_in_the_name_of_a_place_or_thing(text: str) -> None:
    assert people(text) == []


def test_a_quoted_remark_with_a_name_still_finds_the_person() -> None:
    assert [p.name for p in people("„Es war ein guter Tag“, sagte Karl Weber.")] == ["Karl Weber"]


# --- a surname alone ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["„Das Netz hält“, sagte Wendler."], ["Wendler"]),
        (["Die Stadt, so Wendler, habe viel erreicht."], ["Wendler"]),
        (["The plant is ready, said Okafor."], ["Okafor"]),
        (["Okafor said the plant was ready.", "Okafor added that costs fell."], ["Okafor"]),
        (["Bürgermeisterin Wendler eröffnete den Abend."], ["Wendler"]),
    ],
)
def test_a_surname_alone_is_kept_beside_a_speech_verb_or_an_office(
    texts: list[str], expected: list[str]
) -> None:
    assert [p.name for p in people(*texts)] == expected


@pytest.mark.parametrize(
    "texts",
    [
        ["Organizers said the hall was full."],  # a sentence start alone: a plural noun may stand there
        ["Danach sagte Dr. Lenz nichts mehr."],  # an academic title is no surname
        ["Es sprach der Vorstand Vertrieb, Beispiel AG."],  # an office with its department
        ["Im Bild: Vorstand Vertrieb der Nordwerk AG."],
        ["Die Speakers Corner war voll."],  # a plural office word
        ["Laut Stadtwerke Kiel sagte Siemens nichts."],  # after a capitalised word: an organization's name
    ],
)
def test_no_surname_alone_without_a_clear_person(texts: list[str]) -> None:
    assert [p.name for p in people(*texts) if " " not in p.name and p.name != "Lenz"] == []


def test_a_speaking_organization_is_no_person() -> None:
    texts = [
        "Nordwind said the turbines were ready.",
        "Nordwind added that prices fell.",
        "Staff at Nordwind agreed.",
    ]
    assert people(*texts) == []


def test_a_surname_alone_joins_the_full_name() -> None:
    found = people("Es sprach Ida Wendler.", "„Das Netz hält“, sagte Wendler.")
    assert [p.name for p in found] == ["Ida Wendler"]


# --- bylines and credits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Posted on March 3, 2023 by Nina Falk",
        "Veröffentlicht am 3. März 2023 von Nina Falk",
        "Nina Falk | Staff Writer",
        "Written by Nina Falk. Photos by Omar Reyes.",
        "Photos by Omar Reyes",
    ],
)
def test_a_byline_or_a_credit_names_no_person_of_the_story(line: str) -> None:
    assert people(line) == []


def test_an_author_inside_a_sentence_is_still_a_person() -> None:
    assert [p.name for p in people("The study, written by Nina Falk, found gaps.")] == ["Nina Falk"]


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Die Sitzung leitete Ralf Ebner MdL.", "Ralf Ebner", "MdL"),
        ("Es sprach Ralf Ebner MdB, Vorsitzender des Ausschusses.", "Ralf Ebner", "MdB; Vorsitzender"),
        (
            "Den Bericht gab die erste stellv. Vorsitzende, Ida Sommer.",
            "Ida Sommer",
            "erste stellvertretende Vorsitzende",
        ),
        (
            "Grußwort der Hessischen Ministerin für Umwelt und Klima, Dr. Lea Kranz",
            "Lea Kranz",
            "Hessische Ministerin für Umwelt und Klima",
        ),
        (
            "The prize went to Dr. Ben Cole, an engineer of the Port Authority.",
            "Ben Cole",
            "engineer of the Port Authority",
        ),
    ],
)
def test_seats_abbreviated_adjectives_and_a_name_that_ends_the_text(
    text: str, name: str, expected: str
) -> None:
    assert role(text, name) == expected


def test_a_masculine_role_after_die_before_a_list_is_a_plural() -> None:
    found = people("Die Bürgermeister Karl Feld (Nordstadt) und Hans Wiese (Südstadt) unterzeichneten.")
    assert [p.role for p in found] == ["Bürgermeister", "Bürgermeister"]
