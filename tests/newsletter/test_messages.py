import email
import re
from datetime import UTC, datetime
from email import policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scc_sync.models import Subscriber
from scc_sync.newsletter.messages import (
    build_digest_message,
    build_plain_message,
    build_reminder_message,
    clean_header,
    message_id,
)
from scc_sync.newsletter.render import RenderedMail
from scc_sync.newsletter.transports import wire_bytes

DATE = datetime(2021, 10, 19, 7, 30, tzinfo=UTC)
LONG_UNSUB = "https://news.example.org/unsubscribe/" + "Zm9vYmFy" * 12 + ".1a2b3c.QUJDREVGR0hJSktMTU5PUA"
MAIL = RenderedMail(
    subject="SCC-Digest: 3 neue Meldungen über die Smart Country Convention in Berlin-Schöneberg (KW 44)",
    text="Hallo Jörg,\nÄnderungen für die Größe ≥ 600 px.\n.\nEin Punkt am Zeilenanfang.\n",
    html="<p>Hallo Jörg, Änderungen</p>",
)
ICS = b"BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def digest(recipient=None, mail=MAIL, unsubscribe_url=LONG_UNSUB):
    return build_digest_message(
        mail,
        sender="SCC-Redaktion Städtetag <news@example.org>",
        recipient=recipient or Subscriber("joerg@example.org", name="Jörg Müller"),
        message_id=message_id("digest", "2021-W44", "joerg@example.org", "news.example.org"),
        list_id="SCC Digest <digest.news.example.org>",
        unsubscribe_url=unsubscribe_url,
        date=DATE,
    )


def header_lines(raw: bytes) -> list[bytes]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return head.split(b"\r\n")


def test_list_unsubscribe_is_one_unencoded_line():
    raw = wire_bytes(digest())
    lines = header_lines(raw)
    assert f"List-Unsubscribe: <{LONG_UNSUB}>".encode() in lines
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in lines
    assert b"List-Id: SCC Digest <digest.news.example.org>" in lines
    # also when a client serializes with the message's own policy
    assert f"List-Unsubscribe: <{LONG_UNSUB}>".encode() in header_lines(digest().as_bytes())


def test_an_internationalized_domain_goes_out_in_its_ascii_form():
    raw = wire_bytes(digest(Subscriber("joerg@müller.example", name="Jörg Müller")))
    assert raw.isascii()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["To"].addresses[0].addr_spec == "joerg@xn--mller-kva.example"


def test_a_non_ascii_local_part_is_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"'jörg@müller\.example'.*need SMTPUTF8"):
        digest(Subscriber("jörg@müller.example"))


def test_umlauts_in_subject_and_names_are_rfc2047_encoded_and_decode_back():
    raw = wire_bytes(digest())
    assert raw.isascii()
    head = b"\r\n".join(header_lines(raw))
    assert b"=?utf-8?" in head
    assert all(len(line) <= 78 for line in header_lines(raw) if not line.startswith(b"List-Unsubscribe:"))
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == MAIL.subject
    assert parsed["To"].addresses[0].display_name == "Jörg Müller"
    assert parsed["From"].addresses[0].display_name == "SCC-Redaktion Städtetag"
    assert parsed["Date"].datetime == DATE


def test_digest_is_alternative_text_then_html_in_utf8():
    parsed = email.message_from_bytes(wire_bytes(digest()), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["MIME-Version"] == "1.0"
    text, html = parsed.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert text.get_content_charset() == "utf-8"
    assert text.get_content().replace("\r\n", "\n") == MAIL.text
    assert html.get_content().strip() == MAIL.html


def test_header_injection_via_name_and_subject_is_neutralised():
    evil = Subscriber("eve@example.org", name="Eve\r\nBcc: victim@example.org")
    mail = RenderedMail(
        subject="SCC\r\nX-Injected: yes\nReply-To: evil@example.org", text="t", html="<p>t</p>"
    )
    raw = wire_bytes(digest(recipient=evil, mail=mail))
    names = {line.split(b":", 1)[0].lower() for line in header_lines(raw) if line[:1] not in (b" ", b"\t")}
    assert not names & {b"bcc", b"x-injected", b"reply-to"}
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["To"].addresses[0].addr_spec == "eve@example.org"
    assert parsed["Subject"] == "SCC X-Injected: yes Reply-To: evil@example.org"


def test_clean_header_removes_every_kind_of_line_break():
    assert clean_header("a\r\nb\rc\nd\u2028e \n  f") == "a b c d e f"


def test_unsubscribe_url_must_be_plain_https():
    with pytest.raises(ValueError, match="List-Unsubscribe"):
        digest(unsubscribe_url="http://news.example.org/u/x")
    with pytest.raises(ValueError, match="List-Unsubscribe"):
        digest(unsubscribe_url="https://news.example.org/ü")


def test_message_id_is_deterministic_per_recipient():
    a = message_id("digest", "2021-W44", "a@example.org", "news.example.org")
    assert a == message_id("digest", "2021-W44", "A@example.org", "news.example.org")
    assert a != message_id("digest", "2021-W44", "b@example.org", "news.example.org")
    assert a != message_id("reminder", "2021-W44", "a@example.org", "news.example.org")
    assert re.fullmatch(r"<digest\.[0-9a-f]{32}@news\.example\.org>", a)
    parsed = email.message_from_bytes(wire_bytes(digest()), policy=policy.default)
    assert parsed["Message-ID"] == message_id("digest", "2021-W44", "joerg@example.org", "news.example.org")


def test_reminder_is_mixed_with_calendar_part_and_crlf_kept():
    msg = build_reminder_message(
        MAIL,
        ICS,
        sender="news@example.org",
        recipient=Subscriber("a@example.org"),
        message_id="<r.1@news.example.org>",
        list_id="digest.news.example.org",
        unsubscribe_url="https://news.example.org/u/x",
        date=DATE,
    )
    raw = wire_bytes(msg)
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    alternative, calendar = parsed.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "PUBLISH"
    assert calendar.get_content_charset() == "utf-8"
    assert calendar.get_filename().endswith(".ics")
    assert calendar["Content-Transfer-Encoding"] == "base64"
    assert calendar.get_payload(decode=True) == ICS
    assert parsed["List-Id"] == "<digest.news.example.org>"


def test_plain_message_has_no_list_headers():
    msg = build_plain_message(
        RenderedMail("Bitte bestätigen", "Text", ""),
        sender="news@example.org",
        to="Änne <aenne@example.org>",
        message_id="<c.1@news.example.org>",
        date=DATE,
    )
    parsed = email.message_from_bytes(wire_bytes(msg), policy=policy.default)
    assert parsed["List-Unsubscribe"] is None and parsed["List-Id"] is None
    assert parsed.get_content_type() == "text/plain"
    assert parsed["To"].addresses[0].display_name == "Änne"


def test_naive_date_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        build_plain_message(
            MAIL, sender="a@x.org", to="b@x.org", message_id="<x@y>", date=datetime(2021, 1, 1)
        )


WORDS = ["Größe", "–", "Übersicht", "Smart", "Country", "Convention", "für", "Städte", "&", "KW", "44", "«Ä»"]


@settings(max_examples=150, deadline=None)
@given(
    subject=st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join),
    name=st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join),
)
def test_non_ascii_subjects_and_names_survive_folding(subject, name):
    mail = RenderedMail(subject=subject, text="t", html="")
    raw = wire_bytes(digest(recipient=Subscriber("x@example.org", name=name), mail=mail))
    assert raw.isascii()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    shown = parsed["To"].addresses[0].display_name
    assert name.startswith(shown) and (shown == name or len(name.encode()) > 45)
    assert all(len(line) <= 78 for line in header_lines(raw) if not line.startswith(b"List-Unsubscribe:"))
