"""Digests: which period, which items for whom, queued in the ledger, then delivered.

A run at `now` covers the last *closed* period in the configured zone: for daily subscribers the local day
before `now`, for weekly ones the ISO week before `now`'s week. The period's items are frozen once as an issue
(a rerun reuses it). Per subscriber, the issue is filtered (keywords, sources, what they already got, and for
newcomers only what changed within `[digest] window` before they subscribed), rendered and queued together
with the record of which item revisions it carries, in one transaction. An empty digest is not sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from scc_sync.config import Config, DigestConfig
from scc_sync.models import FREQUENCIES, Frequency, Subscriber, Summary
from scc_sync.newsletter.kit import MailKit
from scc_sync.newsletter.messages import build_digest_message, message_id
from scc_sync.newsletter.render import DigestEntry, MailLinks, RenderedMail
from scc_sync.newsletter.transports import Transport
from scc_sync.pipeline.deliver import (
    AS_OF_VALIDITY,
    QUEUED,
    DeliveryReport,
    ledger_entry,
    render_batch,
    retry_policy,
    send_mailing,
)
from scc_sync.pipeline.runs import job
from scc_sync.store import Connection, Store
from scc_sync.store.digests import (
    Issue,
    delivered_revisions,
    freeze_issue,
    issue_start,
    preview_issue,
    record_deliveries,
)
from scc_sync.store.items import StoredItem
from scc_sync.store.outbox import NewMessage, batches, queue_messages, queued_recipients
from scc_sync.store.subscribers import (
    SubscriberError,
    get_subscriber,
    list_subscribers,
    sync_config_subscribers,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Period:
    frequency: Frequency
    key: str  # "2021-10-19" (daily) or "2021-W42" (weekly)
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC

    @property
    def ref(self) -> str:
        """The ledger ref of this period's digest."""
        return f"{self.frequency}:{self.key}"


def digest_period(frequency: Frequency, now: datetime, zone: ZoneInfo) -> Period:
    """The last closed day (daily) or ISO week (weekly) before `now`, in local time."""
    today = now.astimezone(zone).date()
    if frequency == "daily":
        first, end = today - timedelta(days=1), today
        key = first.isoformat()
    else:
        end = today - timedelta(days=today.weekday())  # this week's Monday
        first = end - timedelta(days=7)
        iso = first.isocalendar()
        key = f"{iso.year}-W{iso.week:02d}"
    return Period(frequency, key, _local_midnight(first, zone), _local_midnight(end, zone))


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def select_items(
    issue_items: list[StoredItem],
    subscriber: Subscriber,
    *,
    delivered: set[tuple[int, int]],
    window: timedelta,
) -> list[StoredItem]:
    """The issue's items this subscriber gets: filtered, not yet delivered, within their window."""
    since = subscriber.subscribed_at - window if subscriber.subscribed_at else None
    return [
        item
        for item in issue_items
        if (item.id, item.revision) not in delivered
        and (since is None or item.changed >= since)
        and matches(item, subscriber)
    ]


def matches(item: StoredItem, subscriber: Subscriber) -> bool:
    if subscriber.sources and item.source not in subscriber.sources:
        return False
    if not subscriber.keywords:
        return True
    summary = item.summary or {}
    haystack = " ".join(str(part or "") for part in (item.title, item.text, summary.get("lead"))).casefold()
    return any(keyword.casefold() in haystack for keyword in subscriber.keywords)


def to_entry(item: StoredItem) -> DigestEntry:
    summary = None
    if item.summary:
        try:
            summary = Summary.from_dict(item.summary)
        except (
            KeyError,
            TypeError,
            ValueError,
        ) as exc:  # a damaged summary costs the facts box, not the item
            log.warning("item %s (%s): stored summary unreadable: %s", item.id, item.url, exc)
    excerpt = item.text or (summary.lead if summary and summary.lead else "")
    return DigestEntry(
        title=item.title,
        url=item.url,
        source=item.source,
        published=item.published,
        excerpt=excerpt,
        updated=item.revision > 1,
        revision=item.revision,
        summary=summary,
    )


def render_digest(
    kit: MailKit,
    subscriber: Subscriber,
    chosen: list[StoredItem],
    period: Period,
    *,
    links: MailLinks | None = None,
    entries: dict[tuple[int, int], DigestEntry] | None = None,
) -> RenderedMail:
    """`entries`: the issue's items already turned into entries (by id and revision), shared by a mailing."""
    return kit.renderer.digest(
        subscriber,
        [_entry(item, entries) for item in chosen],
        period_start=period.start,
        period_end=period.end,
        links=links or kit.links(subscriber),
    )


def _entry(item: StoredItem, entries: dict[tuple[int, int], DigestEntry] | None) -> DigestEntry:
    if entries is None:
        return to_entry(item)
    key = (item.id, item.revision)
    if key not in entries:
        entries[key] = to_entry(item)
    return entries[key]


def run_digest(
    config: Config,
    store: Store,
    transport: Transport,
    kit: MailKit,
    *,
    now: Callable[[], datetime],
    dry_run: bool = False,
    subscriber: str | None = None,
    as_of: bool = False,
) -> DeliveryReport:
    """Queue the last closed period's digests (daily and weekly) and deliver every digest that is due.

    `subscriber`: only this (confirmed) subscriber's digest. `as_of`: `now` is an `--as-of`, so what this
    run queues expires a day after it (see `deliver.AS_OF_VALIDITY`).
    """
    with job(store, "digest", now=now) as detail:
        report = DeliveryReport("digest", dry_run=dry_run)
        expires_at = now() + AS_OF_VALIDITY if as_of else None
        queueing = digest_steps(
            config, store, kit, now=now, report=report, subscriber=subscriber, expires_at=expires_at
        )
        policy = retry_policy(config)
        send_mailing(
            store,
            transport,
            queueing,
            kind="digest",
            report=report,
            policy=policy,
            now=now,
            recipient=subscriber,
        )
        detail.update(report.detail())
    return report


def digest_steps(
    config: Config,
    store: Store,
    kit: MailKit,
    *,
    now: Callable[[], datetime],
    report: DeliveryReport,
    subscriber: str | None = None,
    expires_at: datetime | None = None,
) -> Iterator[str]:
    """The steps that queue the last closed period's digests, daily and weekly (see `queue_period`), once
    the config's subscribers are in the store. `run_digest` sends while they run; the cluster hands the
    batches they queue to other workers. `expires_at`: when what they queue may no longer be sent."""
    with store.write() as conn:
        sync_config_subscribers(conn, [s.to_subscriber() for s in config.subscribers], now=now())
        if subscriber is not None:
            _require_confirmed(conn, subscriber)
    return chain.from_iterable(
        queue_period(
            config,
            store,
            kit,
            frequency,
            now=now,
            report=report,
            dry_run=report.dry_run,
            only=subscriber,
            expires_at=expires_at,
        )
        for frequency in FREQUENCIES
    )


def _require_confirmed(conn: Connection, address: str) -> None:
    found = get_subscriber(conn, address)
    if found is None or found.status != "confirmed":
        state = "unknown" if found is None else found.status
        raise SubscriberError(f"--subscriber {address}: no confirmed subscriber with this address ({state})")


def queue_period(
    config: Config,
    store: Store,
    kit: MailKit,
    frequency: Frequency,
    *,
    now: Callable[[], datetime],
    report: DeliveryReport,
    dry_run: bool,
    only: str | None,
    expires_at: datetime | None = None,
) -> Iterator[str]:
    """Freeze this frequency's issue and queue one digest per subscriber who has something new in it.

    A generator of steps for `deliver` to interleave with sending: it yields RENDERED after each message
    and QUEUED after each batch committed to the ledger.
    """
    at = now()
    period = digest_period(frequency, at, config.zone)
    with store.read() as conn:
        people = [
            s
            for s in list_subscribers(conn, status="confirmed")
            if s.frequency == frequency and (only is None or s.email.lower() == only.lower())
        ]
        already = queued_recipients(conn, "digest", period.ref)
    people = [s for s in people if s.email.lower() not in already]
    if not people:
        return
    issue = _issue(store, period, at, dry_run=dry_run, digest=config.digest)
    period = replace(period, start=issue.start)  # earlier when skipped periods are caught up
    window = config.digest.window
    entries: dict[tuple[int, int], DigestEntry] = {}
    for batch in batches(people):
        with store.read() as conn:
            delivered = delivered_revisions(conn, (p.id or 0 for p in batch), (i.id for i in issue.items))
        pending: list[tuple[NewMessage, list[tuple[int, int]]]] = []

        def build(
            person: Subscriber,
            delivered: dict[int, set[tuple[int, int]]] = delivered,  # this batch's
        ) -> tuple[str, tuple[NewMessage, list[tuple[int, int]]]] | None:
            chosen = select_items(issue.items, person, delivered=delivered[person.id or 0], window=window)
            if not chosen:
                return None
            subject, new = _digest_message(kit, person, chosen, period, at, entries, expires_at)
            return subject, (new, [(i.id, i.revision) for i in chosen])

        yield from render_batch(batch, build, report, pending)
        if pending:
            _queue(store, pending, now=at, report=report)
            yield QUEUED


def _digest_message(
    kit: MailKit,
    person: Subscriber,
    chosen: list[StoredItem],
    period: Period,
    at: datetime,
    entries: dict[tuple[int, int], DigestEntry],
    expires_at: datetime | None,
) -> tuple[str, NewMessage]:
    """The subject and the ledger entry of one subscriber's digest."""
    links = kit.links(person)
    mail = render_digest(kit, person, chosen, period, links=links, entries=entries)
    msg = build_digest_message(
        mail,
        sender=kit.sender,
        recipient=person,
        message_id=message_id("digest", period.ref, person.email, kit.domain),
        list_id=kit.list_id,
        unsubscribe_url=links.unsubscribe_url,
        date=at,
    )
    return mail.subject, ledger_entry("digest", period.ref, person, msg, expires_at=expires_at)


def _queue(
    store: Store,
    pending: list[tuple[NewMessage, list[tuple[int, int]]]],
    *,
    now: datetime,
    report: DeliveryReport,
) -> None:
    """Queue a batch of digests and note which item revisions each carries, in one transaction."""
    with store.write() as conn:
        rows = queue_messages(conn, [new for new, _ in pending], now=now)
        queued = [
            (new.subscriber_id or 0, row, revisions)
            for (new, revisions), row in zip(pending, rows, strict=True)
            if row is not None
        ]
        record_deliveries(conn, queued)
        report.queued += len(queued)


def _issue(store: Store, period: Period, now: datetime, *, dry_run: bool, digest: DigestConfig) -> Issue:
    """The period's issue: frozen (or, for a dry run, previewed), starting earlier after skipped periods;
    without the archive a new source brought along (`[digest] window`, see `is_archive`)."""
    frequency, key, end, window = period.frequency, period.key, period.end, digest.window
    with store.read() if dry_run else store.write() as conn:
        start = issue_start(conn, frequency=frequency, start=period.start, limit=digest.catch_up)
        if dry_run:
            return preview_issue(
                conn, frequency=frequency, period_key=key, start=start, end=end, window=window
            )
        return freeze_issue(
            conn, frequency=frequency, period_key=key, start=start, end=end, now=now, window=window
        )


def preview_digest(
    config: Config, store: Store, kit: MailKit, address: str, *, now: datetime
) -> RenderedMail | None:
    """The digest `address` would get for the period before `now` (ignoring what was already sent)."""
    with store.read() as conn:
        person = get_subscriber(conn, address)
        if person is None:
            raise SubscriberError(f"{address}: no such subscriber")
    period = digest_period(person.frequency, now, config.zone)
    issue = _issue(store, period, now, dry_run=True, digest=config.digest)
    period = replace(period, start=issue.start)
    chosen = select_items(issue.items, person, delivered=set(), window=config.digest.window)
    if not chosen:
        return None
    return render_digest(kit, person, chosen, period)
