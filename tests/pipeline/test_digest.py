"""Digests end to end through the ledger: periods, issues, per-subscriber selection, SMTP outcomes."""

from __future__ import annotations

import mailbox
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scc_sync.effects import Effects
from scc_sync.newsletter.tokens import TokenSigner
from scc_sync.newsletter.transports import MaildirTransport, SmtpTransport
from scc_sync.pipeline.deliver import run_retries
from scc_sync.pipeline.digest import digest_period, run_digest
from scc_sync.store import Store
from scc_sync.store.outbox import list_ledger
from scc_sync.store.runs import last_runs
from scc_sync.store.schema import digest_issues, job_runs
from scc_sync.store.subscribers import (
    get_subscriber,
    sync_config_subscribers,
    unsubscribe,
    update_preferences,
)
from tests.pipeline.helpers import (
    SCC_2020_RECAP,
    SECRET,
    SECRET_ENV,
    add_item,
    config,
    fixed,
    mail_kit,
    parse,
)

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2021, 10, 25, 7, 0, tzinfo=BERLIN)  # weekly run: covers ISO week 42 (18-24 Oct)
WEEK42 = datetime(2021, 10, 20, 12, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def people(*specs: str, **extra: object) -> list[dict[str, object]]:
    return [{"email": s, "name": f"Jörg {s[:3]}", **extra} for s in specs]


def maildir_messages(path: Path) -> list:
    box = mailbox.Maildir(path, factory=None, create=False)
    return [parse(box.get_bytes(key)) for key in sorted(box.keys())]


def test_periods_are_the_last_closed_day_and_iso_week_in_local_time() -> None:
    # 00:30 Berlin on 1 Nov is still 31 Oct in UTC: the local calendar decides
    now = datetime(2021, 11, 1, 0, 30, tzinfo=BERLIN)
    daily, weekly = digest_period("daily", now, BERLIN), digest_period("weekly", now, BERLIN)
    assert daily.key == "2021-10-31" and weekly.key == "2021-W43"
    assert daily.start == datetime(2021, 10, 31, tzinfo=BERLIN) and daily.end == datetime(
        2021, 11, 1, tzinfo=BERLIN
    )
    assert daily.end - daily.start == timedelta(hours=25)  # the day summer time ended
    assert weekly.start == datetime(2021, 10, 25, tzinfo=BERLIN) and weekly.end == daily.end


def test_weekly_digest_once_per_item_with_facts_and_update_marks(store: Store, tmp_path: Path) -> None:
    cfg = config(people("anna@example.org", "bob@example.org"))
    add_item(store, "recap", at=WEEK42 - timedelta(days=10), summary=SCC_2020_RECAP)  # week 41
    add_item(
        store, "recap", at=WEEK42, text="Neue Fassung mit Zahlen.", summary=SCC_2020_RECAP
    )  # revision 2, week 42
    add_item(store, "news", at=WEEK42 + timedelta(hours=1), title="Wärmeplanung: Förderung für Kommunen")
    add_item(store, "next-week", at=MONDAY + timedelta(hours=1))  # not in the closed period
    box = tmp_path / "maildir"
    with MaildirTransport(box) as transport:
        report = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
        assert report.line() == "digest: 2 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown"
        assert (
            run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY + timedelta(hours=2))).sent == 0
        )
    messages = maildir_messages(box)
    assert sorted(str(m["To"]) for m in messages) == [
        "Jörg ann <anna@example.org>",
        "Jörg bob <bob@example.org>",
    ]
    html = messages[0].get_body(("html",)).get_content()
    assert "Wärmeplanung: Förderung für Kommunen" in html and "Meldung next-week" not in html
    assert "Aktualisiert" in html and "Fassung 2" in html  # the recap changed this week
    assert "Auf einen Blick" in html and "10.600" in html  # the stored summary's facts box
    with store.read() as conn:
        assert conn.execute(select(digest_issues.c.frequency, digest_issues.c.period_key)).all() == [
            ("weekly", "2021-W42")
        ]
        anna = get_subscriber(conn, "anna@example.org")
    unsubscribe_url = messages[0]["List-Unsubscribe"].strip("<>")
    token, _, lang = unsubscribe_url.rsplit("/", 1)[1].partition("?lang=")
    assert unsubscribe_url.startswith("https://news.example.org/unsubscribe/")
    assert lang == "de"  # the page opens in the subscriber's language
    subject = TokenSigner([SECRET.encode()]).verify(token, "unsubscribe", now=MONDAY)
    assert subject in {str(anna.id), str(anna.id + 1)}


def test_an_item_reaches_a_subscriber_once_even_after_switching_to_daily(
    store: Store, tmp_path: Path
) -> None:
    cfg = config(people("anna@example.org"))
    add_item(store, "sunday", at=datetime(2021, 10, 24, 12, tzinfo=BERLIN))
    box = tmp_path / "maildir"
    with MaildirTransport(box) as transport:
        assert (
            run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY)).sent == 1
        )  # weekly, week 42
        daily = config(people("anna@example.org", frequency="daily"))
        # daily run on Monday covers Sunday: the same item, already delivered: no mail
        assert (
            run_digest(daily, store, transport, mail_kit(daily), now=fixed(MONDAY + timedelta(hours=1))).sent
            == 0
        )
        add_item(store, "sunday", at=datetime(2021, 10, 25, 12, tzinfo=BERLIN), text="geändert")
        assert (
            run_digest(daily, store, transport, mail_kit(daily), now=fixed(MONDAY + timedelta(days=1))).sent
            == 1
        )  # revision 2
    assert len(maildir_messages(box)) == 2


def test_filters_window_and_empty_digests(store: Store, tmp_path: Path) -> None:
    cfg = config(
        [
            {"email": "waerme@example.org", "keywords": ["wärmeplanung"]},
            {"email": "dst@example.org", "sources": ["dst"]},
            {"email": "nobody@example.org", "keywords": ["Breitband"]},
        ]
    )
    add_item(store, "w", at=WEEK42, title="Kommunale Wärmeplanung startet")
    add_item(store, "d", at=WEEK42, source="dst", title="Kassenkredite: Kommunen fordern Hilfe")
    box = tmp_path / "maildir"
    with MaildirTransport(box) as transport:
        report = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
    got = {str(m["To"]): m.get_body(("plain",)).get_content() for m in maildir_messages(box)}
    assert report.sent == 2 and set(got) == {"waerme@example.org", "dst@example.org"}
    assert "Wärmeplanung" in got["waerme@example.org"] and "Kassenkredite" not in got["waerme@example.org"]
    assert "Kassenkredite" in got["dst@example.org"] and "Wärmeplanung" not in got["dst@example.org"]


def test_a_newcomer_gets_only_what_changed_within_the_window(store: Store, tmp_path: Path) -> None:
    cfg = config(people("new@example.org"), digest={"window": "2d"})
    add_item(store, "old", at=datetime(2021, 10, 18, 9, tzinfo=BERLIN))
    add_item(store, "recent", at=datetime(2021, 10, 24, 9, tzinfo=BERLIN))
    with MaildirTransport(tmp_path / "maildir") as transport:
        run_digest(
            cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY)
        )  # subscribes at MONDAY: window reaches 23 Oct
    [msg] = maildir_messages(tmp_path / "maildir")
    text = msg.get_body(("plain",)).get_content()
    assert "Meldung recent" in text and "Meldung old" not in text


def smtp_config(server, addresses: list[str], **delivery: object):
    return config(
        people(*addresses),
        delivery={
            "transport": "smtp",
            "smtp": {"host": server.host, "port": server.port, "security": "none", "timeout": 0.5},
            **delivery,
        },
    )


def test_smtp_refusals_slow_replies_and_drops_are_recorded_per_recipient(store: Store, smtp_server) -> None:
    addresses = [
        "busy@example.org",
        "gone@example.org",
        "ok1@example.org",
        "ok2@example.org",
        "slow@example.org",
    ]
    cfg = smtp_config(smtp_server, addresses)
    add_item(store, "news", at=WEEK42, title="Größere Änderungen für Städte – Überblick")
    handler = smtp_server.handler
    handler.rcpt_replies["busy@example.org"] = "451 4.3.0 try later"
    handler.rcpt_replies["gone@example.org"] = "550 5.1.1 user unknown"
    with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=0.5) as transport:
        report = run_digest(
            cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY), subscriber="busy@example.org"
        )
        assert (report.deferred, report.sent) == (1, 0)
        report = run_digest(
            cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY), subscriber="gone@example.org"
        )
        assert report.failed == 1
        handler.drop_on_mail = 1  # the connection dies before the message: retried on a fresh one
        report = run_digest(
            cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY), subscriber="ok1@example.org"
        )
        assert report.sent == 1
        handler.data_delay = 1.5  # longer than the client's timeout: the outcome is unknown
        report = run_digest(
            cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY), subscriber="slow@example.org"
        )
        assert report.unknown == 1
        handler.data_delay = 0
        report = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
        assert report.line() == "digest: 1 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown"  # ok2 only
    with store.read() as conn:
        states = {r.recipient: (r.state, r.last_reply) for r in list_ledger(conn)}
    assert states["busy@example.org"][0] == "deferred" and states["busy@example.org"][1].startswith("451")
    assert states["gone@example.org"] == ("failed", "550 5.1.1 user unknown")
    with store.read() as conn:  # a dead mailbox (5.1.1) gets no more mail; the others stay
        assert get_subscriber(conn, "gone@example.org").status == "bounced"
        assert get_subscriber(conn, "busy@example.org").status == "confirmed"
    assert (
        states["slow@example.org"][0] == "unknown"
        and "no reply after message data" in states["slow@example.org"][1]
    )
    received = [parse(m.data) for m in handler.messages]
    assert sorted(str(m["To"].addresses[0].addr_spec) for m in received) == [
        "ok1@example.org",
        "ok2@example.org",
    ]
    assert {m["Subject"] for m in received} == {received[0]["Subject"]}
    assert "Größere Änderungen für Städte – Überblick" in received[0].get_body(("plain",)).get_content()
    assert received[0]["To"].addresses[0].display_name == "Jörg ok1"


def test_deferred_mail_is_retried_later_or_suppressed_after_unsubscribe(store: Store, smtp_server) -> None:
    cfg = smtp_config(smtp_server, ["a@example.org", "b@example.org", "c@example.org"])
    add_item(store, "news", at=WEEK42)
    handler = smtp_server.handler
    handler.rcpt_replies_once.update({"a@example.org": "451 4.3.0 later", "b@example.org": "451 4.3.0 later"})
    with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=5) as transport:
        first = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
        with store.write() as conn:
            unsubscribe(conn, get_subscriber(conn, "b@example.org").id, now=MONDAY)
        too_early = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY + timedelta(minutes=4)))
        later = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY + timedelta(minutes=6)))
        assert (
            run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY + timedelta(hours=1)))
            .line()
            .startswith("digest: 0 sent, 0 deferred")
        )
    assert (first.sent, first.deferred) == (1, 2)
    assert too_early.sent == too_early.deferred == 0
    assert (later.sent, later.suppressed) == (1, 1)
    assert sorted(m.rcpt_tos[0] for m in handler.messages) == ["a@example.org", "c@example.org"]
    assert handler.ehlo_count == 1  # one connection carried every message


def test_turning_reminders_off_keeps_digests_coming(store: Store, tmp_path: Path) -> None:
    cfg = config(people("anna@example.org"))
    add_item(store, "news", at=WEEK42)
    with store.write() as conn:
        sync_config_subscribers(conn, [s.to_subscriber() for s in cfg.subscribers], now=MONDAY)
        update_preferences(conn, get_subscriber(conn, "anna@example.org").id, now=MONDAY, reminders=False)
    with MaildirTransport(tmp_path / "m") as transport:
        assert (
            run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY)).sent == 1
        )  # reminders off: digests still come


def _pending_states(store: Store) -> list[tuple[str, int]]:
    with store.read() as conn:
        return sorted((r.state, r.attempts) for r in list_ledger(conn))


def test_a_login_the_server_refuses_stops_the_run_after_one_try(store: Store, monkeypatch) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from smtpserver import MisbehavingHandler, _free_port

    tries: list[str] = []

    def refuse(server, session, envelope, mechanism, auth_data) -> AuthResult:
        tries.append(mechanism)
        return AuthResult(success=False, handled=False)

    handler = MisbehavingHandler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=_free_port(), authenticator=refuse, auth_require_tls=False
    )
    controller.start()
    try:
        monkeypatch.setenv("SCC_SYNC_TEST_SMTP_PASSWORD", "wrong")
        cfg = config(
            people("a@example.org", "b@example.org", "c@example.org"),
            delivery={
                "transport": "smtp",
                "smtp": {
                    "host": "127.0.0.1",
                    "port": controller.port,
                    "security": "none",
                    "username": "digest",
                    "password_env": "SCC_SYNC_TEST_SMTP_PASSWORD",
                },
            },
        )
        add_item(store, "news", at=WEEK42)
        with Effects().transport(cfg) as transport:
            report = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
    finally:
        controller.stop()
    assert tries and handler.ehlo_count == 1  # one session tried to log in, not one per message
    assert handler.messages == []
    assert (report.sent, report.deferred, report.problems) == (0, 0, 1)
    assert f"SMTP 127.0.0.1:{controller.port}: login refused: 535" in report.line()
    assert report.line().endswith("check [delivery.smtp] username and password")
    assert _pending_states(store) == [("queued", 0)] * 3  # nothing lost, no retry used up


def test_an_unreachable_server_stops_the_run_and_queues_the_rest(store: Store) -> None:
    from smtpserver import _free_port

    addresses = [f"user{i:02d}@example.org" for i in range(30)]  # more than the first queueing batch
    cfg = config(
        people(*addresses),
        delivery={
            "transport": "smtp",
            "smtp": {"host": "127.0.0.1", "port": _free_port(), "security": "none"},
        },
    )
    add_item(store, "news", at=WEEK42)
    with Effects().transport(cfg) as transport:
        report = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
    assert "stopped sending, the rest waits for the next run" in report.line()
    assert "ConnectionRefusedError" in report.line()
    assert report.problems and _pending_states(store) == [("queued", 0)] * 30  # all promised, none lost
    with store.read() as conn:
        [(status, detail)] = conn.execute(select(job_runs.c.status, job_runs.c.detail)).all()
    assert status == "failed" and "ConnectionRefusedError" in detail["stopped"]
    with store.read() as conn:  # what `scc-sync status` shows for the run
        [run] = last_runs(conn)
    assert run["result"].startswith("stopped sending: SMTP 127.0.0.1:")


def test_days_without_a_digest_run_are_caught_up_by_the_next_issue(store: Store, tmp_path: Path) -> None:
    cfg = config(people("anna@example.org", frequency="daily"), digest={"catch_up": "3d"})
    day = datetime(2021, 10, 18, 12, tzinfo=BERLIN)  # a Monday
    for n in range(6):
        add_item(store, f"day{n}", at=day + timedelta(days=n), title=f"Meldung vom Tag {n}")
    box = tmp_path / "maildir"
    with MaildirTransport(box) as transport:
        # day 1, 07:00 covers day 0; then nothing runs for days 1 to 4 (the service was down)
        first = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(day + timedelta(days=1, hours=-5)))
        # day 6, 07:00 covers day 5 and catches up the skipped days
        later = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(day + timedelta(days=6, hours=-5)))
    assert (first.sent, later.sent) == (1, 1)
    first_mail, caught_up = sorted(  # the catch-up issue is the one with day 5 in it
        maildir_messages(box), key=lambda m: "Tag 5" in m.get_body(("plain",)).get_content()
    )
    first_text, text = (m.get_body(("plain",)).get_content() for m in (first_mail, caught_up))
    assert first_mail["Subject"] == "SCC-Digest: 1 neue Meldung (18.10.2021)"
    assert caught_up["Subject"] == "SCC-Digest: 4 neue Meldungen (20.10.2021 – 23.10.2021)"
    assert "Meldung vom Tag 0" in first_text
    assert [n for n in range(6) if f"== Meldung vom Tag {n}" in text] == [2, 3, 4, 5]  # 3 days back at most
    assert "20. Oktober 2021" in text and "23. Oktober 2021" in text  # the intro names the whole range
    with store.read() as conn:
        starts = conn.execute(select(digest_issues.c.period_key, digest_issues.c.period_start)).all()
    assert [(key, start.astimezone(BERLIN).day) for key, start in starts] == [
        ("2021-10-18", 18),
        ("2021-10-23", 20),
    ]


def test_the_first_issue_does_not_reach_back_into_the_archive(store: Store, tmp_path: Path) -> None:
    cfg = config(people("anna@example.org", frequency="daily"), digest={"window": "30d"})
    day = datetime(2021, 10, 18, 12, tzinfo=BERLIN)
    add_item(store, "old", at=day - timedelta(days=3), title="Alte Meldung")
    add_item(store, "new", at=day, title="Neue Meldung")
    with MaildirTransport(tmp_path / "maildir") as transport:
        run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(day + timedelta(days=1, hours=-5)))
    [mail] = maildir_messages(tmp_path / "maildir")
    text = mail.get_body(("plain",)).get_content()
    assert "Neue Meldung" in text and "Alte Meldung" not in text


def test_the_retry_job_sends_what_is_due_again_between_digest_runs(store: Store, smtp_server) -> None:
    cfg = smtp_config(smtp_server, ["a@example.org", "b@example.org"])
    add_item(store, "news", at=WEEK42)
    smtp_server.handler.rcpt_replies_once["a@example.org"] = "451 4.3.0 later"
    with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=5) as transport:
        digest = run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY))
        early = run_retries(cfg, store, transport, now=fixed(MONDAY + timedelta(minutes=4)))
        due = run_retries(cfg, store, transport, now=fixed(MONDAY + timedelta(minutes=6)))
    assert (digest.sent, digest.deferred) == (1, 1)
    assert early.line() == "retry: 0 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown"  # not due yet
    assert due.line() == "retry: 1 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown"
    assert sorted(m.rcpt_tos[0] for m in smtp_server.handler.messages) == ["a@example.org", "b@example.org"]


def test_an_address_refused_three_times_in_a_row_is_marked_bounced(store: Store, smtp_server) -> None:
    cfg = config(
        people("picky@example.org", "ok@example.org", frequency="daily"),
        delivery={"transport": "smtp", "smtp": {"host": smtp_server.host, "port": smtp_server.port}},
    )
    smtp_server.handler.rcpt_replies["picky@example.org"] = "554 5.7.1 message rejected as spam"
    day = datetime(2021, 10, 18, 12, tzinfo=BERLIN)
    statuses = []
    with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=5) as transport:
        for n in range(4):
            add_item(store, f"day{n}", at=day + timedelta(days=n))
            run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(day + timedelta(days=n + 1, hours=-5)))
            with store.read() as conn:
                statuses.append(get_subscriber(conn, "picky@example.org").status)
    assert statuses == ["confirmed", "confirmed", "bounced", "bounced"]  # a spam verdict alone is no proof
    with store.read() as conn:
        picky = [r.state for r in list_ledger(conn) if r.recipient == "picky@example.org"]
    assert picky == ["failed"] * 3  # nothing queued for the fourth day
    assert len([m for m in smtp_server.handler.messages if m.rcpt_tos == ["ok@example.org"]]) == 4
