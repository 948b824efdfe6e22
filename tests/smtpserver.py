"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests, with knobs to misbehave.

Use the `smtp_server` fixture (import it into a conftest.py) or `running_smtp_server()` directly:

    server.handler.rcpt_replies["bad@example.org"] = "550 5.1.1 no such user"
    server.handler.messages  # list[Received]; parse .data with email.message_from_bytes
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class MisbehavingHandler:
    """Records what arrives; each knob makes the server fail in one realistic way."""

    messages: list[Received] = field(default_factory=list)
    ehlo_count: int = 0
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> reply instead of 250
    rcpt_replies_once: dict[str, str] = field(default_factory=dict)  # as above, used once
    data_delay: float = 0.0  # seconds to wait before answering the end of DATA
    drop_on_mail: int = 0  # close the connection on the next N MAIL commands, without a reply
    drop_on_data: int = 0  # close the connection on the next N ends of DATA, without a reply
    # A relay stuck on a message: with a gate, the end of DATA waits until the test opens it (only that
    # session waits), and `data_waiting` tells the test that a message is stuck there.
    data_gate: threading.Event | None = None
    data_waiting: threading.Event = field(default_factory=threading.Event)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.ehlo_count += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.drop_on_mail:
            self.drop_on_mail -= 1
            server.transport.close()
            return "421 4.4.2 dropped"  # never reaches the client: the socket is closed
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_replies_once:
            return self.rcpt_replies_once.pop(address)
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_gate is not None:
            self.data_waiting.set()
            await asyncio.get_running_loop().run_in_executor(None, self.data_gate.wait, 60)
        if self.drop_on_data:
            self.drop_on_data -= 1
            server.transport.close()
            return "451 4.4.2 dropped"
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 queued"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: MisbehavingHandler


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_smtp_server() -> Iterator[SmtpServer]:
    handler = MisbehavingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server
