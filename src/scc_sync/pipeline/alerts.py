"""Operator alerts: a mail to `[delivery] operator` about each broken source, at most once per source and
local day.

An alert is promised in the delivery ledger like every other mail (kind "alert", ref "SOURCE:DATE") and
sent by its send loop. The ledger's UNIQUE key is the once-a-day guarantee across restarts and processes;
a deferred alert is sent again by a later check once it is due, as any deferred mail is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from scc_sync.config import Config
from scc_sync.newsletter.messages import build_plain_message, message_id, sender_domain
from scc_sync.newsletter.render import RenderedMail
from scc_sync.newsletter.transports import Transport, wire_bytes
from scc_sync.pipeline.deliver import DeliveryReport, deliver, retry_policy
from scc_sync.pipeline.runs import lock_owner
from scc_sync.store import Store
from scc_sync.store.outbox import NewMessage, queue_messages
from scc_sync.store.sources import SourceState, list_sources


@dataclass(frozen=True)
class Alert:
    source: str
    reason: str


def due_alerts(sources: Iterable[SourceState], threshold: int) -> list[Alert]:
    """Sources the operator should hear about: `threshold` failures in a row, gone, or a silent selector."""
    found = []
    for state in sources:
        reason = _alert_reason(state, threshold)
        if reason:
            found.append(Alert(state.name, reason))
    return found


def _alert_reason(state: SourceState, threshold: int) -> str | None:
    if state.gone:
        return f"is gone (HTTP {state.last_status}): {state.last_error}"
    if state.failures >= threshold:
        return f"has failed {state.failures} times in a row; last error: {state.last_error}"
    if state.warning and "link_selector" in state.warning:
        return f"has a link selector that went silent: {state.warning}"
    return None


def send_alerts(
    config: Config, store: Store, transport: Transport, *, now: Callable[[], datetime]
) -> list[str]:
    """Mail the operator about broken sources; returns the sources whose alert went out now."""
    operator = config.delivery.operator
    if not operator:
        return []
    moment = now()
    today = moment.astimezone(config.zone).date().isoformat()
    with store.read() as conn:
        alerts = due_alerts(list_sources(conn), config.service.alert_after_failures)
    with store.write() as conn:
        queue_messages(
            conn, [alert_message(config, a, operator, day=today, now=moment) for a in alerts], now=moment
        )
    report = DeliveryReport("alert", sent_refs=[])
    policy = retry_policy(config)
    deliver(store, transport, owner=lock_owner(), now=now, policy=policy, kinds=("alert",), report=report)
    return [ref.rpartition(":")[0] for ref in report.sent_refs or ()]


def alert_message(config: Config, alert: Alert, operator: str, *, day: str, now: datetime) -> NewMessage:
    """The alert about one source on one local day, as the ledger promises it."""
    ref = f"{alert.source}:{day}"
    mail = RenderedMail(
        subject=f"[scc-sync] source {alert.source} needs attention",
        text=(
            f"The source '{alert.source}' {alert.reason}\n\n"
            f"Check it with `scc-sync status` and fix its entry in the configuration if the site moved.\n"
            f"You get at most one such mail per source and day.\n"
        ),
        html="",
    )
    sender = config.delivery.sender
    msg = build_plain_message(
        mail,
        sender=sender,
        to=operator,
        message_id=message_id("alert", ref, operator, sender_domain(sender)),
        date=now,
    )
    return NewMessage("alert", ref, operator, None, str(msg["Message-ID"]), wire_bytes(msg))
