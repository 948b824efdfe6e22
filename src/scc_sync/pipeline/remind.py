"""Event reminders: events from config and from recaps' "next edition" facts, the due offset, the mails.

An offset such as `7d` is due at `[digest] reminder_time` local time, seven days before the event's first
day. A run queues, per event, only the latest offset that is due, and none on the day of a later offset
before that one's time (a 30-day reminder that was missed is not sent late once the 7-day one's day has
begun), and never once the event has started. The mail counts the days left from the day it is queued, so
it is sent that day or not at all: it expires at the next local midnight, and the send loop settles it as
`expired` then (also for a run with `--as-of`, whose reminders a later run never sends). The ledger ref
`{event key}:{offset}` makes each reminder go to each subscriber once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from scc_sync.config import Config, parse_duration
from scc_sync.models import Event, Subscriber, Summary
from scc_sync.newsletter.ics import event_calendar
from scc_sync.newsletter.kit import MailKit
from scc_sync.newsletter.messages import build_reminder_message, message_id
from scc_sync.newsletter.render import MailLinks, RenderedMail
from scc_sync.newsletter.transports import Transport
from scc_sync.pipeline.deliver import (
    QUEUED,
    DeliveryReport,
    ledger_entry,
    render_batch,
    retry_policy,
    send_mailing,
)
from scc_sync.pipeline.runs import job
from scc_sync.store import Connection, Store
from scc_sync.store.events import StoredEvent, list_events, upsert_event
from scc_sync.store.items import stored_summaries
from scc_sync.store.outbox import NewMessage, batches, queue_messages, queued_recipients
from scc_sync.store.subscribers import (
    SubscriberError,
    get_subscriber,
    list_subscribers,
    sync_config_subscribers,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueReminder:
    event: StoredEvent
    offset: str  # as configured: "7d"
    due_at: datetime
    days_before: int  # whole local days from the run to the first day (what the mail says)
    skipped: tuple[str, ...] = ()  # earlier offsets that were missed and are superseded
    expires_at: datetime | None = None  # the end of the local day it is queued: then its count is wrong

    @property
    def ref(self) -> str:
        return f"{self.event.key}:{self.offset}"


def extracted_events(conn: Connection) -> list[tuple[Event, int]]:
    """Next editions announced in stored recaps (`next_event` with a start date), with the item's id."""
    found = []
    for item_id, summary in stored_summaries(conn):
        try:
            facts = Summary.from_dict(summary).next_event
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("item %s: stored summary unreadable: %s", item_id, exc)
            continue
        if facts is None or facts.start is None or not facts.name:
            continue
        end = facts.end if facts.end and facts.end >= facts.start else facts.start
        found.append((Event(facts.name, facts.start, end, facts.location, origin="extracted"), item_id))
    return found


def sync_events(conn: Connection, config: Config, *, now: datetime) -> list[StoredEvent]:
    """Upsert configured and extracted events (config wins on the same name + year); all stored events."""
    configured = {e.key: e for e in (c.to_event() for c in config.events)}
    for event in configured.values():
        upsert_event(conn, event, now=now)
    seen = set(configured)
    for event, item_id in sorted(extracted_events(conn), key=lambda pair: -pair[1]):  # newest item first
        if event.key not in seen:
            seen.add(event.key)
            upsert_event(conn, event, now=now, item_id=item_id)
    return list_events(conn)


def due_reminder(
    stored: StoredEvent, now: datetime, zone: ZoneInfo, reminder_time: time
) -> DueReminder | None:
    """The latest offset of this event that is due at `now`, unless the event has started or a later
    offset is due later today (then the earlier one is superseded, and today's waits for its time)."""
    event = stored.event
    local_now = now.astimezone(zone)
    today = local_now.date()
    if today >= event.start:
        return None
    start_at = datetime.combine(event.start, reminder_time, tzinfo=zone)
    # An event's offsets are its reminders' names ("7d"), stored as written: read as durations here.
    times = [(start_at - parse_duration(offset), offset) for offset in event.reminders]
    due = sorted(((at, offset) for at, offset in times if at <= local_now), reverse=True)
    if not due:
        return None
    (due_at, offset), missed = due[0], tuple(o for _, o in due[1:])
    # e.g. at midnight a week before: the 7-day one comes at reminder_time today, not the 30-day one now
    if due_at.date() < today and any(at.date() == today and at > local_now for at, _ in times):
        return None
    end_of_day = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    return DueReminder(stored, offset, due_at, (event.start - today).days, missed, end_of_day)


def render_reminder(
    kit: MailKit, person: Subscriber, due: DueReminder, links: MailLinks | None = None
) -> RenderedMail:
    return kit.renderer.reminder(
        person, due.event.event, days_before=due.days_before, links=links or kit.links(person)
    )


def run_remind(
    config: Config,
    store: Store,
    transport: Transport,
    kit: MailKit,
    *,
    now: Callable[[], datetime],
    dry_run: bool = False,
) -> DeliveryReport:
    """Queue the reminders that are due and deliver every reminder that is due."""
    with job(store, "remind", now=now) as detail:
        report = DeliveryReport("remind", dry_run=dry_run)
        queueing = reminder_steps(config, store, kit, now=now, report=report)
        policy = retry_policy(config)
        send_mailing(store, transport, queueing, kind="reminder", report=report, policy=policy, now=now)
        detail.update(report.detail())
    return report


def reminder_steps(
    config: Config, store: Store, kit: MailKit, *, now: Callable[[], datetime], report: DeliveryReport
) -> Iterator[str]:
    """The steps that queue the reminders due now (see `queue_due`), once the config's subscribers and
    events are in the store. `run_remind` sends while they run; the cluster hands the batches to others."""
    at = now()
    with store.write() as conn:
        sync_config_subscribers(conn, [s.to_subscriber() for s in config.subscribers], now=at)
        stored = sync_events(conn, config, now=at)
    return chain.from_iterable(
        queue_due(store, kit, due, now=at, report=report)
        for due in _due_reminders(stored, at, config.zone, config.digest.reminder_time)
    )


def _due_reminders(
    events: list[StoredEvent], at: datetime, zone: ZoneInfo, reminder_time: time
) -> Iterator[DueReminder]:
    for event in events:
        due = due_reminder(event, at, zone, reminder_time)
        if due is None:
            continue
        if due.skipped:
            log.info(
                "%s: skipping the missed %s reminder(s); the %s one is due",
                event.key,
                ", ".join(due.skipped),
                due.offset,
            )
        yield due


def queue_due(
    store: Store,
    kit: MailKit,
    due: DueReminder,
    *,
    now: datetime,
    report: DeliveryReport,
) -> Iterator[str]:
    """Queue one reminder per confirmed subscriber who wants reminders; steps as `digest.queue_period`."""
    with store.read() as conn:
        people = [s for s in list_subscribers(conn, status="confirmed") if s.reminders]
        already = queued_recipients(conn, "reminder", due.ref)
    event = due.event.event
    ics = event_calendar(event, uid=f"{event.key}@{kit.list_id}", sequence=due.event.sequence, stamp=now)
    people = [p for p in people if p.email.lower() not in already]
    for batch in batches(people):
        pending: list[NewMessage] = []
        yield from render_batch(
            batch, lambda person: _reminder_message(kit, person, due, ics, now), report, pending
        )
        if pending:
            with store.write() as conn:  # one transaction per batch
                rows = queue_messages(conn, pending, now=now)
            report.queued += sum(row is not None for row in rows)
            yield QUEUED


def _reminder_message(
    kit: MailKit, person: Subscriber, due: DueReminder, ics: bytes, at: datetime
) -> tuple[str, NewMessage]:
    """The subject and the ledger entry of one subscriber's reminder."""
    links = kit.links(person)
    mail = render_reminder(kit, person, due, links)
    msg = build_reminder_message(
        mail,
        ics,
        sender=kit.sender,
        recipient=person,
        message_id=message_id("reminder", due.ref, person.email, kit.domain),
        list_id=kit.list_id,
        unsubscribe_url=links.unsubscribe_url,
        date=at,
        ics_filename=f"{due.event.event.key}.ics",
    )
    return mail.subject, ledger_entry("reminder", due.ref, person, msg, expires_at=due.expires_at)


def preview_reminder(
    config: Config, store: Store, kit: MailKit, address: str, *, now: datetime
) -> RenderedMail | None:
    """The reminder `address` would get for the next event (as if its nearest offset were due)."""
    with store.read() as conn:
        person = get_subscriber(conn, address)
        if person is None:
            raise SubscriberError(f"{address}: no such subscriber")
        stored = list_events(conn)
    if not stored:
        stored = [StoredEvent(0, c.to_event(), 0) for c in config.events]
    today = now.astimezone(config.zone).date()
    upcoming = [e for e in stored if e.event.start > today]
    if not upcoming:
        return None
    event = min(upcoming, key=lambda e: e.event.start)
    days = (event.event.start - today).days
    due = DueReminder(event, "preview", now, days)
    return render_reminder(kit, person, due)
