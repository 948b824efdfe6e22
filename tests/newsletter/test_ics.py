from datetime import UTC, date, datetime

import icalendar
import pytest

from scc_sync.models import Event
from scc_sync.newsletter.ics import event_calendar

STAMP = datetime(2021, 9, 26, 8, tzinfo=UTC)


def test_all_day_event_with_exclusive_dtend(scc2021):
    raw = event_calendar(
        scc2021, uid="smart-country-convention-2021@news.example.org", sequence=2, stamp=STAMP
    )
    assert b"METHOD:PUBLISH\r\n" in raw
    assert b"DTSTART;VALUE=DATE:20211026\r\n" in raw
    assert b"DTEND;VALUE=DATE:20211029\r\n" in raw
    cal = icalendar.Calendar.from_ical(raw)
    (vevent,) = cal.walk("VEVENT")
    assert vevent.decoded("dtstart") == date(2021, 10, 26)
    assert vevent.decoded("dtend") == date(2021, 10, 29)
    assert str(vevent["uid"]) == "smart-country-convention-2021@news.example.org"
    assert vevent.decoded("sequence") == 2
    assert str(vevent["location"]) == "Berlin, hub27"


def test_every_line_ends_with_crlf(scc2021):
    raw = event_calendar(scc2021, uid="u@x", sequence=0, stamp=STAMP)
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")


def test_umlauts_and_one_day_event():
    event = Event("Kommunaler Digitalgipfel Köln", date(2021, 5, 4), date(2021, 5, 4), location="Köln")
    cal = icalendar.Calendar.from_ical(event_calendar(event, uid="u@x", sequence=0, stamp=STAMP))
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["summary"]) == "Kommunaler Digitalgipfel Köln"
    assert vevent.decoded("dtend") == date(2021, 5, 5)


def test_event_ending_before_it_starts_is_an_error():
    event = Event("Broken", date(2021, 5, 4), date(2021, 5, 3))
    with pytest.raises(ValueError, match="Broken"):
        event_calendar(event, uid="u@x", sequence=0, stamp=STAMP)
