"""A mailing is rendered and queued in the gaps of its own delivery, and one bad mail stops nobody else."""

from __future__ import annotations

import logging
import mailbox
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from scc_sync.clock import utc_now
from scc_sync.newsletter.render import RenderError
from scc_sync.newsletter.transports import MaildirTransport, SmtpTransport
from scc_sync.pipeline.deliver import RENDERED, DeliveryReport, deliver, run_retries
from scc_sync.pipeline.digest import run_digest
from scc_sync.store import Store
from scc_sync.store.outbox import (
    FIRST_BATCH,
    QUEUE_BATCH,
    NewMessage,
    RetryPolicy,
    list_ledger,
    queue_messages,
)
from scc_sync.store.schema import outbox
from tests.pipeline.helpers import SECRET, SECRET_ENV, add_item, config, fixed, mail_kit, parse

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2021, 10, 25, 7, 0, tzinfo=BERLIN)  # weekly run: covers ISO week 42 (18-24 Oct)
WEEK42 = datetime(2021, 10, 20, 12, 0, tzinfo=BERLIN)
PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "scc_sync" / "templates"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def weekly(*addresses: str, **extra: object) -> list[dict[str, object]]:
    return [{"email": a, "frequency": "weekly", **extra} for a in addresses]


def test_a_large_mailing_starts_sending_before_it_is_fully_queued(store: Store, smtp_server) -> None:
    n = QUEUE_BATCH + 50
    addresses = [f"user{i:03d}@example.org" for i in range(n)]
    cfg = config(
        weekly(*addresses),
        delivery={"transport": "smtp", "smtp": {"host": smtp_server.host, "port": smtp_server.port}},
    )
    add_item(store, "news", at=WEEK42)
    queued_at_first_message: list[int] = []
    handler = smtp_server.handler
    original = handler.handle_DATA

    async def count_queued(server, session, envelope):  # the server looks into the ledger as mail arrives
        if not queued_at_first_message:
            with store.read() as conn:
                queued_at_first_message.append(conn.scalar(select(func.count()).select_from(outbox)))
        return await original(server, session, envelope)

    handler.handle_DATA = count_queued
    with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=5) as transport:
        report = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
    assert report.line() == f"digest: {n} sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown"
    assert queued_at_first_message == [FIRST_BATCH]  # the rest was rendered while mail went out
    received = sorted(m.rcpt_tos[0] for m in handler.messages)
    assert received == addresses  # each exactly once
    assert len({parse(m.data)["Message-ID"] for m in handler.messages}) == n


def _user_template(folder: Path, name: str, extra_line: str) -> None:
    """The package's template with one line added after its first line, as a user might edit it."""
    lines = (PACKAGE_TEMPLATES / name).read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / name).write_text("".join([lines[0], extra_line + "\n", *lines[1:]]), "utf-8")


def test_a_mail_that_cannot_be_built_costs_only_its_subscriber(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)  # user templates live in ./templates
    _user_template(tmp_path, "digest.txt", "Also: {{ entries[1].title }}")  # breaks one-item digests
    subscribers = [
        *weekly("anna@example.org", "dora@example.org", "emil@example.org"),
        *weekly("carl@example.org", keywords=["Wärme"]),  # only one item matches for Carl
    ]
    cfg = config(subscribers)
    add_item(store, "heat", at=WEEK42, title="Wärmeplanung in Kommunen")
    add_item(store, "net", at=WEEK42, title="Breitband für alle")
    box = tmp_path / "maildir"
    with caplog.at_level(logging.ERROR), MaildirTransport(box) as transport:
        report = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
    assert report.line() == (
        "digest: 3 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown; 1 not built (see the log)"
    )
    assert report.problems == 1  # the CLI exits 1
    [error] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "digest for carl@example.org not built" in error
    assert "mail template templates/digest.txt, line 2: list object has no element 1" in error
    with store.read() as conn:
        assert sorted(r.recipient for r in list_ledger(conn)) == [
            "anna@example.org",
            "dora@example.org",
            "emil@example.org",
        ]

    _user_template(tmp_path, "digest.txt", "")  # the user fixes the template; the next run catches up
    with MaildirTransport(box) as transport:
        again = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
    assert (again.sent, again.not_rendered) == (1, 0)
    stored = mailbox.Maildir(box)
    mails = [parse(stored.get_bytes(key)) for key in stored.iterkeys()]
    assert sorted(str(m["To"].addresses[0].addr_spec) for m in mails) == [
        "anna@example.org",
        "carl@example.org",
        "dora@example.org",
        "emil@example.org",
    ]


def test_a_template_syntax_error_stops_the_run_before_anything_is_queued(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _user_template(tmp_path, "digest.html", "{% if %}")
    add_item(store, "news", at=WEEK42)
    with MaildirTransport(tmp_path / "maildir") as transport, pytest.raises(RenderError) as raised:
        cfg = config(weekly("anna@example.org"))
        run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
    assert str(raised.value).startswith("mail template templates/digest.html, line 2: ")
    with store.read() as conn:
        assert list_ledger(conn) == []


def test_a_failure_while_queueing_records_the_message_in_flight_first(store: Store, smtp_server) -> None:
    addresses = ["a@example.org", "b@example.org", "c@example.org"]
    with store.write() as conn:
        queue_messages(
            conn,
            [NewMessage("alert", "r1", a, None, f"<{a}>", _mail(a)) for a in addresses],
            now=MONDAY,
        )

    def queueing():  # the rest of a mailing; the second step fails (say, the disk is full)
        yield RENDERED
        raise OSError("disk full")

    def run(steps=None) -> DeliveryReport:
        report = DeliveryReport("alert")
        with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=5) as transport:
            return deliver(
                store,
                transport,
                owner="test",
                now=fixed(MONDAY),
                policy=RetryPolicy(),
                kinds=["alert"],
                report=report,
                queueing=steps,
            )

    with pytest.raises(OSError, match="disk full"):
        run(queueing())
    with store.read() as conn:
        states = [r.state for r in list_ledger(conn)]
    assert states == ["sent", "sent", "queued"]  # the message in flight when it failed is recorded
    assert run().line() == "alert: 1 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown"
    assert [m.rcpt_tos[0] for m in smtp_server.handler.messages] == addresses


def _mail(address: str) -> bytes:
    return (
        f"From: alerts@example.org\r\nTo: {address}\r\nSubject: test\r\nMessage-ID: <{address}>\r\n\r\nhi\r\n"
    ).encode()


def test_a_run_on_an_as_of_clock_leases_rows_on_the_wall_clock(store: Store, smtp_server) -> None:
    """A digest `--as-of` 2021 is mid-send when the service's retry job (the real clock, resending unknown
    outcomes) looks at the ledger: the row's lease must still run, or the retry would send it twice."""
    cfg = config(
        weekly("anna@example.org"),
        delivery={
            "transport": "smtp",
            "retry_unknown": True,
            "smtp": {"host": smtp_server.host, "port": smtp_server.port, "security": "none", "timeout": 10},
        },
    )
    add_item(store, "news", at=WEEK42)
    handler = smtp_server.handler
    handler.data_delay = 1.0
    in_data = threading.Event()
    original = handler.handle_DATA

    async def signal_data(server, session, envelope):
        in_data.set()
        return await original(server, session, envelope)

    handler.handle_DATA = signal_data
    result: list[DeliveryReport] = []

    def time_travel() -> None:
        with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=10) as transport:
            result.append(run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY)))

    worker = threading.Thread(target=time_travel)
    worker.start()
    try:
        assert in_data.wait(10)
        with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=10) as transport:
            retry = run_retries(cfg, store, transport, now=utc_now)
    finally:
        worker.join(15)
    assert retry.line() == "retry: 0 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown"
    assert result[0].sent == 1
    assert [m.rcpt_tos for m in handler.messages] == [["anna@example.org"]]


def test_a_limited_delivery_sends_one_batch_and_leaves_the_rest_due(store: Store, tmp_path: Path) -> None:
    """The cluster's `send` tasks: each tries at most its batch, the others stay queued for other workers."""
    at = datetime(2021, 10, 25, 7, 0, tzinfo=BERLIN)
    messages = [
        NewMessage(
            "alert", f"src{i}:2021-10-25", "ops@example.org", None, f"<a{i}@x>", b"From: a@x\r\n\r\nx\r\n"
        )
        for i in range(5)
    ]
    with store.write() as conn:
        queue_messages(conn, messages, now=at)
    report = DeliveryReport("send")
    with MaildirTransport(tmp_path / "box") as box:
        deliver(
            store,
            box,
            owner="w1",
            now=fixed(at),
            policy=RetryPolicy(),
            kinds=("alert",),
            report=report,
            limit=2,
        )
    with store.read() as conn:
        states = [row.state for row in list_ledger(conn, kind="alert")]
    assert report.sent == 2 and states == ["sent", "sent", "queued", "queued", "queued"]
