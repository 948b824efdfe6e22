"""`scc-sync web` with a mail server that hangs on a message: the pages answer regardless.

The relay (aiosmtpd) holds the end of DATA until the test opens its gate, so every assertion below is
about order: pages answered while a mail was provably stuck in the relay.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Event

import requests

from scc_sync.effects import Effects
from scc_sync.newsletter.links import unsubscribe_url
from scc_sync.newsletter.tokens import TokenSigner
from scc_sync.store import Store
from scc_sync.store.outbox import list_ledger
from scc_sync.store.subscribers import add_subscriber, get_subscriber
from smtpserver import SmtpServer
from tests.conftest import REPO
from tests.web.conftest import BASE_URL, SECRET, SECRET_ENV, SiteFactory

THREADS = 2  # waitress threads: fewer than the sign-ups that wait, so a page that waits would starve
PATIENCE = 30  # seconds: a guard against hanging, never a measure


def write_config(folder: Path, store_url: str, smtp: SmtpServer) -> Path:
    config = folder / "scc-sync.toml"
    config.write_text(
        f'[state]\ndatabase = "{store_url}"\n'
        '[delivery]\ntransport = "smtp"\nfrom = "SCC-Digest <digest@news.example.org>"\n'
        f'[delivery.smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
        f'[web]\nbase_url = "{BASE_URL}"\nlisten = "127.0.0.1:0"\nsecret_env = "{SECRET_ENV}"\n',
        encoding="utf-8",
    )
    return config


@contextmanager
def scc_web(config: Path) -> Iterator[str]:
    """`scc-sync web` in its own process, as an operator starts it; yields its base URL."""
    env = os.environ | {SECRET_ENV: SECRET, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-m", "scc_sync", "--config", str(config), "web", "--threads", str(THREADS)]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env, cwd=config.parent)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        while line.startswith("scc-sync: creating"):
            line = proc.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        yield f"http://127.0.0.1:{match[1]}"
    finally:
        proc.terminate()
        proc.wait(timeout=PATIENCE)
        if proc.stderr is not None:
            proc.stderr.close()


def sign_up_over_http(site: str, address: str) -> requests.Response:
    with requests.Session() as browser:
        form = browser.get(f"{site}/", timeout=PATIENCE).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        data = {"csrf": csrf[1], "email": address, "frequency": "weekly", "locale": "de"}
        return browser.post(f"{site}/subscribe", data=data, timeout=PATIENCE)


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.05)


def test_pages_answer_while_a_confirmation_hangs_in_the_mail_server(
    tmp_path: Path, store: Store, store_url: str, smtp_server: SmtpServer
) -> None:
    handler = smtp_server.handler
    handler.data_gate = gate = Event()
    with store.write() as conn:
        member = add_subscriber(
            conn, "member@example.org", now=Effects().clock(), origin="cli", status="confirmed"
        )
    signer = TokenSigner([SECRET.encode()])
    leave = unsubscribe_url(signer, "", member.id or 0)
    with scc_web(write_config(tmp_path, store_url, smtp_server)) as site:
        try:
            assert sign_up_over_http(site, "first@example.org").status_code == 200
            assert handler.data_waiting.wait(PATIENCE), "the first confirmation never reached the relay"

            # The relay holds the first confirmation. More sign-ups than the server has threads ...
            later = [f"later{n}@example.org" for n in range(THREADS * 3)]
            for address in later:
                assert sign_up_over_http(site, address).status_code == 200
            # ... and a one-click unsubscribe, as a mail provider sends it: all answered meanwhile.
            done = requests.post(f"{site}{leave}", data={"List-Unsubscribe": "One-Click"}, timeout=PATIENCE)
            assert done.status_code == 200 and "Sie sind abgemeldet" in done.text
            with store.read() as conn:
                assert get_subscriber(conn, member.id or 0).status == "unsubscribed"  # type: ignore[union-attr]
            assert not gate.is_set() and handler.messages == []  # the first mail is still stuck
        finally:
            gate.set()
        wait_until(lambda: len(handler.messages) == 1 + len(later), "every confirmation sent")
    received = sorted(rcpt for message in handler.messages for rcpt in message.rcpt_tos)
    assert received == sorted(["first@example.org", *later])


def test_a_confirmation_left_queued_is_sent_when_scc_sync_web_starts(
    tmp_path: Path, make_site: SiteFactory, store_url: str, smtp_server: SmtpServer
) -> None:
    """A process stopped after it stored a sign-up, before it sent the mail: the next start sends it."""
    site = make_site(sender=False)
    assert site.signup("left@example.org").status_code == 200
    with site.store.read() as conn:
        assert [row.state for row in list_ledger(conn, kind="confirm")] == ["queued"]

    with scc_web(write_config(tmp_path, store_url, smtp_server)):
        wait_until(lambda: smtp_server.handler.messages, "the queued confirmation sent")
    [message] = smtp_server.handler.messages
    assert message.rcpt_tos == ["left@example.org"] and b"/confirm/" in message.data
