"""Fixtures for the subscriber pages: the app on a real store with a real Maildir, a settable clock."""

from __future__ import annotations

import email
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from scc_sync.config import Config, parse_config
from scc_sync.effects import Effects
from scc_sync.newsletter.tokens import TokenSigner
from scc_sync.newsletter.transports import MaildirTransport, Transport
from scc_sync.store import Store
from scc_sync.store.schema import subscribers
from scc_sync.web import RateLimit, WebLimits, create_app
from scc_sync.web.sender import SignUpSender

SECRET_ENV = "SCC_SYNC_TEST_WEB_SECRET"
SECRET = "web-test-secret-0123456789abcdef"
BASE_URL = "https://news.example.org"
START = datetime(2021, 10, 1, 8, 0, tzinfo=UTC)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def make_config(monkeypatch: pytest.MonkeyPatch, **web: Any) -> Config:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return parse_config(
        {
            "web": {"base_url": BASE_URL, "secret_env": SECRET_ENV, **web},
            "delivery": {"from": "SCC-Digest <digest@news.example.org>"},
        }
    )


@dataclass
class Site:
    """The app under test plus everything a test inspects afterwards."""

    client: Client
    store: Store
    clock: Clock
    transport: Transport
    maildir: Path | None
    signer: TokenSigner
    config: Config
    sender: SignUpSender | None  # None: no sender runs, the pages' mails stay queued

    def sent_mail(self) -> None:
        """Wait for the sender to send what the pages queued so far."""
        if self.sender is not None:
            assert self.sender.wait_idle(30), "the sign-up mail sender did not finish"

    def form_field(self, path: str, **kw: Any) -> str:
        response = self.client.get(path, **kw)
        match = _CSRF.search(response.text)
        assert match, f"no CSRF field on {path}"
        return match[1]

    def signup(
        self, email: str = "ada@example.org", *, ip: str = "192.0.2.10", **fields: str
    ) -> TestResponse:
        data = {"csrf": self.form_field("/"), "email": email, "frequency": "weekly", "locale": "de"}
        data |= {"reminders": "on"} | fields
        return self.client.post("/subscribe", data=data, environ_base={"REMOTE_ADDR": ip})

    def mails(self) -> list[EmailMessage]:
        assert self.maildir is not None
        self.sent_mail()
        files = sorted((self.maildir / "new").iterdir(), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]  # type: ignore[misc]

    def subscriber(self, address: str) -> dict[str, Any] | None:
        with self.store.read() as conn:
            row = conn.execute(subscribers.select().where(subscribers.c.email_key == address.lower())).first()
        return dict(row._mapping) if row else None


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return part.get_content()  # type: ignore[attr-defined]


def link_in(msg: EmailMessage, page: str) -> str:
    match = re.search(rf"https?://\S+/{page}/[A-Za-z0-9_.-]+", text_of(msg))
    assert match, f"no /{page}/ link in the mail:\n{text_of(msg)}"
    return match[0]


def path_of(url: str) -> str:
    return url.removeprefix(BASE_URL)


SiteFactory = Callable[..., Site]


@pytest.fixture
def make_site(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteFactory]:
    transports: list[Transport] = []
    senders: list[SignUpSender] = []

    def build(
        *,
        transport: Transport | None = None,
        limits: WebLimits | None = None,
        sender: bool = True,
        **web: Any,
    ) -> Site:
        config = make_config(monkeypatch, **web)
        clock = Clock()
        maildir = None
        if transport is None:
            maildir = tmp_path / "maildir"
            transport = MaildirTransport(maildir)
        transports.append(transport)
        limits = limits or WebLimits(
            signup_per_ip=RateLimit(burst=100, per_seconds=1),
            signup_per_address=RateLimit(burst=100, per_seconds=1),
        )
        the_transport = transport
        running = None
        if sender:
            running = SignUpSender(store, config=lambda: config, transport=lambda _: the_transport, now=clock)
            senders.append(running.start())
        wake = running.wake if running else lambda: None
        app = create_app(config, store, Effects(clock=clock), mail_queued=wake, limits=limits)
        signer = TokenSigner(Effects().secret_keys(config.web))
        return Site(Client(app), store, clock, transport, maildir, signer, config, running)

    yield build
    for sender in senders:
        sender.close()
    for transport in transports:
        transport.close()


@pytest.fixture
def site(make_site: SiteFactory) -> Site:
    return make_site()
