"""iCalendar (RFC 5545) attachments for event reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from scc_sync.models import Event

PRODID = "-//scc-sync//event reminders//DE"


def event_calendar(event: Event, *, uid: str, sequence: int, stamp: datetime) -> bytes:
    """One all-day VEVENT as a `METHOD:PUBLISH` calendar; CRLF line endings as RFC 5545 demands.

    `uid` must stay the same for every mail about the same event so calendar clients update the entry
    instead of duplicating it; raise `sequence` whenever the event's dates or place change.
    """
    if stamp.tzinfo is None:
        raise ValueError("calendar DTSTAMP must be timezone-aware")
    if event.end < event.start:
        raise ValueError(f"event {event.name!r} ends ({event.end}) before it starts ({event.start})")
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    vevent = icalendar.Event()
    vevent.add("uid", uid)
    vevent.add("sequence", sequence)
    vevent.add("dtstamp", stamp.astimezone(UTC))
    vevent.add("summary", event.name)
    vevent.add("dtstart", event.start)
    vevent.add("dtend", event.end + timedelta(days=1))  # DTEND of an all-day event is exclusive
    vevent.add("transp", "TRANSPARENT")
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
        vevent.add("description", event.url)
    cal.add_component(vevent)
    return cal.to_ical()
