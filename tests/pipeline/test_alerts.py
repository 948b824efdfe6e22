"""Operator alerts: one mail per broken source and day, deduplicated in the outbox, over a real transport."""

from __future__ import annotations

import email
import email.policy
import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from scc_sync.config import parse_config
from scc_sync.newsletter.transports import MaildirTransport, SmtpTransport
from scc_sync.pipeline.alerts import send_alerts
from scc_sync.store import Store
from scc_sync.store.schema import outbox
from scc_sync.store.sources import ensure_source, update_source

T0 = datetime(2021, 10, 19, 8, 0, tzinfo=UTC)
CONFIG = parse_config(
    {"delivery": {"operator": "Betrieb@Verband.example", "from": "scc <digest@verband.example>"}}
)


def add_source(store: Store, name: str, **state: object) -> None:
    with store.write() as conn:
        ensure_source(conn, name=name, kind="page", url=f"https://{name}.example/", now=T0)
        update_source(conn, name, **state)


def mails(path: Path) -> list[email.message.EmailMessage]:
    box = mailbox.Maildir(path, create=False)
    keys = list(box.keys())  # (iterating a Maildir yields messages, not keys)
    return [email.message_from_bytes(box.get_bytes(k), policy=email.policy.default) for k in keys]


def test_one_alert_per_source_and_day(store: Store, tmp_path: Path) -> None:
    add_source(store, "kaputt", failures=3, last_error="HTTP 500 Internal Server Error", last_status=500)
    add_source(store, "wackelig", failures=2, last_error="timeout")  # below the threshold of 3
    add_source(
        store, "stumm", failures=0, warning="link_selector found no links (it found 12 last time): ..."
    )
    add_source(store, "gesund", failures=0)
    with MaildirTransport(tmp_path / "mail") as transport:
        assert sorted(send_alerts(CONFIG, store, transport, now=lambda: T0)) == ["kaputt", "stumm"]
        # Later the same day (and after a restart: the outbox is the memory), nothing new.
        assert send_alerts(CONFIG, store, transport, now=lambda: T0 + timedelta(hours=6)) == []
        # The next local day: still broken, so one more each.
        next_day = T0 + timedelta(days=1)
        assert sorted(send_alerts(CONFIG, store, transport, now=lambda: next_day)) == ["kaputt", "stumm"]
    sent = mails(tmp_path / "mail")
    assert len(sent) == 4
    kaputt = next(m for m in sent if "kaputt" in m["Subject"])
    assert kaputt["To"] == "Betrieb@Verband.example"
    assert "has failed 3 times in a row; last error: HTTP 500" in kaputt.get_content()
    with store.read() as conn:
        rows = conn.execute(
            select(outbox.c.ref, outbox.c.recipient, outbox.c.state).order_by(outbox.c.ref)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("kaputt:2021-10-19", "betrieb@verband.example", "sent"),
        ("kaputt:2021-10-20", "betrieb@verband.example", "sent"),
        ("stumm:2021-10-19", "betrieb@verband.example", "sent"),
        ("stumm:2021-10-20", "betrieb@verband.example", "sent"),
    ]


def test_alert_day_is_the_local_day(store: Store, tmp_path: Path) -> None:
    add_source(store, "kaputt", failures=5, last_error="refused")
    late_evening = datetime(2021, 10, 19, 21, 30, tzinfo=UTC)  # 23:30 in Berlin
    after_midnight = datetime(2021, 10, 19, 22, 30, tzinfo=UTC)  # 00:30 on the 20th in Berlin
    with MaildirTransport(tmp_path / "mail") as transport:
        assert send_alerts(CONFIG, store, transport, now=lambda: late_evening) == ["kaputt"]
        assert send_alerts(CONFIG, store, transport, now=lambda: after_midnight) == ["kaputt"]


def test_deferred_alert_is_retried_later_that_day(store: Store, smtp_server) -> None:
    add_source(store, "kaputt", failures=3, last_error="HTTP 503")
    smtp_server.handler.rcpt_replies_once["Betrieb@Verband.example"] = "451 4.3.0 try again later"
    transport = SmtpTransport(smtp_server.host, smtp_server.port, security="none")
    with transport:
        assert send_alerts(CONFIG, store, transport, now=lambda: T0) == []
        with store.read() as conn:
            assert conn.scalar(select(outbox.c.state)) == "deferred"
        assert send_alerts(CONFIG, store, transport, now=lambda: T0 + timedelta(minutes=30)) == ["kaputt"]
        assert send_alerts(CONFIG, store, transport, now=lambda: T0 + timedelta(hours=1)) == []
    assert len(smtp_server.handler.messages) == 1
    with store.read() as conn:
        assert conn.execute(select(outbox.c.state, outbox.c.attempts)).one() == ("sent", 2)


def test_no_operator_no_alerts(store: Store, tmp_path: Path) -> None:
    add_source(store, "kaputt", failures=9, last_error="HTTP 500")
    with MaildirTransport(tmp_path / "mail") as transport:
        assert send_alerts(parse_config({}), store, transport, now=lambda: T0) == []
    assert mails(tmp_path / "mail") == []
