"""The words of the digests and reminders, in German (default) and English, and their dates and numbers
formatted with Babel. (The pages' words, and the sign-up mails', are `web.page_text`.)"""

from __future__ import annotations

import re
from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from scc_sync.models import Count, EventFacts

STRINGS: dict[str, dict[str, str]] = {
    "de": {
        "digest_subject": "{title}: {count} (KW {week})",
        "digest_subject_daily": "{title}: {count} ({day})",
        "digest_subject_range": "{title}: {count} ({first} – {last})",
        "new_one": "1 neue Meldung",
        "new_many": "{n} neue Meldungen",
        "updated_one": "1 Aktualisierung",
        "updated_many": "{n} Aktualisierungen",
        "greeting_named": "Hallo {name},",
        "greeting": "Guten Tag,",
        "digest_intro": "hier ist, was vom {start} bis {end} neu erschienen oder aktualisiert worden ist.",
        "digest_intro_day": "hier ist, was am {day} neu erschienen oder aktualisiert worden ist.",
        "updated": "Aktualisiert",
        "revision": "Fassung {n}",
        "read_more": "Weiterlesen",
        "more_news": "Weitere Meldungen",
        "published": "Veröffentlicht",
        "source": "Quelle",
        "facts": "Auf einen Blick",
        "facts_dates": "Termin",
        "facts_format": "Format",
        "facts_location": "Ort",
        "facts_counts": "Zahlen",
        "facts_people": "Mit dabei",
        "facts_next": "Nächste Ausgabe",
        "reminder_subject": "Erinnerung: {event} {when}",
        "in_days": "in {n} Tagen",
        "tomorrow": "morgen",
        "today": "heute",
        "reminder_intro": "{event} beginnt {when}.",
        "reminder_dates": "Wann",
        "reminder_location": "Wo",
        "reminder_link": "Zur Veranstaltung",
        "reminder_ics": "Den Termin finden Sie im Anhang als Kalendereintrag (.ics).",
        "footer_why": "Sie erhalten diese E-Mail, weil Sie {list} abonniert haben.",
        "unsubscribe": "Abmelden",
        "preferences": "Einstellungen ändern",
        "imprint": "Impressum",
        "privacy_policy": "Datenschutz",
        "format_online": "online",
        "format_in-person": "Präsenz",
        "format_hybrid": "hybrid",
        "count_participants": "Teilnehmende",
        "count_speakers": "Redner",
        "count_exhibitors": "Aussteller",
        "count_partners": "Partner",
        "qualifier_more_than": "über",
        "qualifier_about": "rund",
        "qualifier_at_least": "mindestens",
        "qualifier_up_to": "bis zu",
    },
    "en": {
        "digest_subject": "{title}: {count} (week {week})",
        "digest_subject_daily": "{title}: {count} ({day})",
        "digest_subject_range": "{title}: {count} ({first} – {last})",
        "new_one": "1 new item",
        "new_many": "{n} new items",
        "updated_one": "1 update",
        "updated_many": "{n} updates",
        "greeting_named": "Hello {name},",
        "greeting": "Hello,",
        "digest_intro": "here is what was published or updated from {start} to {end}.",
        "digest_intro_day": "here is what was published or updated on {day}.",
        "updated": "Updated",
        "revision": "revision {n}",
        "read_more": "Read more",
        "more_news": "More news",
        "published": "Published",
        "source": "Source",
        "facts": "At a glance",
        "facts_dates": "Dates",
        "facts_format": "Format",
        "facts_location": "Location",
        "facts_counts": "Figures",
        "facts_people": "Featuring",
        "facts_next": "Next edition",
        "reminder_subject": "Reminder: {event} {when}",
        "in_days": "in {n} days",
        "tomorrow": "tomorrow",
        "today": "today",
        "reminder_intro": "{event} starts {when}.",
        "reminder_dates": "When",
        "reminder_location": "Where",
        "reminder_link": "Event website",
        "reminder_ics": "The attached calendar file (.ics) adds the event to your calendar.",
        "footer_why": "You receive this email because you subscribed to {list}.",
        "unsubscribe": "Unsubscribe",
        "preferences": "Change preferences",
        "imprint": "Legal notice",
        "privacy_policy": "Privacy policy",
        "format_online": "online",
        "format_in-person": "in person",
        "format_hybrid": "hybrid",
        "count_participants": "participants",
        "count_speakers": "speakers",
        "count_exhibitors": "exhibitors",
        "count_partners": "partners",
        "qualifier_more_than": "more than",
        "qualifier_about": "about",
        "qualifier_at_least": "at least",
        "qualifier_up_to": "up to",
    },
}

_ABBREVIATED_MONTH = re.compile(r"(?<!M)MMM(?!M)")


def strings(locale: str) -> dict[str, str]:
    return STRINGS.get(locale, STRINGS["de"])


def long_date(value: date, locale: str) -> str:
    return format_date(value, "long", locale=locale)


def full_date(value: date, locale: str) -> str:
    """`Dienstag, 26. Oktober 2021` / `Tuesday, October 26, 2021`."""
    return format_date(value, "full", locale=locale)


def date_range(start: date, end: date | None, locale: str) -> str:
    """`26.–28. Oktober 2021` / `Oct 26 – 28, 2021` with the month spelled out.

    CLDR has interval patterns only for abbreviated months (`yMMMd`); we take those and widen the month.
    """
    if end is None or end == start:
        return long_date(start, locale)
    greatest = "y" if start.year != end.year else "M" if start.month != end.month else "d"
    first, second = Locale.parse(locale).interval_formats["yMMMd"][greatest]
    widen = _ABBREVIATED_MONTH.sub
    return format_date(start, widen("MMMM", first), locale=locale) + format_date(
        end, widen("MMMM", second), locale=locale
    )


def count_phrase(kind: str, count: Count, locale: str) -> str:
    """`über 150 Redner`, `10.600 Teilnehmende`, `more than 150 speakers`."""
    words = strings(locale)
    number = format_decimal(count.value, locale=locale)
    label = words.get(f"count_{kind}", kind)
    qualifier = words.get(f"qualifier_{count.qualifier}", "")
    return " ".join(part for part in (qualifier, number, label) if part)


def event_line(facts: EventFacts, locale: str) -> str:
    """`26.–28. Oktober 2021 · Präsenz · Berlin` (whatever of it is known)."""
    words = strings(locale)
    parts = []
    if facts.start:
        parts.append(date_range(facts.start, facts.end, locale))
    if facts.format:
        parts.append(words.get(f"format_{facts.format}", facts.format))
    if facts.location:
        parts.append(facts.location)
    return " · ".join(parts)
