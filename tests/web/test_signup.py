"""Sign-up and confirmation (double opt-in) against a real store and a real Maildir."""

from __future__ import annotations

import email
import re
from email import policy

import pytest

from scc_sync.store.outbox import list_ledger
from scc_sync.store.subscribers import confirm_subscriber, request_subscription
from tests.web.conftest import START, link_in, path_of, text_of


def test_signup_sends_a_confirmation_link_and_confirming_stores_consent(site):
    response = site.signup("Ada@Example.org", ip="192.0.2.10", name="Ada", frequency="daily", locale="en")
    assert response.status_code == 200
    assert "Wir haben eine E-Mail an Ada@Example.org geschickt" in response.text

    pending = site.subscriber("ada@example.org")
    assert pending["status"] == "pending" and pending["confirmed_at"] is None
    assert (pending["frequency"], pending["locale"], pending["name"], pending["origin"]) == (
        "daily",
        "en",
        "Ada",
        "web",
    )
    [mail] = site.mails()
    assert mail["To"] == "Ada@example.org"  # the domain is normalized, the local part kept
    assert mail["Subject"] == "Please confirm your subscription: SCC-Digest"  # the chosen mail language
    assert mail.get_body(("html",)) is not None  # multipart: text and HTML
    assert "Ada" not in text_of(mail)  # the typed-in name never reaches a mail (no spam through the form)
    confirm = path_of(link_in(mail, "confirm"))

    site.clock.advance(hours=5)
    page = site.client.get(confirm)  # in the language Ada chose for her mails, not the browser's
    assert page.status_code == 200 and "Yes, confirm my subscription" in page.text
    assert site.subscriber("ada@example.org")["status"] == "pending"  # opening the link alone changes nothing

    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    done = site.client.post(confirm, data={"csrf": csrf}, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert done.status_code == 200 and "Your subscription is confirmed" in done.text
    assert "daily" in done.text
    confirmed = site.subscriber("ada@example.org")
    assert confirmed["status"] == "confirmed"
    assert confirmed["confirmed_at"] == confirmed["consent_at"] == site.clock()
    assert confirmed["consent_source"] == (
        "web:192.0.2.10 sign-up at https://news.example.org/; confirmed web:198.51.100.7 confirmation link"
    )
    # confirming twice is harmless and keeps the first consent
    again = site.client.post(confirm, data={"csrf": csrf})
    assert again.status_code == 200
    assert site.subscriber("ada@example.org")["consent_at"] == confirmed["consent_at"]


def test_confirmation_link_expires_after_seven_days(site):
    site.signup()
    confirm = path_of(link_in(site.mails()[0], "confirm"))
    csrf = site.form_field(confirm)
    site.clock.advance(days=7, seconds=1)
    response = site.client.post(confirm, data={"csrf": csrf})
    assert response.status_code == 400
    assert "ungültig oder abgelaufen" in response.text and "gelten 7 Tage" in response.text
    assert site.subscriber("ada@example.org")["status"] == "pending"


def test_signup_for_a_confirmed_address_changes_nothing_and_answers_the_same(site):
    with site.store.write() as conn:
        known, _ = request_subscription(
            conn, "known@example.org", now=START, origin="config", frequency="daily", locale="en"
        )
        confirm_subscriber(conn, known.id, now=START, consent_source="config")
    before = site.subscriber("known@example.org")

    for_new = site.signup("new@example.org", frequency="weekly", locale="de")
    for_known = site.signup("known@example.org", frequency="weekly", locale="de")

    assert for_known.status_code == for_new.status_code == 200
    assert for_known.text.replace("known@", "new@") == for_new.text
    assert site.subscriber("known@example.org") == before  # not even updated_at moved
    # the owner of the address hears about it, with a settings link instead of a confirmation link
    known_mail = site.mails()[1]
    assert known_mail["To"] == "known@example.org"
    assert known_mail["Subject"] == "You are already subscribed to SCC-Digest"
    assert "/confirm/" not in text_of(known_mail)
    prefs = site.client.get(path_of(link_in(known_mail, "preferences")))
    assert prefs.status_code == 200 and 'value="daily" checked' in prefs.text


def test_signup_again_after_unsubscribing_needs_a_new_confirmation(site):
    site.signup()
    confirm = path_of(link_in(site.mails()[0], "confirm"))
    site.client.post(confirm, data={"csrf": site.form_field(confirm)})
    [row] = [site.subscriber("ada@example.org")]
    unsubscribe = f"/unsubscribe/{site.signer.sign('unsubscribe', row['id'])}"
    site.client.post(unsubscribe)
    assert site.subscriber("ada@example.org")["status"] == "unsubscribed"

    site.signup(frequency="daily")
    assert site.subscriber("ada@example.org")["status"] == "pending"  # no mail until confirmed again
    assert "/confirm/" in text_of(site.mails()[-1])


def test_invalid_fields_redisplay_the_form_escaped_and_store_nothing(site):
    response = site.signup("not an address", name='<script>alert("x")</script>', frequency="hourly")
    assert response.status_code == 400
    assert "Bitte prüfen Sie die markierten Felder" in response.text
    assert 'aria-invalid="true" aria-describedby="email-error"' in response.text
    assert "gültige E-Mail-Adresse" in response.text
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    assert 'value="not an address"' in response.text  # what was typed stays in the form
    assert site.subscriber("not an address") is None
    assert site.mails() == []


@pytest.mark.parametrize(
    "address", ["user@test.test", '"evil@evil.example"@example.org', "user@-example.org", "ada@localhost"]
)
def test_addresses_the_store_refuses_are_refused_by_the_form_with_a_message(site, address):
    response = site.signup(address)
    assert response.status_code == 400  # the form again, not a server error
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an" in response.text
    assert 'aria-invalid="true" aria-describedby="email-error"' in response.text
    assert site.subscriber(address) is None
    assert site.mails() == []


def test_header_injection_in_the_address_is_refused(site):
    response = site.signup("ada@example.org\r\nBcc: victim@example.net")
    assert response.status_code == 400
    assert site.mails() == []


def test_a_refused_confirmation_is_recorded_and_the_page_answers_as_always(make_site, smtp_server):
    from scc_sync.newsletter.transports import SmtpTransport

    smtp_server.handler.rcpt_replies["ada@example.org"] = "550 5.1.1 no such user"
    site = make_site(transport=SmtpTransport(smtp_server.host, smtp_server.port, security="none"))
    response = site.signup()
    assert response.status_code == 200  # the page never waits for the mail server, so it cannot know
    assert "Wir haben eine E-Mail an ada@example.org geschickt" in response.text
    site.sent_mail()
    with site.store.read() as conn:
        [row] = list_ledger(conn, kind="confirm")
    assert (row.state, row.last_reply) == ("failed", "550 5.1.1 no such user")
    assert smtp_server.handler.messages == []


def test_signup_over_smtp_delivers_the_confirmation(make_site, smtp_server):
    from scc_sync.newsletter.transports import SmtpTransport

    site = make_site(transport=SmtpTransport(smtp_server.host, smtp_server.port, security="none"))
    assert site.signup().status_code == 200
    site.sent_mail()
    [received] = smtp_server.handler.messages
    assert received.rcpt_tos == ["ada@example.org"]
    assert b"/confirm/" in received.data


def test_a_deferred_confirmation_is_sent_when_it_is_due_again(make_site, smtp_server):
    from scc_sync.newsletter.transports import SmtpTransport

    handler = smtp_server.handler
    site = make_site(transport=SmtpTransport(smtp_server.host, smtp_server.port, security="none"))
    handler.rcpt_replies["ada@example.org"] = "451 4.3.0 try later"
    assert site.signup().status_code == 200
    site.sent_mail()
    del handler.rcpt_replies["ada@example.org"]
    site.sender.wake()  # as its next round would: not due yet ([delivery] retry_after is 5 minutes)
    site.sent_mail()
    assert handler.messages == []

    site.clock.advance(minutes=5)
    site.sender.wake()
    site.sent_mail()
    [received] = handler.messages
    assert received.rcpt_tos == ["ada@example.org"]
    with site.store.read() as conn:
        [row] = list_ledger(conn, kind="confirm")
    assert (row.state, row.attempts) == ("sent", 2)


def test_a_confirmation_left_queued_is_sent_by_the_retry_job(make_site):
    """As if the process was killed after the sign-up was stored, before its mail went out: the service's
    retry job sends it (and so does the next start of a sender: see test_slow_mail.py)."""
    from scc_sync.newsletter.transports import MaildirTransport
    from scc_sync.pipeline.deliver import run_retries

    site = make_site(sender=False)
    assert site.signup("left@example.org").status_code == 200
    with site.store.read() as conn:
        assert [r.state for r in list_ledger(conn, kind="confirm")] == ["queued"]
    with MaildirTransport(site.maildir) as transport:
        report = run_retries(site.config, site.store, transport, now=site.clock)
    assert report.sent == 1
    [mail] = site.mails()
    assert mail["To"] == "left@example.org" and "/confirm/" in text_of(mail)


class LedgerWitness:
    """A transport that looks into the delivery ledger while a message goes out through the real one."""

    def __init__(self, store, transport) -> None:
        self.store, self.transport, self.seen = store, transport, []

    def send(self, msg, *, while_waiting=None):
        with self.store.read() as conn:
            self.seen.append([(row.kind, row.recipient, row.state) for row in list_ledger(conn)])
        return self.transport.send(msg, while_waiting=while_waiting)

    def close(self) -> None:
        self.transport.close()


def test_the_signup_mail_is_recorded_in_the_ledger_before_it_is_sent(make_site, store, smtp_server):
    from scc_sync.newsletter.transports import SmtpTransport

    handler = smtp_server.handler
    witness = LedgerWitness(store, SmtpTransport(smtp_server.host, smtp_server.port, security="none"))
    site = make_site(transport=witness)
    handler.rcpt_replies["ada@example.org"] = "451 4.3.0 try later"
    assert site.signup().status_code == 200
    site.sent_mail()
    del handler.rcpt_replies["ada@example.org"]
    assert site.signup().status_code == 200
    site.sent_mail()

    assert witness.seen[0] == [("confirm", "ada@example.org", "sending")]
    with store.read() as conn:
        rows = list_ledger(conn, kind="confirm")
    # the first waits for its retry ([delivery] retry_after); the second went out at once
    assert [(r.state, r.attempts) for r in rows] == [("deferred", 1), ("sent", 1)]
    [received] = handler.messages
    assert rows[1].message_id in received.data.decode()
    assert rows[0].message_id != rows[1].message_id  # the same second, still two messages


def test_sign_up_mails_link_imprint_and_privacy_and_open_pages_in_their_language(make_site, smtp_server):
    from scc_sync.newsletter.transports import SmtpTransport

    imprint, privacy = "https://verband.example/impressum", "https://verband.example/datenschutz"
    transport = SmtpTransport(smtp_server.host, smtp_server.port, security="none")
    site = make_site(transport=transport, imprint_url=imprint, privacy_url=privacy)
    site.signup("ada@example.org", locale="de")
    site.signup("bob@example.org", locale="en")
    site.sent_mail()
    labels = {
        "ada@example.org": ("de", "Impressum", "Datenschutz"),
        "bob@example.org": ("en", "Legal notice", "Privacy policy"),
    }
    received = [email.message_from_bytes(m.data, policy=policy.default) for m in smtp_server.handler.messages]
    assert sorted(str(msg["To"]) for msg in received) == sorted(labels)
    for msg in received:
        lang, imprint_label, privacy_label = labels[str(msg["To"])]
        text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = msg.get_body(("html",)).get_content()
        assert f"{imprint_label}: {imprint}\n" in text and f"{privacy_label}: {privacy}\n" in text
        assert re.search(rf'<a href="{imprint}"[^>]*>{imprint_label}</a>', html)
        assert re.search(rf'<a href="{privacy}"[^>]*>{privacy_label}</a>', html)
        assert re.search(rf"/confirm/\S+\?lang={lang}\n", text)
