"""The language rules on their own: dates, numbers, counts, people, organizations, sessions."""

from datetime import date

import pytest

from scc_sync.extract import extract_summary
from scc_sync.extract.dates import find_dates, find_weekdays, resolve, resolve_weekday, weekday_mismatch
from scc_sync.extract.events import detect_format
from scc_sync.extract.numbers import find_counts, parse_number
from scc_sync.extract.people import base_organization, find_people, is_role_word
from scc_sync.models import Count, Person

REF = date(2020, 11, 2)


@pytest.mark.parametrize(
    ("text", "ref", "start", "end"),
    [
        ("Am 27. und 28. Oktober fand", REF, date(2020, 10, 27), date(2020, 10, 28)),
        ("vom 26. bis 28. Oktober 2021", REF, date(2021, 10, 26), date(2021, 10, 28)),
        ("am 26.-28.10.2021", None, date(2021, 10, 26), date(2021, 10, 28)),
        ("vom 19.-21. November 2019", None, date(2019, 11, 19), date(2019, 11, 21)),
        ("30. September bis 2. Oktober 2025", None, date(2025, 9, 30), date(2025, 10, 2)),
        ("October 15-17, 2024", None, date(2024, 10, 15), date(2024, 10, 17)),
        ("from September 30 to October 2, 2025", None, date(2025, 9, 30), date(2025, 10, 2)),
        ("15–17 October 2024", None, date(2024, 10, 15), date(2024, 10, 17)),
        ("Am Nachmittag des 28. Oktobers", REF, date(2020, 10, 28), date(2020, 10, 28)),
        ("02.11.20", None, date(2020, 11, 2), date(2020, 11, 2)),
        ("28. Dezember bis 2. Januar 2021", None, date(2020, 12, 28), date(2021, 1, 2)),
    ],
)
def test_date_phrases(text: str, ref: date | None, start: date, end: date) -> None:
    mentions = find_dates(text)
    assert len(mentions) == 1
    assert resolve(mentions[0], ref) == (start, end)


def test_no_dates_in_numbers() -> None:
    assert find_dates("rund 1.500 Stadtwerke, Version 2.0.1, 10.600 Teilnehmer") == ()


def test_weekday_mismatch() -> None:
    wrong = find_dates("Am Donnerstag, dem 28. Oktober endete")[0]
    right = find_dates("Am Mittwoch, dem 28. Oktober endete")[0]
    assert "2020-10-28 is a Wednesday" in (weekday_mismatch(wrong, REF) or "")
    assert weekday_mismatch(right, REF) is None


THURSDAY = date(2022, 12, 8)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("sagte Scholz am Donnerstag in Berlin", THURSDAY, THURSDAY),
        ("das bis Freitag dauert", date(2022, 12, 9), date(2022, 12, 9)),
        ("am Montagabend begann", date(2022, 12, 5), date(2022, 12, 5)),
        ("von Montag bis Mittwoch", date(2022, 12, 5), date(2022, 12, 7)),
        ("am vergangenen Freitag", date(2022, 12, 2), date(2022, 12, 2)),
        ("next Tuesday", date(2022, 12, 13), date(2022, 12, 13)),
    ],
)
def test_weekdays_against_the_publication_date(text: str, start: date, end: date) -> None:
    (mention,) = find_weekdays(text)
    assert resolve_weekday(mention, THURSDAY) == (start, end)


@pytest.mark.parametrize("text", ["Am Donnerstag, dem 28. Oktober endete", "donnerstags geöffnet", "Freitag"])
def test_no_weekday_mention(text: str) -> None:
    assert find_weekdays(text) == []


def _agency_page(body: str) -> str:
    return (
        "<html lang='de'><head><meta property='article:published_time' content='2022-12-08'></head><body>"
        f"<article><h1>Digital-Gipfel: mehr Tempo</h1>{body}</article></body></html>"
    )


def test_event_days_from_weekdays_and_a_length() -> None:
    html = _agency_page(
        "<p>Scholz hat beim Digital-Gipfel mehr Tempo gefordert.</p>"
        "<p>Zu dem zweitägigen Treffen, das bis Freitag dauert, werden 1000 Gäste erwartet.</p>"
    )
    event = extract_summary(html).event
    assert event is not None and (event.start, event.end) == (THURSDAY, date(2022, 12, 9))


def test_an_agency_reports_from_the_event_it_names() -> None:
    html = _agency_page(
        "<p>Berlin (dpa) - Scholz hat beim Digital-Gipfel mehr Tempo gefordert.</p>"
        "<p>Zu dem zweitägigen Treffen, das bis Freitag dauert, werden 1000 Gäste erwartet.</p>"
    )
    event = extract_summary(html).event
    assert event is not None and event.location == "Berlin"


def test_a_dateline_without_the_event_places_nothing() -> None:
    html = _agency_page(
        "<p>Berlin (dpa) - Scholz hat mehr Tempo gefordert.</p>"
        "<p>Zu dem zweitägigen Digital-Gipfel, der bis Freitag dauert, werden 1000 Gäste erwartet.</p>"
    )
    event = extract_summary(html).event
    assert event is not None and event.location is None


def test_a_written_date_outranks_weekdays() -> None:
    html = _agency_page(
        "<p>Der Digital-Gipfel fand am 5. Dezember 2022 statt.</p>"
        "<p>Zu dem zweitägigen Treffen, das bis Freitag dauert, kamen 1000 Gäste.</p>"
    )
    event = extract_summary(html).event
    assert event is not None and (event.start, event.end) == (date(2022, 12, 5), date(2022, 12, 5))


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("10.600", 10600),
        ("18,000", 18000),
        ("150", 150),
        ("1,5 Mio.", 1500000),
        ("10 600", 10600),
        ("2,5", 2),
    ],
)
def test_numbers(raw: str, value: int) -> None:
    assert parse_number(raw) == value


@pytest.mark.parametrize(
    ("text", "kind", "count"),
    [
        ("10.600 Teilnehmerinnen und Teilnehmer", "participants", Count(10600, "exact")),
        ("über 150 Rednerinnen und Redner", "speakers", Count(150, "more_than")),
        ("Mehr als 300 Aussteller", "exhibitors", Count(300, "more_than")),
        ("rund 2.000 Besucher*innen", "participants", Count(2000, "about")),
        ("ca. 80 Speaker:innen", "speakers", Count(80, "about")),
        ("knapp 500 Teilnehmende", "participants", Count(500, "about")),
        ("mindestens 40 Partner", "partners", Count(40, "at_least")),
        ("bis zu 500 Teilnehmende", "participants", Count(500, "up_to")),
        ("more than 18,000 attendees", "participants", Count(18000, "more_than")),
        ("nearly 4,000 participants", "participants", Count(4000, "about")),
        ("Sprecherinnen und Sprecher: 35", None, None),
    ],
)
def test_counts(text: str, kind: str | None, count: Count | None) -> None:
    found = find_counts(text)
    assert [(c.kind, c.count) for c in found] == ([(kind, count)] if kind else [])


def test_association_boilerplate_is_not_counted() -> None:
    assert find_counts("Der VKU vertritt rund 1.500 Stadtwerke mit mehr als 275.000 Beschäftigten.") == []


@pytest.mark.parametrize(
    ("phrase", "base"),
    [
        ("des Deutschen Städtetags", "Deutscher Städtetag"),
        ("dem Deutschen Städte- und Gemeindebund", "Deutscher Städte- und Gemeindebund"),
        ("des Deutschen Landkreistages", "Deutscher Landkreistag"),
        ("der Deutschen Telekom", "Deutsche Telekom"),
        ("des Bayerischen Staatsministeriums für Digitales", "Bayerisches Staatsministerium für Digitales"),
        ("des Verbands kommunaler Unternehmen", "Verband kommunaler Unternehmen"),
        ("VKU", "Verband kommunaler Unternehmen"),
    ],
)
def test_organization_base_form(phrase: str, base: str) -> None:
    assert base_organization(phrase) == base


@pytest.mark.parametrize(
    ("text", "person"),
    [
        (
            "sagte VKU-Hauptgeschäftsführer Ingbert Liebing am Dienstag",
            Person("Ingbert Liebing", None, "Hauptgeschäftsführer", "Verband kommunaler Unternehmen"),
        ),
        (
            "Neben Dr. Gerd Landsberg, Hauptgeschäftsführer beim Deutschen Städte- und Gemeindebund, waren",
            Person("Gerd Landsberg", "Dr.", "Hauptgeschäftsführer", "Deutscher Städte- und Gemeindebund"),
        ),
        (
            "Es sprach Oberbürgermeister Burkhard Jung.",
            Person("Burkhard Jung", None, "Oberbürgermeister", None),
        ),
        ("Bitkom-Präsident Achim Berg eröffnete", Person("Achim Berg", None, "Präsident", "Bitkom")),
        ("said Jane Smith, CEO of Acme Corp, today", Person("Jane Smith", None, "CEO", "Acme Corp")),
        (
            "Prof. Dr. Anna Weber, Präsidentin des Deutschen Instituts für Urbanistik, sagte",
            Person("Anna Weber", "Prof. Dr.", "Präsidentin", "Deutsches Institut für Urbanistik"),
        ),
    ],
)
def test_people(text: str, person: Person) -> None:
    assert next(p for _, p in find_people(text)) == person


@pytest.mark.parametrize(
    ("text", "person"),
    [
        (
            "sagte Konrektorin Prof. Dr. Sabine Meier.",
            Person("Sabine Meier", "Prof. Dr.", "Konrektorin", None),
        ),
        ("Es sprach Prodekan Jens Wolf.", Person("Jens Wolf", None, "Prodekan", None)),
    ],
)
def test_university_offices_are_roles(text: str, person: Person) -> None:
    assert [p for _, p in find_people(text)][:1] == [person]


@pytest.mark.parametrize(
    ("text", "organization"),
    [
        ("Es sprach Professorin Anja Brückner von der FH Münster.", "FH Münster"),
        (
            "Staatssekretärin Dr. Maren Albrecht aus dem Niedersächsischen Innenministerium",
            "Niedersächsisches Innenministerium",
        ),
        (
            "Die Keynote hielt Prof. Dr. Lena Hartwig von der Hochschule der Medien Stuttgart.",
            "Hochschule der Medien Stuttgart",
        ),
        ("Prof. Dr. Jan Ohm vom Deutschen Institut für Urbanistik", "Deutsches Institut für Urbanistik"),
        # a lower-case word after "der" ends the organization: no person's name follows in it
        ("Landrat Tim Ross von der Stadt Olpe, der das Netz lobte", "Stadt Olpe"),
    ],
)
def test_organization_after_the_name(text: str, organization: str) -> None:
    assert next(p for _, p in find_people(text)).organization == organization


def test_a_place_is_no_organization_without_a_from_word() -> None:
    assert next(p for _, p in find_people("Landrat Tim Ross in der Stadt Olpe")).organization is None


@pytest.mark.parametrize(
    ("text", "role", "organization"),
    [
        (
            "Sabine Keller, Leiterin des Fachbereichs Digitalisierung und Organisation, stellte vor",
            "Leiterin des Fachbereichs Digitalisierung und Organisation",
            None,
        ),
        (
            "Jan Ohm, Leiter der Abteilung Verkehr der Stadt Bochum, sagte",
            "Leiter der Abteilung Verkehr",
            "Stadt Bochum",
        ),
        # no department: the genitive names the organization
        (
            "Eva Bode, Präsidentin des Deutschen Landkreistages, sagte",
            "Präsidentin",
            "Deutscher Landkreistag",
        ),
    ],
)
def test_a_department_stays_in_the_role(text: str, role: str, organization: str | None) -> None:
    person = next(p for _, p in find_people(text))
    assert (person.role, person.organization) == (role, organization)


@pytest.mark.parametrize(
    ("text", "person"),
    [
        (
            "Miriam Okafor, Chief Digital Officer der Stadt Bochum, schilderte",
            Person("Miriam Okafor", None, "Chief Digital Officer", "Stadt Bochum"),
        ),
        ("Tom Lee, Senior Partner bei Acme, sagte", Person("Tom Lee", None, "Senior Partner", "Acme")),
    ],
)
def test_english_title_in_a_german_apposition(text: str, person: Person) -> None:
    assert [p for _, p in find_people(text)] == [person]


def test_english_words_without_a_role_make_no_role() -> None:
    # the name is known by its first name; the words after it are no role
    assert [p for _, p in find_people("Miriam Okafor, Senior Data Lab der Stadt Bochum, schilderte")] == [
        Person("Miriam Okafor")
    ]


@pytest.mark.parametrize(
    ("text", "role", "organization"),
    [
        (
            "Speakers include City of Chicago Chief Technology Officer Dr. Kevin Osei and others.",
            "Chief Technology Officer",
            "City of Chicago",
        ),
        ("said Bitkom Vice President Anna Weber.", "Vice President", "Bitkom"),
        ("said Federal Digital Minister Volker Wissing.", "Federal Digital Minister", None),
        ("said Indonesian President Joko Widodo.", "President", None),
        # a field before a functional title is no organization, but part of the title
        ("said Press Officer Tom Lee.", "Press Officer", None),
    ],
)
def test_english_title_before_the_name(text: str, role: str, organization: str | None) -> None:
    person = next(p for _, p in find_people(text))
    assert (person.role, person.organization) == (role, organization)


@pytest.mark.parametrize(
    ("text", "role", "organization"),
    [
        (
            "and Angela Ruiz, Director of Smart Infrastructure, City of San Antonio.",
            "Director of Smart Infrastructure",
            "City of San Antonio",
        ),
        ("Jane Doe, Head of Research, Acme Inc., said", "Head of Research", "Acme Inc."),
        # the second apposition is a place, not an organization: "of" names the organization
        ("Jane Doe, Mayor of Boston, Massachusetts, said", "Mayor", "Boston"),
    ],
)
def test_english_organization_as_second_apposition(text: str, role: str, organization: str) -> None:
    person = next(p for _, p in find_people(text))
    assert (person.role, person.organization) == (role, organization)


@pytest.mark.parametrize(
    ("text", "person"),
    [
        (
            "Ehrenamt digital – Aylin Demir vom Landesjugendring berichtete von Apps.",
            Person("Aylin Demir", None, None, "Landesjugendring"),
        ),
        (
            "Es diskutierten Jan Ohm von der Stiftung Warentest und andere.",
            Person("Jan Ohm", None, None, "Stiftung Warentest"),
        ),
    ],
)
def test_a_name_vouched_for_by_its_organization(text: str, person: Person) -> None:
    assert [p for _, p in find_people(text)] == [person]


@pytest.mark.parametrize(
    "text",
    [
        "Viele Grüße vom Landesjugendring!",  # the start of a sentence: any noun is capitalised
        "Wir sahen die Alte Mühle vom Heimatverein.",  # after an article
    ],
)
def test_no_name_without_an_organization_after_it(text: str) -> None:
    assert find_people(text) == []


def test_no_organization_from_a_common_noun_after_vom() -> None:
    # a person by the first name, but "vom Anfang" is no organization
    people = [p for _, p in find_people("Sie hörten Karl Berg vom Anfang bis zum Ende.")]
    assert people == [Person("Karl Berg")]


def test_an_office_is_no_role() -> None:
    assert is_role_word("Konrektorin") and is_role_word("Dekanin")
    assert not is_role_word("Rektorat") and not is_role_word("Dekanat")


def test_config_gazetteer_extends_builtin() -> None:
    html = (
        "<html lang='de'><body><article><h1>Norddeutscher Kommunalkongress 2024</h1><p>Am 5. März 2024 fand "
        "der Norddeutsche Kommunalkongress statt. Es sprach NSGB-Präsident Marco Trips "
        "vor über 300 Teilnehmern.</p>"
        "<p>Der Norddeutsche Kommunalkongress war ausgebucht.</p></article></body></html>"
    )
    default = extract_summary(html)
    extended = extract_summary(html, gazetteer={"NSGB": "Niedersächsischer Städte- und Gemeindebund"})
    assert default.people[0].organization == "NSGB"
    assert extended.people[0] == Person(
        "Marco Trips", None, "Präsident", "Niedersächsischer Städte- und Gemeindebund"
    )
    assert extended.event is not None and extended.event.counts["participants"] == Count(300, "more_than")


def test_quotations_are_not_sessions() -> None:
    html = (
        "<html lang='de'><body><article><h1>Rückblick Smart Country Convention</h1>"
        "<p>Am 27. und 28. Oktober 2020 fand die Smart Country Convention digital statt. Die Politik war "
        "„vor Ort“ und kommunale Unternehmen haben „Deutschland am Laufen gehalten“. Im Panel "
        "„Daten für alle Kommunen“ ging es um Open Data.</p></article></body></html>"
    )
    summary = extract_summary(html)
    assert [s.title for s in summary.sessions] == ["Daten für alle Kommunen"]


def test_event_date_is_never_the_publication_date() -> None:
    html = (
        "<html lang='de'><body><article><h1>Smart Country Convention 2021</h1><p>Die Smart Country "
        "Convention findet vom 26. bis 28. Oktober 2021 in Berlin statt.</p></article></body></html>"
    )
    summary = extract_summary(html)
    assert summary.published is None
    assert summary.event is not None and summary.event.start == date(2021, 10, 26)


def test_end_before_start_warns() -> None:
    html = (
        "<html lang='de'><body><article><h1>Fachkongress Wasser 2022</h1><p>Der Fachkongress Wasser fand "
        "vom 12.-10.05.2022 in Essen statt, mit über 400 Teilnehmern.</p></article></body></html>"
    )
    summary = extract_summary(html)
    assert any("before it starts" in w for w in summary.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "Von 10 bis 16 Uhr können Besucher vor Ort erleben, wie Trinkwasser entsteht.",
        "Gehackt wurde 48 Stunden lang vor Ort, mit Daten der Stadt.",
        "Wer vor Ort dabei sein will, meldet sich an.",
    ],
)
def test_being_there_is_in_person(text: str) -> None:
    assert detect_format([text]) == "in-person"


@pytest.mark.parametrize(
    "text",
    [
        "Die Politik war „vor Ort“ und hat geholfen.",
        "„Die Wärmewende entscheidet sich vor Ort“, sagte sie.",
        "Im Anschluss bot das Panel einen Einblick in die Umsetzung vor Ort.",
        "Die Projekte zeigen, wie Digitalisierung das Leben vor Ort konkret verbessert.",
    ],
)
def test_locally_is_no_format(text: str) -> None:
    assert detect_format([text]) is None


def test_an_agency_dateline_paragraph_is_the_lead() -> None:
    summary = extract_summary(
        _agency_page(
            "<p>Frankfurt am Main (dpa/lhe) - Die Stadt hat ein Datenportal eröffnet.</p>"
            "<p>Es ist online.</p>"
        )
    )
    assert summary.lead == "Frankfurt am Main (dpa/lhe) - Die Stadt hat ein Datenportal eröffnet."
    assert [s.text for s in summary.sections] == ["Es ist online."]


@pytest.mark.parametrize("opening", ["Berlin – Die Stadt hat gewählt.", "Berlin (Germany) - The city voted."])
def test_no_lead_without_an_agency(opening: str) -> None:
    summary = extract_summary(_agency_page(f"<p>{opening}</p><p>Es ist online.</p>"))
    assert summary.lead is None
    assert summary.sections[0].text.startswith(opening)


def _barcamp_page(lead_in: str, items: list[str]) -> str:
    listed = "".join(f"<li><strong>{title}</strong> – {rest}</li>" for title, rest in items)
    return (
        "<html lang='de'><body><article><h1>Das war das Barcamp Nord 2022</h1>"
        "<p>Am Samstag, 12. November 2022, trafen sich 90 Menschen zum Barcamp Nord in Kiel.</p>"
        f"<p>{lead_in}</p><ul>{listed}</ul></article></body></html>"
    )


ITEMS = [
    ("Open Data in der Kreisverwaltung", "Jan Petersen zeigte Haushaltsdaten."),
    ("Ehrenamt digital organisieren", "Aylin Demir berichtete von Apps."),
]


def test_listed_sessions_after_a_lead_in() -> None:
    summary = extract_summary(
        _barcamp_page("Am Ende standen 21 Sessions an der Wand. Meine Highlights:", ITEMS)
    )
    assert [s.title for s in summary.sessions] == [title for title, _ in ITEMS]


@pytest.mark.parametrize(
    ("lead_in", "items"),
    [
        ("Mit dabei waren:", ITEMS),  # no program word
        ("Am Ende standen 21 Sessions an der Wand.", ITEMS),  # no colon: no list announced
        ("Am Ende standen 21 Sessions an der Wand. Mein Highlight:", ITEMS[:1]),  # one item is no list
    ],
)
def test_no_listed_sessions(lead_in: str, items: list[tuple[str, str]]) -> None:
    assert extract_summary(_barcamp_page(lead_in, items)).sessions == []
