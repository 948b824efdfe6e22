"""Reminders: events from config and recaps, the due offset, the calendar part, once per subscriber."""

from __future__ import annotations

import mailbox
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from scc_sync.models import Event
from scc_sync.newsletter.transports import MaildirTransport
from scc_sync.pipeline.remind import due_reminder, run_remind, sync_events
from scc_sync.store import Store
from scc_sync.store.events import StoredEvent, list_events
from tests.pipeline.helpers import SECRET, SECRET_ENV, add_item, config, fixed, mail_kit, parse

BERLIN = ZoneInfo("Europe/Berlin")
SCC = {"name": "Smart Country Convention 2021", "start": "2021-10-26", "end": "2021-10-28",
       "location": "CityCube Berlin", "url": "https://www.smartcountry.berlin/"}  # fmt: skip
RECAP = {"title": "SCC 2020", "next_event": {"name": "Smart Country Convention 2021", "start": "2021-10-25",
                                              "end": "2021-10-27", "format": "in-person"}}  # fmt: skip
OTHER = {"title": "Kongress", "next_event": {"name": "Stadtwerkekongress 2021", "start": "2021-11-10"}}


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def scc(offsets=("30d", "7d", "1d")) -> StoredEvent:
    return StoredEvent(1, Event("SCC", date(2021, 10, 26), date(2021, 10, 28), reminders=offsets), 0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2021, 9, 26, 8, 59, tzinfo=BERLIN), None),  # a minute before the first offset
        (datetime(2021, 9, 26, 9, 0, tzinfo=BERLIN), ("30d", 30, ())),
        (
            datetime(2021, 10, 19, 10, 0, tzinfo=BERLIN),
            ("7d", 7, ("30d",)),
        ),  # the 30-day one is not sent late
        (datetime(2021, 10, 22, 10, 0, tzinfo=BERLIN), ("7d", 4, ("30d",))),  # late, says "in 4 days"
        (datetime(2021, 10, 25, 23, 0, tzinfo=BERLIN), ("1d", 1, ("7d", "30d"))),
        (datetime(2021, 10, 26, 0, 0, tzinfo=BERLIN), None),  # started
    ],
)
def test_only_the_latest_due_offset_and_never_once_started(now, expected) -> None:
    due = due_reminder(scc(), now, BERLIN, time(9, 0))
    assert (due and (due.offset, due.days_before, due.skipped)) == expected


def test_events_from_config_and_recaps_config_wins_dates_bump_sequence(store: Store) -> None:
    t0 = datetime(2021, 10, 1, tzinfo=BERLIN)
    add_item(store, "recap", at=t0, summary=RECAP)
    add_item(store, "kongress", at=t0, summary=OTHER)
    with store.write() as conn:
        events = {e.key: e for e in sync_events(conn, config(events=[SCC]), now=t0)}
    assert events["smart-country-convention-2021"].event.start == date(2021, 10, 26)  # config, not the recap
    assert events["smart-country-convention-2021"].event.origin == "config"
    kongress = events["stadtwerkekongress-2021"]
    assert (kongress.event.end, kongress.event.origin, kongress.sequence) == (
        date(2021, 11, 10),
        "extracted",
        0,
    )
    moved = {**SCC, "start": "2021-10-27"}
    with store.write() as conn:
        sync_events(conn, config(events=[SCC]), now=t0)  # unchanged: same sequence
        assert {e.key: e.sequence for e in list_events(conn)}["smart-country-convention-2021"] == 0
        sync_events(conn, config(events=[moved]), now=t0)
        assert {e.key: e.sequence for e in list_events(conn)}["smart-country-convention-2021"] == 1


def test_remind_sends_one_seven_day_reminder_with_a_calendar_and_only_once(
    store: Store, tmp_path: Path
) -> None:
    cfg = config(
        [
            {"email": "anna@example.org", "name": "Anna Schmidt"},
            {"email": "jordan@example.org", "locale": "en", "frequency": "daily"},
            {"email": "quiet@example.org", "reminders": False},
        ],
        events=[SCC],
    )
    now = datetime(2021, 10, 19, 10, 0, tzinfo=BERLIN)
    box = tmp_path / "maildir"
    with MaildirTransport(box) as transport:
        assert run_remind(cfg, store, transport, mail_kit(cfg), now=fixed(now)).line() == (
            "remind: 2 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown"
        )
        assert run_remind(cfg, store, transport, mail_kit(cfg), now=fixed(now + timedelta(hours=3))).sent == 0
    maildir = mailbox.Maildir(box, factory=None, create=False)
    messages = {
        str(m["To"].addresses[0].addr_spec): m
        for m in (parse(maildir.get_bytes(k)) for k in maildir.iterkeys())
    }
    assert set(messages) == {"anna@example.org", "jordan@example.org"}
    assert messages["anna@example.org"]["Subject"] == "Erinnerung: Smart Country Convention 2021 in 7 Tagen"
    assert messages["jordan@example.org"]["Subject"] == "Reminder: Smart Country Convention 2021 in 7 days"
    [part] = [
        p for p in messages["anna@example.org"].iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    vevent = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert vevent.decoded("dtstart") == date(2021, 10, 26) and vevent.decoded("dtend") == date(2021, 10, 29)
    assert str(vevent["uid"]) == "smart-country-convention-2021@digest.news.example.org"
