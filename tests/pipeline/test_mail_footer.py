"""Every mail to subscribers links the association's legal notice and privacy policy (German law asks for
both), and its links open the pages in the subscriber's language: digests and reminders, as delivered."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scc_sync.newsletter.transports import SmtpTransport
from scc_sync.pipeline.digest import run_digest
from scc_sync.pipeline.remind import run_remind
from scc_sync.store import Store
from smtpserver import SmtpServer
from tests.pipeline.helpers import SECRET, SECRET_ENV, add_item, config, fixed, mail_kit, parse

BERLIN = ZoneInfo("Europe/Berlin")
IMPRINT, PRIVACY = "https://verband.example/impressum", "https://verband.example/datenschutz"
LABELS = {"de": ("Impressum", "Datenschutz"), "en": ("Legal notice", "Privacy policy")}
SCC = {"name": "Smart Country Convention 2021", "start": "2021-10-26", "end": "2021-10-28"}


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def test_digests_and_reminders_link_imprint_and_privacy_in_both_parts_and_languages(
    store: Store, smtp_server: SmtpServer
) -> None:
    cfg = config(
        [{"email": "anna@example.org", "locale": "de"}, {"email": "jordan@example.org", "locale": "en"}],
        web={"imprint_url": IMPRINT, "privacy_url": PRIVACY},
        events=[SCC],
    )
    add_item(store, "news", at=datetime(2021, 10, 20, 12, tzinfo=BERLIN))
    with SmtpTransport(smtp_server.host, smtp_server.port, security="none") as transport:
        digests = run_digest(
            cfg, store, transport, mail_kit(cfg), now=fixed(datetime(2021, 10, 25, 7, tzinfo=BERLIN))
        )
        reminders = run_remind(
            cfg, store, transport, mail_kit(cfg), now=fixed(datetime(2021, 10, 19, 10, tzinfo=BERLIN))
        )
    assert (digests.sent, reminders.sent) == (2, 2)

    messages = [parse(received.data) for received in smtp_server.handler.messages]
    assert len(messages) == 4
    for msg in messages:
        lang = "de" if msg["To"].addresses[0].addr_spec == "anna@example.org" else "en"
        imprint, privacy = LABELS[lang]
        text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = msg.get_body(("html",)).get_content()
        assert f"{imprint}: {IMPRINT}\n" in text and f"{privacy}: {PRIVACY}\n" in text, msg["Subject"]
        assert re.search(rf'<a href="{IMPRINT}"[^>]*>{imprint}</a>', html), msg["Subject"]
        assert re.search(rf'<a href="{PRIVACY}"[^>]*>{privacy}</a>', html), msg["Subject"]
        # the subscriber pages open in the mail's language
        assert re.search(rf"https://news\.example\.org/unsubscribe/\S+\?lang={lang}\n", text)
        assert re.search(rf"https://news\.example\.org/preferences/\S+\?lang={lang}\n", text)
        assert msg["List-Unsubscribe"].endswith(f"?lang={lang}>")


def test_without_the_settings_mails_carry_no_legal_lines(store: Store, smtp_server: SmtpServer) -> None:
    cfg = config([{"email": "anna@example.org"}])
    add_item(store, "news", at=datetime(2021, 10, 20, 12, tzinfo=BERLIN))
    with SmtpTransport(smtp_server.host, smtp_server.port, security="none") as transport:
        assert (
            run_digest(
                cfg, store, transport, mail_kit(cfg), now=fixed(datetime(2021, 10, 25, 7, tzinfo=BERLIN))
            ).sent
            == 1
        )
    [received] = smtp_server.handler.messages
    assert b"Impressum" not in received.data and b"Datenschutz" not in received.data
