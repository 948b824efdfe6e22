"""Delivery: the send loop over the ledger, shared by every mailing (digests, reminders, alerts, sign-ups).

`deliver()` claims one due ledger row at a time, sends its stored bytes (the same bytes, the same
Message-ID, on every attempt) and records the outcome before claiming the next, so a crash loses at most
the knowledge of one in-flight message, which then shows up as `unknown`.

A mailing is rendered and queued in the gaps of its own delivery: while the server digests one message,
the next one is rendered (`Interleaved`). Every message is still committed to the ledger before any
attempt to send it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TypeVar

from scc_sync.clock import utc_now
from scc_sync.config import Config
from scc_sync.models import Subscriber
from scc_sync.newsletter.transports import SendResult, StoredMessage, Transport, wire_bytes
from scc_sync.pipeline.runs import job, lock_owner
from scc_sync.store import Store
from scc_sync.store.outbox import (
    Claimed,
    LedgerRow,
    NewMessage,
    RetryPolicy,
    expire_stale,
    record_and_claim,
    record_result,
    release_claim,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
STATES = ("sent", "deferred", "failed", "suppressed", "unknown", "expired")
SIGNUP_KINDS = ("confirm", "signup-known")  # the mails of a web sign-up (pipeline.subscriptions)
# Mail queued by a run with `--as-of` may be sent for this long after that time, by a rerun of the same
# command: a later run on the real clock (or far from that `--as-of`) settles it as `expired`.
AS_OF_VALIDITY = timedelta(days=1)


@dataclass
class DeliveryReport:
    """What one digest/remind run did. `queued` counts messages newly promised in this run."""

    job: str
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    suppressed: int = 0
    unknown: int = 0
    expired: int = 0  # not sent: their time was over (a reminder's day, an `--as-of` run's validity)
    queued: int = 0
    not_rendered: int = 0  # subscribers whose mail could not be built (a template or address problem)
    stopped: str | None = None  # why sending stopped early (the mail server could not be reached)
    dry_run: bool = False
    planned: list[str] = field(default_factory=list)  # dry run: "recipient: subject" of each message
    sent_refs: list[str] | None = None  # the refs of the messages sent, when a caller asks for them
    _render_problems: set[str] = field(default_factory=set)

    def add(self, state: str, n: int = 1) -> None:
        setattr(self, state, getattr(self, state) + n)

    def render_failed(self, recipient: str, problem: Exception) -> None:
        """One subscriber's mail could not be built; the others go on. Each problem is logged once."""
        self.not_rendered += 1
        reason = str(problem)
        if reason not in self._render_problems:
            self._render_problems.add(reason)
            log.error(
                "%s for %s not built, nor for later subscribers with the same problem "
                "(it is tried again next run): %s",
                self.job,
                recipient,
                reason,
            )

    @property
    def problems(self) -> int:
        """Messages that did not (certainly) arrive: the reason for exit code 1."""
        return self.failed + self.deferred + self.unknown + self.not_rendered + bool(self.stopped)

    def counts(self) -> dict[str, int]:
        return {state: getattr(self, state) for state in (*STATES, "queued", "not_rendered")}

    def detail(self) -> dict[str, object]:
        """What a job run records (`job_runs.detail`); a run that stopped sending counts as failed."""
        return {"summary": self.line(), **self.counts(), "stopped": self.stopped}

    def line(self) -> str:
        missing = f", {self.expired} expired unsent (see the log)" if self.expired else ""
        missing += f"; {self.not_rendered} not built (see the log)" if self.not_rendered else ""
        if self.stopped:
            missing += f"; stopped sending, the rest waits for the next run: {self.stopped}"
        if self.dry_run:
            return f"{self.job} (dry run): {len(self.planned)} would be queued, nothing sent{missing}"
        return (
            f"{self.job}: {self.sent} sent, {self.deferred} deferred, {self.failed} failed, "
            f"{self.suppressed} suppressed, {self.unknown} unknown{missing}"
        )


def ledger_entry(
    kind: str, ref: str, person: Subscriber, msg: EmailMessage, *, expires_at: datetime | None = None
) -> NewMessage:
    """`msg` for `person`, as the delivery ledger promises it: its final bytes and Message-ID, and when
    it may no longer be sent (None: whenever)."""
    return NewMessage(kind, ref, person.email, person.id, str(msg["Message-ID"]), wire_bytes(msg), expires_at)


def retry_policy(config: Config) -> RetryPolicy:
    d = config.delivery
    return RetryPolicy(d.max_attempts, d.retry_after, d.lease, d.retry_unknown)


def render_batch(
    people: Iterable[Subscriber],
    build: Callable[[Subscriber], tuple[str, T] | None],
    report: DeliveryReport,
    pending: list[T],
) -> Iterator[str]:
    """Build each person's message with `build` (its subject and what to queue, or None: nothing for them)
    into `pending`, yielding RENDERED after each; a dry run only notes the subject. A message that cannot
    be built (a template or address problem) costs only its subscriber."""
    for person in people:
        try:
            built = build(person)
        except ValueError as exc:
            report.render_failed(person.email, exc)
            continue
        if built is None:
            continue
        subject, entry = built
        yield RENDERED
        if report.dry_run:
            report.planned.append(f"{person.email}: {subject}")
        else:
            pending.append(entry)


QUEUED = "queued"  # what a queueing step yields once it committed messages to the ledger
RENDERED = "rendered"  # ... and after each message it rendered


class Interleaved:
    """Queueing work (render a message, commit a batch) done step by step in the gaps of sending.

    `steps` yields RENDERED after each message it renders and QUEUED after each batch it commits.
    """

    def __init__(self, steps: Iterator[str] | None) -> None:
        self._steps = steps
        self.failure: BaseException | None = None

    def step(self) -> None:
        """One step, run while a message waits for the server's reply. It never raises: the reply must
        still be read and recorded, so a failure is kept for `deliver` to raise afterwards."""
        if self._steps is None:
            return
        try:
            if next(self._steps, None) is None:
                self._steps = None
        except BaseException as exc:  # Ctrl-C included: it is raised once the outcome is recorded
            self.failure, self._steps = exc, None

    def until_queued(self) -> bool:
        """Nothing is due: run steps until some messages are queued. False when no work is left."""
        while self._steps is not None:
            result = next(self._steps, None)
            if result is None:
                self._steps = None
            elif result == QUEUED:
                return True
        return False


_worker_ids = iter(range(1, 10**9))
_worker_lock = threading.Lock()


def deliver(
    store: Store,
    transport: Transport,
    *,
    owner: str,
    now: Callable[[], datetime],
    policy: RetryPolicy,
    kinds: Iterable[str],
    report: DeliveryReport,
    recipient: str | None = None,
    queueing: Iterator[str] | None = None,
    wall: Callable[[], datetime] = utc_now,
    limit: int | None = None,
) -> DeliveryReport:
    """Send every due row of `kinds` (or only `recipient`'s) through `transport`, one claim at a time.

    The outcome of message k and the claim of message k+1 share one write transaction. `queueing`: the
    steps that render and queue the rest of a mailing (see `Interleaved`); they run while each message
    waits for the server's reply, and whenever nothing is due. `limit`: try at most this many messages
    (one batch of a mailing that several workers send together); the rest stay due for others. `now` says
    what is due (it may stand still at an `--as-of`); row leases run on the `wall` clock, as other
    processes see it.
    """
    kinds = tuple(kinds)
    with _worker_lock:
        owner = f"{owner}:{next(_worker_ids)}"  # threads of one process never share a lease
    with store.write() as conn:
        stale = expire_stale(conn, wall=wall())
    for row in stale:  # whichever job sent it: this run found it, so this run reports it
        if policy.retry_unknown:
            again = "this run" if row.kind in kinds else f"the next run that sends {row.kind} mail"
            log.warning(
                "%s to %s (%s) was cut off mid-send: %s sends it again (retry_unknown)",
                row.kind,
                row.recipient,
                row.ref,
                again,
            )
        else:
            log.warning(
                "%s to %s (%s) was cut off mid-send: outcome unknown", row.kind, row.recipient, row.ref
            )
            report.add("unknown")
    work = Interleaved(queueing)
    done, outcome = None, None
    tried = 0
    while True:
        if limit is not None and tried >= limit:
            return _record_last(store, done, outcome, report, owner=owner, now=now(), policy=policy)
        # one transaction per message: record the last outcome and lease the next row together
        step = record_and_claim(
            store,
            done,
            outcome,
            owner=owner,
            now=now(),
            wall=wall(),
            policy=policy,
            kinds=kinds,
            recipient=recipient,
        )
        if done is not None and outcome is not None and step.recorded is not None:
            _report_sent(report, done, step.recorded, outcome.reply)
        for row in step.settled:
            _report_settled(report, row)
        done, outcome = step.claimed, None
        if done is None:
            if work.until_queued():
                continue
            return report
        outcome = _send(transport, done.payload, while_waiting=work.step)
        tried += 1
        if outcome.no_connection:  # nothing went out: give the row back and stop trying this run
            release_claim(store, done, outcome.reply, owner=owner, now=now())
            return _stop_sending(report, work, outcome.reply)
        if work.failure is not None:  # rendering the next message failed: record this one, then stop
            state = record_result(
                store, done, outcome.state, outcome.reply, owner=owner, now=now(), policy=policy
            )
            _report_sent(report, done, state, outcome.reply)
            raise work.failure


def _record_last(
    store: Store,
    done: Claimed | None,
    outcome: SendResult | None,
    report: DeliveryReport,
    *,
    owner: str,
    now: datetime,
    policy: RetryPolicy,
) -> DeliveryReport:
    """Record the outcome of the message last sent, claiming no other."""
    if done is not None and outcome is not None:
        state = record_result(store, done, outcome.state, outcome.reply, owner=owner, now=now, policy=policy)
        _report_sent(report, done, state, outcome.reply)
    return report


def send_mailing(
    store: Store,
    transport: Transport,
    queueing: Iterator[str],
    *,
    kind: str,
    report: DeliveryReport,
    policy: RetryPolicy,
    now: Callable[[], datetime],
    recipient: str | None = None,
) -> DeliveryReport:
    """Run a mailing's `queueing` steps and deliver every due `kind` row; a dry run only renders."""
    if report.dry_run:
        deque(queueing, maxlen=0)  # render everything, queue nothing
        return report
    return deliver(
        store,
        transport,
        owner=lock_owner(),
        now=now,
        policy=policy,
        kinds=(kind,),
        report=report,
        recipient=recipient,
        queueing=queueing,
    )


def _stop_sending(report: DeliveryReport, work: Interleaved, reply: str) -> DeliveryReport:
    """The mail server cannot be reached: queue what is left (nothing is lost) but send no more this run."""
    while work.until_queued():
        pass
    log.error("%s: stopped sending: %s; the queued messages wait for the next run", report.job, reply)
    report.stopped = reply
    return report


def _report_settled(report: DeliveryReport, row: LedgerRow) -> None:
    """A row settled without an attempt: its recipient left, or its time was over."""
    if row.state == "expired":
        log.warning("%s to %s (%s) expired unsent: %s", row.kind, row.recipient, row.ref, row.last_reply)
    else:
        log.info("%s to %s (%s) suppressed: no longer subscribed", row.kind, row.recipient, row.ref)
    report.add(row.state)


def _report_sent(report: DeliveryReport, claimed: Claimed, state: str, reply: str) -> None:
    report.add(state)
    if state == "sent" and report.sent_refs is not None:
        report.sent_refs.append(claimed.ref)
    level = logging.INFO if state == "sent" else logging.WARNING
    log.log(level, "%s to %s (%s): %s: %s", claimed.kind, claimed.recipient, claimed.ref, state, reply)


def _send(transport: Transport, payload: bytes, *, while_waiting: Callable[[], None]) -> SendResult:
    try:
        return transport.send(StoredMessage.from_bytes(payload), while_waiting=while_waiting)
    except Exception as exc:  # a broken message must not stop the others; the transports raise before sending
        log.exception("could not hand a message to the transport")
        return SendResult("failed", f"{type(exc).__name__}: {exc}")


def run_retries(
    config: Config, store: Store, transport: Transport, *, now: Callable[[], datetime]
) -> DeliveryReport:
    """Send the digests, reminders and sign-up mails that are due again (deferred, or left queued by a
    stopped run or a killed process)."""
    with job(store, "retry", now=now) as detail:
        report = DeliveryReport("retry")
        deliver(
            store,
            transport,
            owner=lock_owner(),
            now=now,
            policy=retry_policy(config),
            kinds=("digest", "reminder", *SIGNUP_KINDS),
            report=report,
        )
        detail.update(report.detail())
    return report
