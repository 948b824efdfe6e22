"""Event facts on real-world sentence shapes: dates and their years, counts, format, recognising an event.

Every sentence here is written for this test; none is taken from a real page.
"""

from datetime import date

import pytest

from scc_sync.extract import extract_summary
from scc_sync.extract.dates import find_dates, release_date, resolve, year_in_sentence
from scc_sync.extract.evidence import event_nouns
from scc_sync.extract.formats import detect_format
from scc_sync.extract.numbers import find_counts
from scc_sync.extract.text import split_sentences

# ---- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Die Tagung lief vom 3. bis 4. 6. 2021 in der Stadthalle.", date(2021, 6, 3), date(2021, 6, 4)),
        ("Wir trafen uns am 7. 9. 2019 im Rathaus.", date(2019, 9, 7), date(2019, 9, 7)),
        ("Das Forum 2022 tagte am 8. und 9.3. in Kassel.", date(2022, 3, 8), date(2022, 3, 9)),
    ],
)
def test_numeric_dates_with_spaces_and_und(text: str, start: date, end: date) -> None:
    (m,) = find_dates(text)
    assert resolve(m, None, year_in_sentence(text, m)) == (start, end)


def test_spaced_numbers_need_a_year() -> None:
    assert find_dates("Sie belegte Platz 3. 4. Reihe blieb frei.") == ()


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Die Ausgabe 2023 der Radkonferenz fand vom 4. bis 6. Mai statt.", 2023),
        ("The 2022 Annual Meeting was held in Denver, May 4-6.", 2022),
        ("Seit 2015 lädt der Verband ein, diesmal am 4. Mai.", None),  # a start of a series
        ("Wie schon 2019 begann die Messe am 4. Mai.", None),  # another edition
        ("Am 4. Mai kamen 2.019 Gäste.", None),  # a count, not a year
    ],
)
def test_year_in_sentence(text: str, year: int | None) -> None:
    (m,) = find_dates(text)
    assert year_in_sentence(text, m) == year


def page(title: str, *paragraphs: str, published: str | None = None) -> str:
    """A minimal article page."""
    when = f'<time datetime="{published}" pubdate>{published}</time>' if published else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><body><main><article><h1>{title}</h1>{when}{body}</article></main></body></html>"


def event_of(html: str) -> dict | None:
    return extract_summary(html).to_dict()["event"]


def test_year_less_dates_take_the_year_of_the_edition() -> None:
    html = page(
        "Rückblick auf das Wasserforum 2023",
        "Das Wasserforum 2023 fand am 14. und 15. März in der Stadthalle Fulda statt.",
        "Rund 300 Fachleute aus Versorgern und Behörden kamen zusammen.",
    )
    ev = event_of(html)
    assert ev is not None
    assert (ev["start"], ev["end"]) == ("2023-03-14", "2023-03-15")


def test_next_edition_without_a_year_comes_after_the_event() -> None:
    html = page(
        "Wasserforum 2023 mit Rekord",
        "Das Wasserforum 2023 fand am 14. und 15. März in der Stadthalle Fulda statt.",
        "Rund 300 Fachleute kamen zusammen.",
        "Das nächste Wasserforum findet am 12. und 13. März statt.",
    )
    nxt = extract_summary(html).to_dict()["next_event"]
    assert (nxt["start"], nxt["end"]) == ("2024-03-12", "2024-03-13")


# ---- recognising an event ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "nouns"),
    [
        ("Zum Glasfasergespräch kamen viele.", ["Glasfasergespräch"]),
        ("Das Vier-Städte-Treffen der Kämmerer", ["Vier-Städte-Treffen"]),
        ("Die Delegiertenversammlung des Verbandes", ["Delegiertenversammlung"]),
        ("der Kommunalwirtschaftstag in Erfurt", ["Kommunalwirtschaftstag"]),
        ("the Annual Members Meeting and the Regional Forum", ["Forum", "Members Meeting"]),
        ("Nach Gesprächen am Dienstag und am Vortag", []),  # no compound, days
        ("in der Ratssitzung und der Vorstandssitzung, vor der Pressekonferenz", []),  # governing, reporting
        ("Der Bundestag beriet bis in die Abendstunden.", []),
        ("at a regular meeting of the council and in board meetings", []),
        ("a fair share of the budget, in the event of rain", []),
    ],
)
def test_event_nouns(text: str, nouns: list[str]) -> None:
    assert list(event_nouns(text)) == nouns


def test_a_gathering_without_a_name_is_an_event() -> None:
    html = page(
        "Kreiskämmerer tagen in Bad Hersfeld",
        "Am 12.06.2019 fand in der Stadthalle Bad Hersfeld die Jahresversammlung der Kreiskämmerer statt.",
        "Mehr als 80 Kämmerinnen und Kämmerer hörten Vorträge zur Haushaltslage.",
    )
    ev = event_of(html)
    assert ev is not None
    assert ev["start"] == "2019-06-12"


@pytest.mark.parametrize(
    "paragraphs",
    [
        (  # personnel: a board meeting, a date, a vote
            "Der Aufsichtsrat der Stadtwerke hat in seiner Sitzung am 4. Mai 2022 eine neue "
            "Geschäftsführerin bestellt.",
            "Sie tritt ihr Amt am 1. Juli an und folgt auf einen Geschäftsführer, der in den Ruhestand geht.",
        ),
        (  # a statement of an association that is named like a gathering
            "Der Landesstädtetag fordert mehr Geld für den Nahverkehr.",
            "Die Kommunen tragen die Kosten seit Jahren allein, sagte der Präsident.",
        ),
        (  # a council discussing its meetings
            "The council discussed at its April 5 meeting whether to return to in-person meetings.",
            "The mayor said hybrid meetings would allow more residents to follow.",
        ),
    ],
)
def test_news_without_a_gathering_stays_null(paragraphs: tuple[str, ...]) -> None:
    assert event_of(page("Aus dem Rathaus", *paragraphs, published="2022-05-06")) is None


# ---- format --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "fmt"),
    [
        (["Die Fachtagung fand im Kurhaus Bad Nauheim statt."], "in-person"),  # a venue
        (["Rund 90 Gäste kamen zum Jahresempfang, danach gab es ein Mittagessen."], "in-person"),
        (["Der Wärmegipfel fand am 3. Mai in Göppingen statt."], "in-person"),  # the town it happens in
        (["Delegates gathered in Boise, Idaho, for the annual meeting."], "in-person"),
        (["Die Vorträge liefen im ICC mit voller Besetzung, der Kongress war ausgebucht."], "in-person"),
        (["Es war die erste digital veranstaltete Netzwerkkonferenz."], "online"),
        (["500 Fachleute nahmen online an der Tagung teil."], "online"),
        (["The association will hold a virtual members meeting on June 4."], "online"),
        (["The 2023 summit offers both in-person and virtual components."], "hybrid"),
        (["Die Tagung fand vor Ort und per Livestream statt."], "hybrid"),
    ],
)
def test_format_of_the_edition(texts: list[str], fmt: str) -> None:
    assert detect_format(texts, gathering=True) == fmt


@pytest.mark.parametrize(
    "texts",
    [
        ["Die Arbeitsgruppen wollen sich künftig online oder vor Ort treffen."],  # a choice, not a format
        ["Der Kongress fand in Zusammenarbeit mit dem Land statt."],  # "in" + an abstract noun
        ["Die Ministerin wurde per Video zugeschaltet und sprach ein Grußwort."],  # one remote speaker
    ],
)
def test_no_format_without_a_place_or_a_mode(texts: list[str]) -> None:
    assert detect_format(texts, gathering=True) is None


def test_a_remote_speaker_does_not_make_a_hall_event_online() -> None:
    texts = ["Die Fachtagung fand in der Stadthalle statt.", "Der Minister wurde virtuell zugeschaltet."]
    assert detect_format(texts, gathering=True) == "in-person"


# ---- counts --------------------------------------------------------------------------------------


def counts(text: str) -> list[tuple[str, int, str]]:
    return [(c.kind, c.count.value, c.count.qualifier) for c in find_counts(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # people nouns of any compound shape, where the sentence says they came
        ("Rund 240 Klimaschutzbeauftragte und Kämmerer kamen nach Gotha.", [("participants", 240, "about")]),
        ("Knapp 90 Wasserfachleute nahmen an der Tagung teil.", [("participants", 90, "about")]),
        ("Mehr als 60 Kreisrepräsentantinnen haben sich ausgetauscht.", [("participants", 60, "more_than")]),
        ("Nearly 900 county officials gathered in Reno.", [("participants", 900, "about")]),
        ("Over 2,500 utility leaders tuned in.", [("participants", 2500, "more_than")]),
        ("the 1.200 Rhein Main Digital Teilnehmenden", [("participants", 1200, "exact")]),
        ("Anzahl der Teilnehmenden: 75", [("participants", 75, "exact")]),
        ("well over 3,000 in attendance", [("participants", 3000, "more_than")]),
        ("Biomass Expo Draws 800 + Visitors", [("participants", 800, "more_than")]),
        # companies: exhibitors where they present, partners where the text calls them so
        ("Etwa 45 Firmen und Vereine stellten ihre Produkte vor.", [("exhibitors", 45, "about")]),
        (
            "Mehr als 70 Unternehmen unterstützten die Messe als Sponsoren und Partner.",
            [("partners", 70, "more_than")],
        ),
        ("Our floor hosted 150 vendors in 210 booths.", [("exhibitors", 150, "exact")]),
        ("The show featured 40 workshops and some 60 exhibits.", [("exhibitors", 60, "about")]),
        # the edition's total, not a side figure
        ("Our exhibitors (over 400, a record) were busy.", [("exhibitors", 400, "more_than")]),
        (
            "Es kamen 1.900 Besucher, mehr als im Jahr davor (1.750 Besucher).",
            [("participants", 1900, "exact")],
        ),
        ("We welcomed 120 first-time exhibitors.", []),
        ("with 300 attendees joining us for the first time", []),
        ("38 Fachleute aus 12 Ländern kamen zusammen.", [("participants", 38, "exact")]),
    ],
)
def test_counts_of_this_edition(text: str, found: list[tuple[str, int, str]]) -> None:
    assert counts(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Im Oktober 2019 kamen Gäste aus der Region.",  # a year is never a count
        "Die 1.500 Mitgliedsunternehmen beschäftigen 90.000 Mitarbeiterinnen.",  # no one came
        "Rund 30 Unternehmen erhielten Fördergeld.",  # companies that do not present
        "Am 17 October 2024 met the board.",  # a month is no people
    ],
)
def test_no_counts(text: str) -> None:
    assert counts(text) == []


def test_a_qualified_round_number_is_a_count_not_a_year() -> None:
    assert counts("Die über 2000 Gäste kamen an zwei Tagen.") == [("participants", 2000, "more_than")]


def test_delegates_of_member_bodies_are_counted() -> None:
    html = page(
        "Verbandstag 2018 in Kassel",
        "Die Präsidentin begrüßte am 6. Mai 2018 die rund 400 Delegierten der Mitgliedsstädte zum "
        "Verbandstag in Kassel.",
    )
    ev = event_of(html)
    assert ev is not None
    assert ev["counts"]["participants"] == {"value": 400, "qualifier": "about"}


def test_a_recap_keeps_its_next_edition_apart() -> None:
    html = page(
        "Bauforum 2019 mit über 200 Ausstellern",
        "Über 200 Aussteller präsentierten sich in drei Hallen; rund 6.000 Besucher kamen.",
        "Das nächste Bauforum findet 2021 am 4. und 5. März statt.",
    )
    got = extract_summary(html).to_dict()
    assert got["event"] is not None and got["event"]["start"] is None
    assert (got["next_event"]["start"], got["next_event"]["end"]) == ("2021-03-04", "2021-03-05")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "more than 900 in attendance, including 250 city managers registered",
            [("participants", 900, "more_than")],
        ),
        ("500 Gäste, darunter 80 Bürgermeisterinnen, kamen.", [("participants", 500, "exact")]),
        (
            "Mit 300 Teilnehmern, davon 40 Aussteller, war es voll.",
            [("participants", 300, "exact"), ("exhibitors", 40, "exact")],
        ),
    ],
)
def test_a_part_of_a_total_is_no_total(text: str, found: list[tuple[str, int, str]]) -> None:
    assert counts(text) == found


def test_an_announced_meeting_gets_its_date_from_the_publication_year() -> None:
    html = page(
        "Association to hold virtual annual meeting",
        "The board decided to hold the annual business meeting online this year.",
        "The association is planning the virtual annual business meeting for August 12th at 10 a.m.",
        published="2021-06-02",
    )
    ev = event_of(html)
    assert ev is not None
    assert (ev["start"], ev["end"], ev["format"]) == ("2021-08-12", "2021-08-12", "online")


def test_another_named_gathering_does_not_outrank_the_event_dates() -> None:
    html = page(
        "Water Summit",
        "The 2022 Water Summit will include an in-person week and an online follow-up:",
        "May 9-12 in Tucson, Arizona",
        "June 7-8 Online Members Meeting",
    )
    ev = event_of(html)
    assert ev is not None and ev["start"] == "2022-05-09"


def test_a_short_name_with_the_year_dates_the_longer_name() -> None:
    html = page(
        "Stadtwerke Praxis Tag",
        "Beim „Praxis Tag 2024“ zeigten die Stadtwerke ihre Projekte.",
        "Am 14. März kamen mehr als 80 Gäste ins Kundenzentrum in der Bahnhofstraße.",
    )
    ev = event_of(html)
    assert ev is not None and ev["start"] == "2024-03-14"


# ---- publication date ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "issued"),
    [
        ("Das gab das Landratsamt am Dienstag, 4. Juni 2019, in Gotha bekannt.", date(2019, 6, 4)),
        ("Dies teilte die Stadt am 12.3.2021 mit.", date(2021, 3, 12)),
        ("The utility announced on Monday, March 1, 2021 that it will host the expo.", date(2021, 3, 1)),
        ("Sie teilte am 4. Mai mit, dass die Messe am 5. Juni 2020 stattfindet.", None),  # no year: no date
        ("Die Messe findet am 5. Juni 2020 statt.", None),  # an event date is no release date
    ],
)
def test_release_date_stated_in_the_text(text: str, issued: date | None) -> None:
    assert release_date([text]) == issued


def test_a_dateline_is_the_publication_date_not_the_event_date() -> None:
    html = page(
        "Wärmeplanung in der Praxis",
        "Erfurt, 4. Dezember 2019. Rund 150 Fachleute trafen sich zur Fachtagung Wärmeplanung im Kaisersaal.",
    )
    got = extract_summary(html).to_dict()
    assert got["published"] == "2019-12-04"
    assert got["event"] is not None and got["event"]["start"] is None


def test_next_weekday_is_no_next_edition() -> None:
    html = page(
        "Netzforum tagt in Halle",
        "Beim Netzforum am kommenden Donnerstag, 8. Juni, in der Händelhalle erwarten die Veranstalter "
        "mehr als 400 Teilnehmende.",
        published="2023-06-05",
    )
    got = extract_summary(html).to_dict()
    assert got["next_event"] is None
    assert got["event"] is not None and got["event"]["start"] == "2023-06-08"


def test_dateline_in_brackets_and_a_venue_of_many_words() -> None:
    html = page(
        "Statewide water forum comes to Dayton",
        "(Dayton, May 2, 2022) — More than 700 utility managers will convene this week for the Statewide "
        "Water Forum at the city-owned Miami Valley Convention Center.",
    )
    got = extract_summary(html).to_dict()
    assert got["published"] == "2022-05-02"
    ev = got["event"]
    assert ev is not None and ev["format"] == "in-person"
    assert ev["counts"]["participants"] == {"value": 700, "qualifier": "more_than"}


def test_a_text_about_conferences_in_general_is_no_event() -> None:
    html = page(
        "Survey: what utility staff want from trade conferences",
        "A survey of utility engineers asked which conferences they attended last year and why.",
        "Most said sessions and exhibitions matter less than talking to peers.",
    )
    assert event_of(html) is None


def test_a_registration_deadline_is_no_event_date() -> None:
    html = page(
        "Digital Towns Forum comes back to Leeds",
        "The Digital Towns Forum takes place at the Leeds Town Hall, with 300 delegates expected.",
        "Register now: early-bird rates end Aug. 2. Council staff attend free of charge.",
        published="2022-07-01",
    )
    ev = event_of(html)
    assert ev is not None and ev["start"] is None


def test_an_abbreviated_month_keeps_its_year() -> None:
    (m,) = find_dates(" ".join(split_sentences("9. Jun. - 10. Jun. 2021 | Gotha")[:1]))
    assert resolve(m, None) == (date(2021, 6, 9), date(2021, 6, 10))


def test_the_usual_mode_is_not_this_editions() -> None:
    texts = ["The 2021 Summit was a fully online event, the alternative to our traditional in-person summit."]
    assert detect_format(texts, gathering=True) == "online"
    german = ["Die Tagung fand digital statt, anstelle der gewohnten Präsenztagung in Fulda."]
    assert detect_format(german, gathering=True) == "online"


def test_a_term_that_ends_is_no_event_date() -> None:
    html = page(
        "Highlights of Water Week 2022",
        "More than 900 utility managers gathered in Tulsa for Water Week 2022.",
        "Attendees also heard from the association's president, who ended her term on May 20.",
    )
    ev = event_of(html)
    assert ev is not None and ev["start"] is None


def test_drawing_people_counts_them() -> None:
    assert counts("The fair opened Friday, drawing around 1,200 local leaders to Omaha.") == [
        ("participants", 1200, "about")
    ]


# ---- generalisation: ordinals, open attendee nouns, online compounds, tense of year-less dates -------


@pytest.mark.parametrize(
    "text",
    [
        "Die Besucherzahl der 14. Gewerbeschau Lindenau stieg deutlich.",
        "Anzahl der Aussteller der 9. Regionalmesse: unverändert hoch.",
        "The attendance of the 61st annual meeting was the best in years.",
    ],
)
def test_an_ordinal_edition_is_never_a_count(text: str) -> None:
    assert counts(text) == []


def test_a_count_that_ends_a_clause_is_still_read() -> None:
    assert counts("Die Teilnehmerzahl lag bei 300. Die Aussteller waren zufrieden.") == [
        ("participants", 300, "exact")
    ]


def test_an_edition_number_leaves_the_visitors_count() -> None:
    html = page(
        "Bilanz der Gewerbeschau",
        "Die 14. Gewerbeschau Lindenau ging am Sonntag zu Ende.",
        "Mehr als 2.500 Besucher kamen in die Festhalle.",
        published="2022-04-11",
    )
    ev = event_of(html)
    assert ev is not None and ev["counts"] == {"participants": {"value": 2500, "qualifier": "more_than"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Over 300 assessors attended the 44th annual meeting.", [("participants", 300, "more_than")]),
        ("Some 80 clerks from across the region gathered in Fargo.", [("participants", 80, "about")]),
        ("Your turnout resulted in 415 people attending.", [("participants", 415, "exact")]),
        (
            "Mit über 150 kommunalen Entscheiderinnen war der Tag gut besucht.",
            [("participants", 150, "more_than")],
        ),
        ("Over 30 years attended by the same families.", []),  # a unit is no people
        ("Delegates from 40 countries attended.", []),
    ],
)
def test_any_plural_people_noun_that_came_is_counted(text: str, expected: list) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("Die Onlineveranstaltung des Netzwerks hat viel Zuspruch gefunden.", "online"),
        ("Der Online-Fachtag Jugendhilfe brachte die Träger zusammen.", "online"),
        ("Unsere Digitalveranstaltung zur Wärmeplanung war gut besucht.", "online"),
        ("Die Webinarreihe des Kreises endete im März.", "online"),
        (
            "Der Digitalkongress fand in der Stadthalle statt.",
            "in-person",
        ),  # a congress about digital matters
    ],
)
def test_a_compound_names_an_online_gathering(text: str, fmt: str) -> None:
    assert detect_format([text], gathering=True) == fmt


@pytest.mark.parametrize(
    "noun", ["Webinarreihe", "Vortragsreihe", "Gewerbeschau", "Familienausstellung", "Fachtag"]
)
def test_more_gathering_nouns(noun: str) -> None:
    assert event_nouns(f"Die {noun} war ein Erfolg.") == (noun,)


@pytest.mark.parametrize(
    "text", ["Die Reihe war ein Erfolg.", "Die Baureihe war ein Erfolg.", "Die Schau war kurz."]
)
def test_a_series_or_show_needs_a_gathering_in_it(text: str) -> None:
    assert event_nouns(text) == ()


def test_an_online_event_without_a_date_is_an_event() -> None:
    html = page(
        "Rückblick",
        "Die Onlineveranstaltung der Energieagentur hat mit über 90 Teilnehmenden gezeigt, wie groß"
        " der Bedarf ist.",
        published="2021-02-03",
    )
    ev = event_of(html)
    assert ev is not None
    assert (ev["start"], ev["format"], ev["counts"]) == (
        None,
        "online",
        {"participants": {"value": 90, "qualifier": "more_than"}},
    )


def test_a_reported_year_less_date_lies_before_the_publication() -> None:
    html = page(
        "Groundwater Summit draws a crowd",
        "From October 10-12, over 700 hydrologists gathered in Boise for the summit.",
        published="2023-06-20",
    )
    ev = event_of(html)
    assert ev is not None and (ev["start"], ev["end"]) == ("2022-10-10", "2022-10-12")


def test_an_announced_year_less_date_lies_after_the_publication() -> None:
    html = page(
        "Groundwater Summit comes to Boise",
        "The summit will take place October 10-12 in Boise, with 700 hydrologists expected.",
        published="2023-04-20",
    )
    ev = event_of(html)
    assert ev is not None and ev["start"] == "2023-10-10"


def test_a_year_less_range_takes_the_year_the_text_gives() -> None:
    html = page(
        "Groundwater Summit draws a crowd",
        "From October 10-12, over 700 hydrologists gathered in Boise for the summit.",
        "It was the largest summit in 2021, the organisers said.",
    )
    ev = event_of(html)
    assert ev is not None and (ev["start"], ev["end"]) == ("2021-10-10", "2021-10-12")


def test_a_history_year_does_not_date_the_event() -> None:
    html = page(
        "Groundwater Summit draws a crowd",
        "From October 10-12, over 700 hydrologists gathered in Boise for the summit.",
        "The association has existed since 1961.",
    )
    ev = event_of(html)
    assert ev is not None and ev["start"] is None


@pytest.mark.parametrize(
    ("title", "opening"),
    [
        (
            "Clerks convene in Bismarck",
            "BISMARCK — The state clerks association's annual conference has kicked off.",
        ),
        ("Kämmerer tagen in Gera", "GERA. Die Jahrestagung der Kreiskämmerer ist am Morgen eröffnet worden."),
    ],
)
def test_a_gathering_just_opened_is_an_event_at_the_dateline_place(title: str, opening: str) -> None:
    summary = extract_summary(page(title, opening, published="2022-09-14")).to_dict()
    ev = summary["event"]
    assert ev is not None
    assert (ev["start"], ev["format"], ev["location"]) == (
        None,
        "in-person",
        opening.split()[0].strip(".").title(),
    )


def test_a_gathering_named_in_passing_is_not_underway() -> None:
    html = page(
        "Kreis stellt neuen Kämmerer vor",
        "Der Landrat hat den neuen Kämmerer vorgestellt, der zuvor eine Fachtagung geleitet hatte.",
        published="2022-09-14",
    )
    assert event_of(html) is None


def test_a_dateless_next_sentence_takes_the_dates_that_follow() -> None:
    html = page(
        "Rückblick Wärmeforum",
        "Das Wärmeforum fand am 8. und 9. Mai in Halle statt. Rund 200 Gäste kamen.",
        "Am 9. Mai wurde zudem der Preis verliehen, den der Verband am 2. April ausgeschrieben hatte.",
        "Das Team freut sich schon auf die nächste Ausgabe.",
        "Sie findet am 14. und 15. Mai 2024 statt.",
        published="2023-05-12",
    )
    summary = extract_summary(html).to_dict()
    assert (summary["event"]["start"], summary["event"]["end"]) == ("2023-05-08", "2023-05-09")
    assert (summary["next_event"]["start"], summary["next_event"]["end"]) == ("2024-05-14", "2024-05-15")


def test_a_dated_sentence_without_reference_to_the_next_stays_this_editions() -> None:
    html = page(
        "Rückblick Wärmeforum",
        "Das Team freut sich schon auf die nächste Ausgabe.",
        "Der Verband hatte das Forum am 2. April angekündigt.",
        published="2023-05-12",
    )
    assert extract_summary(html).to_dict()["next_event"] is None


def test_mark_your_calendar_for_a_later_edition() -> None:
    html = page(
        "2019 Assessors' Conference Summary",
        "Thank you for making the 2019 Assessors' Conference, held in Fresno, a hit: 380 people attending.",
        "Finally, mark your calendar for March 3 – 5 in Fresno for the 2020 conference.",
        published="2019-04-02",
    )
    summary = extract_summary(html).to_dict()
    assert summary["event"]["start"] is None
    assert summary["event"]["counts"] == {"participants": {"value": 380, "qualifier": "exact"}}
    assert (summary["next_event"]["start"], summary["next_event"]["end"]) == ("2020-03-03", "2020-03-05")


def test_both_modes_across_a_dash_make_it_hybrid() -> None:
    text = "The league holds its convention in person – as well as virtually – this summer."
    assert detect_format([text], gathering=True) == "hybrid"


def test_a_round_headline_figure_yields_to_the_precise_one() -> None:
    html = page(
        "3000 Besucher kamen zur Gartenschau",
        "Zur elften Gartenschau sind am Wochenende 2968 Besucher gekommen.",
        "Vor zwei Jahren waren noch 3500 Besucher gekommen.",
        published="2019-05-06",
    )
    summary = extract_summary(html).to_dict()
    assert summary["event"]["counts"] == {"participants": {"value": 2968, "qualifier": "exact"}}
    assert not any("counts disagree" in w for w in summary["warnings"])


def test_a_precise_figure_far_from_the_headline_is_a_disagreement() -> None:
    html = page(
        "3000 Besucher kamen zur Gartenschau",
        "Zur elften Gartenschau sind am Wochenende 3968 Besucher gekommen.",
        published="2019-05-06",
    )
    summary = extract_summary(html).to_dict()
    assert summary["event"]["counts"]["participants"]["value"] == 3000
    assert any("counts disagree" in w for w in summary["warnings"])
