import email
import mailbox
import socket
import ssl
import subprocess
from datetime import UTC, datetime
from email import policy

import pytest
from aiosmtpd.controller import Controller

from scc_sync.effects import Effects, tls_context
from scc_sync.models import Subscriber
from scc_sync.newsletter.messages import build_digest_message, build_reminder_message
from scc_sync.newsletter.render import RenderedMail
from scc_sync.newsletter.transports import (
    MaildirTransport,
    RateLimiter,
    SmtpTransport,
    StoredMessage,
    wire_bytes,
)
from smtpserver import MisbehavingHandler, _free_port

DATE = datetime(2021, 10, 19, 7, 30, tzinfo=UTC)
MAIL = RenderedMail(
    subject="Erinnerung: Smart Country Convention in 7 Tagen – Größe & Übersicht",
    text="Hallo Jörg,\n.\nÄußerst wichtige Änderungen.\n",
    html="<p>Hallo Jörg, äöüß</p>",
)


def message(to="joerg@example.org", name="Jörg Müller", n=0):
    return build_digest_message(
        MAIL,
        sender="SCC Städtetag <news@example.org>",
        recipient=Subscriber(to, name=name),
        message_id=f"<m{n}@news.example.org>",
        list_id="digest.news.example.org",
        unsubscribe_url="https://news.example.org/u/abc",
        date=DATE,
    )


def transport(server, **kwargs):
    return SmtpTransport(server.host, server.port, security="none", timeout=5.0, **kwargs)


def test_umlauts_survive_a_round_trip_through_the_server(smtp_server):
    with transport(smtp_server) as t:
        result = t.send(message())
    assert result.state == "sent" and result.reply.startswith("250")
    (received,) = smtp_server.handler.messages
    assert received.mail_from == "news@example.org" and received.rcpt_tos == ["joerg@example.org"]
    parsed = email.message_from_bytes(received.data, policy=policy.default)
    assert parsed["Subject"] == MAIL.subject
    assert parsed["To"].addresses[0].display_name == "Jörg Müller"
    text, html = parsed.iter_parts()
    assert text.get_content().replace("\r\n", "\n") == MAIL.text  # includes a line that is just "."
    assert "äöüß" in html.get_content()
    assert parsed["List-Unsubscribe"] == "<https://news.example.org/u/abc>"


def test_many_messages_share_one_connection_and_one_ehlo(smtp_server):
    with transport(smtp_server) as t:
        results = [t.send(message(f"user{n}@example.org", n=n)) for n in range(25)]
    assert {r.state for r in results} == {"sent"}
    assert len(smtp_server.handler.messages) == 25
    assert smtp_server.handler.ehlo_count == 1
    assert t.connections == 1


def test_451_on_rcpt_defers_and_the_connection_carries_on(smtp_server):
    smtp_server.handler.rcpt_replies["busy@example.org"] = "451 4.3.0 try later"
    with transport(smtp_server) as t:
        deferred = t.send(message("busy@example.org"))
        sent = t.send(message("ok@example.org"))
    assert deferred.state == "deferred" and deferred.reply == "451 4.3.0 try later"
    assert sent.state == "sent"
    assert [m.rcpt_tos for m in smtp_server.handler.messages] == [["ok@example.org"]]
    assert smtp_server.handler.ehlo_count == 1  # RSET, not a new connection


def test_550_on_rcpt_fails_permanently(smtp_server):
    smtp_server.handler.rcpt_replies["gone@example.org"] = "550 5.1.1 user unknown"
    with transport(smtp_server) as t:
        failed = t.send(message("gone@example.org"))
        sent = t.send(message("ok@example.org"))
    assert failed.state == "failed" and failed.reply == "550 5.1.1 user unknown"
    assert sent.state == "sent"


def test_421_reconnects_and_delivers_once(smtp_server):
    smtp_server.handler.rcpt_replies_once["a@example.org"] = "421 4.7.0 closing, too busy"
    with transport(smtp_server) as t:
        result = t.send(message("a@example.org"))
    assert result.state == "sent"
    assert len(smtp_server.handler.messages) == 1
    assert smtp_server.handler.ehlo_count == 2 and t.connections == 2


def test_dropped_connection_before_data_reconnects(smtp_server):
    with transport(smtp_server) as t:
        assert t.send(message(n=1)).state == "sent"
        smtp_server.handler.drop_on_mail = 1  # the server hangs up idle connection at the next MAIL
        assert t.send(message(n=2)).state == "sent"
    assert [m.data.count(b"Message-ID: <m") for m in smtp_server.handler.messages] == [1, 1]
    assert t.connections == 2


def test_connection_dropped_twice_defers(smtp_server):
    smtp_server.handler.drop_on_mail = 2
    with transport(smtp_server) as t:
        result = t.send(message())
        assert result.state == "deferred" and "before DATA" in result.reply
        assert t.send(message()).state == "sent"


def test_slow_reply_after_data_is_unknown(smtp_server):
    smtp_server.handler.data_delay = 1.0
    with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=0.2) as t:
        result = t.send(message())
        assert result.state == "unknown" and "timed out" in result.reply
        smtp_server.handler.data_delay = 0.0
        assert t.send(message()).state == "sent"  # a fresh connection for the next one
    assert t.connections == 2


def test_drop_after_data_is_unknown(smtp_server):
    smtp_server.handler.drop_on_data = 1
    with transport(smtp_server) as t:
        result = t.send(message())
    assert result.state == "unknown"
    assert smtp_server.handler.messages == []


def test_no_server_defers_without_raising():
    with SmtpTransport("127.0.0.1", _free_port(), security="none", timeout=1.0) as t:
        result = t.send(message())
    assert result.state == "deferred" and "ConnectionRefusedError" in result.reply


def test_reminder_calendar_keeps_crlf_through_smtp(smtp_server):
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n"
    msg = build_reminder_message(
        MAIL,
        ics,
        sender="news@example.org",
        recipient=Subscriber("a@example.org"),
        message_id="<r@news.example.org>",
        list_id="l.example.org",
        unsubscribe_url="https://news.example.org/u/x",
        date=DATE,
    )
    with transport(smtp_server) as t:
        assert t.send(msg).state == "sent"
    parsed = email.message_from_bytes(smtp_server.handler.messages[0].data, policy=policy.default)
    calendar = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_payload(decode=True) == ics


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limit_spaces_messages(smtp_server):
    clock = FakeClock()
    with transport(smtp_server, max_per_second=4, clock=clock, sleep=clock.sleep) as t:
        for n in range(5):
            assert t.send(message(n=n)).state == "sent"
    assert clock.slept == pytest.approx([0.25] * 4)


def test_rate_limiter_refills_while_idle():
    clock = FakeClock()
    limiter = RateLimiter(2, burst=2, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.acquire()
    assert clock.slept == []
    limiter.acquire()
    assert clock.slept == pytest.approx([0.5])
    clock.now += 10
    limiter.acquire()
    limiter.acquire()
    assert clock.slept == pytest.approx([0.5])


def test_maildir_stores_exactly_the_wire_bytes(tmp_path):
    msg = message()
    with MaildirTransport(tmp_path / "mail") as t:
        result = t.send(msg)
    assert result.state == "sent"
    box = mailbox.Maildir(tmp_path / "mail", create=False)
    (key,) = box.keys()
    stored = box.get_bytes(key)
    assert stored == wire_bytes(msg)
    parsed = email.message_from_bytes(stored, policy=policy.default)
    assert parsed["Subject"] == MAIL.subject


def test_two_transports_can_create_the_same_maildir_and_complete_a_half_made_one(tmp_path):
    (tmp_path / "mail" / "tmp").mkdir(parents=True)  # as left by a rival that lost the race midway
    first, second = MaildirTransport(tmp_path / "mail"), MaildirTransport(tmp_path / "mail")
    assert first.send(message(n=1)).state == "sent" and second.send(message(n=2)).state == "sent"
    assert len(mailbox.Maildir(tmp_path / "mail", create=False)) == 2


@pytest.mark.parametrize("kind", ["digest", "reminder"])
def test_wire_bytes_equal_the_standard_generator(kind):
    msg = message() if kind == "digest" else reminder()
    assert wire_bytes(msg) == msg.as_bytes(policy=policy.SMTP)


def reminder():
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    return build_reminder_message(
        MAIL,
        ics,
        sender="SCC Städtetag <news@example.org>",
        recipient=Subscriber("joerg@example.org", name="Jörg Müller"),
        message_id="<r0@news.example.org>",
        list_id="digest.news.example.org",
        unsubscribe_url="https://news.example.org/u/abc",
        date=DATE,
    )


def test_a_stored_message_is_read_from_its_header_block_and_sent_unchanged(smtp_server):
    data = wire_bytes(reminder())
    stored = StoredMessage.from_bytes(data)
    assert stored["To"] and stored.get_payload() == ""  # the body was not parsed
    headers_only = b"From: news@example.org\r\nTo: a@example.org,\r\n b@example.org\r\nSubject: x\r\n"
    with transport(smtp_server) as t:
        assert t.send(stored).state == "sent"
        assert t.send(StoredMessage.from_bytes(headers_only)).state == "sent"  # no blank line, no body
    first, second = smtp_server.handler.messages
    assert first.data == data and first.rcpt_tos == ["joerg@example.org"]
    assert second.rcpt_tos == ["a@example.org", "b@example.org"]


# -- TLS: verified by default ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def starttls_server(certificate):
    cert, key = certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    handler = MisbehavingHandler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=_free_port(), tls_context=server_ctx, require_starttls=True
    )
    controller.start()
    yield controller, handler
    controller.stop()


def test_starttls_rejects_an_unverified_certificate(starttls_server):
    controller, handler = starttls_server
    with SmtpTransport("127.0.0.1", controller.port, security="starttls", timeout=5.0) as t:
        result = t.send(message())
    assert result.state == "deferred" and result.no_connection
    assert "TLS certificate did not verify (self-signed certificate)" in result.reply
    assert handler.messages == []


def test_starttls_delivers_with_a_trusted_certificate(starttls_server, certificate):
    controller, handler = starttls_server
    client_ctx = ssl.create_default_context(cafile=str(certificate[0]))
    with SmtpTransport(
        "127.0.0.1", controller.port, security="starttls", timeout=5.0, ssl_context=client_ctx
    ) as t:
        assert t.send(message()).state == "sent"
    assert len(handler.messages) == 1


def test_plain_smtp_is_refused_by_a_server_requiring_starttls(starttls_server):
    controller, _ = starttls_server
    with SmtpTransport("127.0.0.1", controller.port, security="none", timeout=5.0) as t:
        result = t.send(message())
    assert result.state == "failed" and result.reply.startswith("530")


def test_invalid_security_setting_is_a_clear_error():
    with pytest.raises(ValueError, match="security"):
        SmtpTransport("127.0.0.1", 25, security="ssl")  # type: ignore[arg-type]
    assert socket  # keep import for type checkers


def test_an_internal_certificate_authority_is_trusted_through_ca_file(starttls_server, certificate, tmp_path):
    from scc_sync.config import parse_config

    controller, handler = starttls_server
    smtp = {"host": "127.0.0.1", "port": controller.port, "security": "starttls", "timeout": 5.0}
    trusting = parse_config(
        {"delivery": {"transport": "smtp", "smtp": {**smtp, "ca_file": str(certificate[0])}}}
    )
    with Effects().transport(trusting) as t:
        assert t.send(message()).state == "sent"
    with Effects().transport(parse_config({"delivery": {"transport": "smtp", "smtp": smtp}})) as t:
        refused = t.send(message())
    assert "or ca_file for a server with an internal certificate authority" in refused.reply
    assert len(handler.messages) == 1


def test_a_ca_file_that_is_missing_or_not_a_certificate_is_a_config_error(tmp_path):
    from scc_sync.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"delivery\.smtp\.ca_file: no such file: '/nonexistent/ca\.pem'"):
        parse_config({"delivery": {"smtp": {"ca_file": "/nonexistent/ca.pem"}}})
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate")
    config = parse_config({"delivery": {"smtp": {"ca_file": str(junk)}}})
    with pytest.raises(ConfigError, match=r"delivery\.smtp\.ca_file: .*ca\.pem: not a PEM certificate"):
        tls_context(config.delivery.smtp)
