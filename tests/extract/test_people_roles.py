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
