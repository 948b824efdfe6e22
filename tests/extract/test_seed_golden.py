"""The seed article as a realistic association news page: every fact the issue names."""

from datetime import date

import pytest

from scc_sync.demo_site import SEED_PAGE
from scc_sync.extract import extract_summary, summary_as_text
from scc_sync.models import Count, Person, Session, Summary

URL = "https://www.vku.de/themen/digitalisierung/artikel/smart-country-convention-digital-erfolgreich/"


@pytest.fixture(scope="module")
def summary() -> Summary:
    return extract_summary(SEED_PAGE.read_bytes(), URL)


def test_article_layer(summary: Summary) -> None:
    assert summary.url == URL
    assert summary.title == "Smart Country Convention digital erfolgreich"
    assert summary.kicker == "Zahlreiche Teilnehmer und hochkarätige Referenten dabei"
    assert summary.published == date(2020, 11, 2)
    assert summary.language == "de"
    assert summary.lead is not None and summary.lead.startswith("Am 27. und 28. Oktober fand in diesem Jahr")
    headings = [s.heading for s in summary.sections]
    assert headings == [None, "VKU und DST diskutieren zum Umsetzungsstand von smarten Städten"]
    assert summary.sections[0].text.startswith("Am Donnerstag, dem 28. Oktober endete")
    assert summary.sections[-1].text.endswith("wieder als Präsenzveranstaltung abgehalten werden.")


def test_no_boilerplate_leaks(summary: Summary) -> None:
    text = " ".join(s.text for s in summary.sections) + (summary.lead or "")
    for junk in (
        "Cookies",
        "Weitere Meldungen",
        "Digitalgipfel",
        "Impressum",
        "Startseite",
        "Foto:",
        "Teilen",
        "1.500 Stadtwerke",
        "Newsletter",
        "Mitgliedschaft",
    ):
        assert junk not in text
    # the teaser is the lead, not repeated as the first paragraph
    assert not summary.sections[0].text.startswith("Am 27. und 28. Oktober")


def test_links_are_from_the_main_text(summary: Summary) -> None:
    assert summary.links == [
        "https://www.smartcountry.berlin/de/",
        "https://www.youtube.com/watch?v=scc2020-tag2-eroeffnung",
        "https://www.youtube.com/watch?v=scc2020-daseinsvorsorge",
    ]


def test_event(summary: Summary) -> None:
    ev = summary.event
    assert ev is not None
    assert ev.name == "Smart Country Convention"
    assert (ev.start, ev.end) == (date(2020, 10, 27), date(2020, 10, 28))
    assert ev.format == "online"
    assert ev.counts == {"participants": Count(10600, "exact"), "speakers": Count(150, "more_than")}


def test_people(summary: Summary) -> None:
    assert summary.people == [
        Person("Heiko Mass", None, "Bundesminister", None),
        Person("Armin Laschet", None, "Ministerpräsident", "Land Nordrhein-Westfalen"),
        Person("Dorothee Bär", None, "Staatsministerin", None),
        Person("Markus Richter", "Dr.", "Bundes-CIO", None),
        Person("Ingbert Liebing", None, "Hauptgeschäftsführer", "Verband kommunaler Unternehmen"),
        Person("Gerd Landsberg", "Dr.", "Hauptgeschäftsführer", "Deutscher Städte- und Gemeindebund"),
        Person("Helmut Dedy", None, "Hauptgeschäftsführer", "Deutscher Städtetag"),
        Person("Kay Ruge", "Dr.", "Beigeordneter", "Deutscher Landkreistag"),
        Person("Detlef Raphael", None, "Beigeordneter", "Deutscher Städtetag"),
        Person(
            "Heike Heim",
            None,
            "Vorsitzende der Geschäftsführung",
            "Dortmunder Energie- und Wasserversorgung GmbH",
        ),
        Person("Gustav Lebhart", "Dr.", "CIO", "Stadt Cottbus"),
    ]


def test_organizations_in_base_form(summary: Summary) -> None:
    for org in (
        "Verband kommunaler Unternehmen",
        "Deutscher Städtetag",
        "Deutscher Städte- und Gemeindebund",
        "Deutscher Landkreistag",
        "Stadt Cottbus",
    ):
        assert org in summary.organizations
    assert not any("Deutschen" in o or o.endswith("tags") for o in summary.organizations)


def test_sessions_are_program_items_only(summary: Summary) -> None:
    assert summary.sessions == [Session("Daseinsvorsorge für die Zukunft gestalten", date(2020, 10, 28))]


def test_next_edition(summary: Summary) -> None:
    nxt = summary.next_event
    assert nxt is not None
    assert nxt.name == "Smart Country Convention"
    assert (nxt.start, nxt.end) == (date(2021, 10, 26), date(2021, 10, 28))
    assert nxt.format == "in-person"


def test_weekday_warning(summary: Summary) -> None:
    assert len(summary.warnings) == 1
    assert "Donnerstag" in summary.warnings[0] and "2020-10-28 is a Wednesday" in summary.warnings[0]


def test_json_round_trip_and_schema(summary: Summary, schema_validator) -> None:
    data = summary.to_dict()
    schema_validator.validate(data)
    assert Summary.from_dict(data) == summary


def test_text_rendering(summary: Summary) -> None:
    text = summary_as_text(summary)
    assert "Smart Country Convention digital erfolgreich" in text
    assert "Event: Smart Country Convention, 2020-10-27 – 2020-10-28, online" in text
    assert "participants: 10600" in text and "speakers: 150 (more than)" in text
    assert "Dr. Gerd Landsberg (Hauptgeschäftsführer, Deutscher Städte- und Gemeindebund)" in text
    assert "Next event: Smart Country Convention, 2021-10-26 – 2021-10-28, in-person" in text
    assert "! weekday mismatch" in text
