"""End to end in headless Chromium, with JavaScript off: the pages served by waitress behind a TLS proxy.

The set-up is production-shaped: waitress on 127.0.0.1 behind a small TLS-terminating relay (the reverse
proxy's role), `[web] base_url` pointing at the HTTPS side, mails going through a real SMTP server.
Screenshots land in `test-artifacts/web/`.
"""

from __future__ import annotations

import email
import re
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3

from scc_sync.clock import utc_now
from scc_sync.config import Config
from scc_sync.effects import Effects
from scc_sync.models import Subscriber
from scc_sync.newsletter.messages import build_digest_message, message_id
from scc_sync.newsletter.render import DigestEntry
from scc_sync.newsletter.transports import SmtpTransport
from scc_sync.store import Store, open_store
from scc_sync.store.subscribers import (
    confirm_subscriber,
    get_subscriber,
    request_subscription,
)
from scc_sync.web import create_app
from scc_sync.web.sender import SignUpSender
from scc_sync.web.serve import make_server
from smtpserver import running_smtp_server
from tests.web.conftest import make_config

pytestmark = pytest.mark.browser
LEGAL = {
    "imprint_url": "https://verband.example/impressum",
    "privacy_url": "https://verband.example/datenschutz",
}

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"

if not Path(CHROMIUM).exists():
    print(f"browser tests skipped: {CHROMIUM} is missing (apt-get install -y chromium)")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)
if shutil.which("openssl") is None:
    print("browser tests skipped: openssl is needed for the test certificate")
    pytest.skip("openssl is needed for the test certificate", allow_module_level=True)


# -- the TLS-terminating relay (the reverse proxy's job) ----------------------------------------------


def _certificate(folder: Path) -> ssl.SSLContext:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def tls_relay(backend_port: int, context: ssl.SSLContext) -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve, args=(raw,), daemon=True).start()

    def _serve(raw: socket.socket) -> None:
        try:
            client = context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        backend = socket.create_connection(("127.0.0.1", backend_port))
        threading.Thread(target=_pump, args=(backend, client), daemon=True).start()
        _pump(client, backend)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopping.set()
        listener.close()


# -- the served app -----------------------------------------------------------------------------------


class Served:
    def __init__(self, config: Config, store: Store, smtp: Any, sender: SignUpSender) -> None:
        self.config, self.store, self.smtp, self.sender = config, store, smtp, sender
        self.base_url = config.web.base_url
        self.kit = Effects().mail_kit(config)  # what the digest job renders with

    def status(self, subscriber_id: int) -> str:
        with self.store.read() as conn:
            found = get_subscriber(conn, subscriber_id)
        assert found is not None
        return found.status

    def received(self) -> list[EmailMessage]:
        assert self.sender.wait_idle(30), "the sign-up mails were not sent"
        return [email.message_from_bytes(m.data, policy=policy.default) for m in self.smtp.handler.messages]  # type: ignore[misc]

    def member(self, address: str, locale: str = "de") -> Subscriber:
        now = datetime.now(UTC)
        with self.store.write() as conn:
            subscriber, _ = request_subscription(conn, address, now=now, origin="cli", locale=locale)
            confirmed = confirm_subscriber(conn, subscriber.id, now=now, consent_source="cli")
        assert confirmed is not None
        return confirmed


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("browser")
    monkeypatch = pytest.MonkeyPatch()
    with ExitStack() as stack:
        stack.callback(monkeypatch.undo)
        smtp = stack.enter_context(running_smtp_server())
        store = stack.enter_context(open_store(f"sqlite:///{folder / 'state.db'}"))
        holder: dict[str, Any] = {}
        server = make_server(lambda environ, start: holder["app"](environ, start), "127.0.0.1:0")
        stack.callback(server.close)
        port = stack.enter_context(tls_relay(server.effective_port, _certificate(folder)))
        config = make_config(monkeypatch, base_url=f"https://127.0.0.1:{port}", **LEGAL)
        sender = SignUpSender(
            store,
            config=lambda: config,
            transport=lambda _: SmtpTransport(smtp.host, smtp.port, security="none"),
            now=utc_now,
        )
        stack.enter_context(sender)
        holder["app"] = create_app(config, store, Effects(), mail_queued=sender.wake)
        threading.Thread(target=server.run, daemon=True).start()
        yield Served(config, store, smtp, sender)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # A phone-sized window, German, no JavaScript: the pages must work for everybody.
    context = browser.new_context(
        locale="de-DE",
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
        ignore_https_errors=True,
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    console: list[str] = []
    opened.on("console", lambda message: console.append(message.text))
    opened.console = console
    yield opened
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def link(msg: EmailMessage, pattern: str) -> str:
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    match = re.search(rf'href="(https://[^"]+/{pattern}/[^"]+)"', html)
    assert match, f"no {pattern} link in the HTML part"
    return match[1]


def deliver_digest(served: Served, subscriber: Subscriber) -> EmailMessage:
    """A digest as the digest job renders and sends it, through the real SMTP server."""
    links = served.kit.links(subscriber)
    end = datetime(2021, 11, 8, tzinfo=UTC)
    entry = DigestEntry(
        title="Smart Country Convention digital erfolgreich",
        url="https://www.vku.de/scc",
        source="VKU",
        published=end - timedelta(days=2),
        excerpt="Über 10.600 Teilnehmende.",
    )
    mail = served.kit.renderer.digest(
        subscriber, [entry], period_start=end - timedelta(days=7), period_end=end, links=links
    )
    msg = build_digest_message(
        mail,
        sender="SCC-Digest <digest@news.example.org>",
        recipient=subscriber,
        message_id=message_id("digest", "2021-W44", subscriber.email, "news.example.org"),
        list_id="scc-digest.news.example.org",
        unsubscribe_url=links.unsubscribe_url,
        date=end,
    )
    with SmtpTransport(served.smtp.host, served.smtp.port, security="none") as transport:
        assert transport.send(msg).state == "sent"
    received = served.received()[-1]
    assert received["Message-ID"] == msg["Message-ID"]
    return received


def test_sign_up_in_the_browser_and_confirm_from_the_mail(served, page):
    page.goto(served.base_url + "/")
    assert page.locator("h1").inner_text() == "Newsletter abonnieren"
    page.fill("#email", "browser@example.org")
    page.fill("#name", "Bea Browser")
    page.check("input[name=frequency][value=daily]")
    page.select_option("#locale", "en")
    shot(page, "1-signup-form")
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Fast geschafft: Bitte bestätigen Sie Ihre Adresse"
    shot(page, "2-signup-sent")

    [mail] = [m for m in served.received() if m["To"] == "browser@example.org"]
    assert mail["Subject"] == "Please confirm your subscription: SCC-Digest"
    page.goto(link(mail, "confirm"))  # in the language chosen for the mails, not the browser's German
    assert page.locator("h1").inner_text() == "Confirm your subscription"
    with served.store.read() as conn:
        pending = get_subscriber(conn, "browser@example.org")
    assert pending is not None and pending.status == "pending"
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Your subscription is confirmed"
    shot(page, "3-confirmed")
    assert served.status(pending.id) == "confirmed"

    # our stylesheet applies under the CSP, and the page fits a phone screen
    colour = page.locator("main").evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour == "rgb(255, 255, 255)"  # style.css gives <main> a white card on a grey page
    main = page.locator("main").bounding_box()
    assert main is not None and main["x"] >= 0 and main["x"] + main["width"] <= 390
    assert not [text for text in page.console if "Content Security Policy" in text]


def test_unsubscribe_link_from_a_digest_and_the_button(served, page):
    subscriber = served.member("reader@example.org")
    digest = deliver_digest(served, subscriber)
    url = link(digest, "unsubscribe")
    assert digest["List-Unsubscribe"] == f"<{url}>"  # the footer link and the header agree

    page.goto(url)
    assert page.locator("h1").inner_text() == "Vom Newsletter abmelden"
    shot(page, "4-unsubscribe")
    assert served.status(subscriber.id) == "confirmed"  # showing the page changed nothing
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Sie sind abgemeldet"
    shot(page, "5-unsubscribed")
    assert served.status(subscriber.id) == "unsubscribed"


def test_one_click_unsubscribe_as_a_mail_provider_sends_it(served):
    subscriber = served.member("oneclick@example.org")
    digest = deliver_digest(served, subscriber)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = digest["List-Unsubscribe"].strip("<>")
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    response = requests.post(
        url,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        verify=False,  # the relay's certificate is self-signed
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 200
    assert served.status(subscriber.id) == "unsubscribed"


def test_a_page_from_a_mail_speaks_its_language_names_the_address_and_links_the_legal_pages(served, page):
    subscriber = served.member("english@example.org", locale="en")
    digest = deliver_digest(served, subscriber)
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert (
        f"Legal notice: {LEGAL['imprint_url']}" in text and f"Privacy policy: {LEGAL['privacy_url']}" in text
    )

    page.goto(link(digest, "preferences"))  # the browser asks for German; the subscriber reads English
    assert page.locator("h1").inner_text() == "Settings"
    assert page.locator(".address").inner_text() == "english@example.org"
    legal = page.locator("footer a")
    assert legal.all_inner_texts() == ["Legal notice", "Privacy policy"]
    assert [legal.nth(n).get_attribute("href") for n in range(2)] == [
        LEGAL["imprint_url"],
        LEGAL["privacy_url"],
    ]
    shot(page, "7-preferences-english")

    page.click("a[hreflang=de]")  # the language switch still works
    assert page.locator("h1").inner_text() == "Einstellungen"
    assert page.locator("footer a").all_inner_texts() == ["Impressum", "Datenschutz"]
    footer = page.locator("footer").bounding_box()
    assert footer is not None and footer["x"] >= 0 and footer["x"] + footer["width"] <= 390

    page.goto(served.base_url + "/")  # and on the sign-up form, in the browser's language
    assert page.locator("footer a").all_inner_texts() == ["Impressum", "Datenschutz"]


def test_a_tampered_link_gets_400_and_changes_nothing(served, page):
    subscriber = served.member("careful@example.org")
    url = link(deliver_digest(served, subscriber), "unsubscribe").split("?")[0]  # the token, without ?lang=
    tampered = url[:-3] + ("xyz" if not url.endswith("xyz") else "abc")
    response = page.goto(tampered)
    assert response.status == 400
    assert page.locator("h1").inner_text() == "Dieser Link ist ungültig oder abgelaufen"
    shot(page, "6-tampered-link")
    answer = requests.post(tampered, data="List-Unsubscribe=One-Click", verify=False, timeout=10)
    assert answer.status_code == 400
    assert served.status(subscriber.id) == "confirmed"
