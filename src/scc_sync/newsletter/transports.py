"""Deliver built messages: into a Maildir (the embedded default) or over one SMTP connection.

Both transports answer every message with a `SendResult` instead of raising, so a delivery loop can
record each outcome in its ledger:

- `sent`: the server accepted the message (2xx after DATA) or it is on disk.
- `deferred`: a temporary refusal (4xx) or no connection; nothing was delivered, try again later.
- `failed`: a permanent refusal (5xx); do not retry.
- `unknown`: the message data went out but no final reply came back (timeout, dropped connection);
  the server may or may not have accepted it. Retrying risks a duplicate, not retrying risks a loss.
"""

from __future__ import annotations

import contextlib
import mailbox
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import policy as email_policy
from email.generator import NLCRE, BytesGenerator  # type: ignore[attr-defined]  # NLCRE: its line-end pattern
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol, Self

from scc_sync.errors import SccSyncError

SendState = Literal["sent", "deferred", "failed", "unknown"]
Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class SendResult:
    state: SendState
    reply: str  # SMTP code and text ("451 4.3.0 try later"), or what went wrong locally
    # No session could be opened (refused, timeout, TLS, login): further messages would fail the same way.
    no_connection: bool = False


class Transport(Protocol):
    def send(self, msg: EmailMessage, *, while_waiting: Callable[[], None] | None = None) -> SendResult:
        """Deliver `msg`. `while_waiting` (it must not raise) runs once the message has left and before
        its outcome is known: other work fills the time the server takes to answer."""
        ...

    def close(self) -> None: ...


class StoredMessage(EmailMessage):
    """A message read back from the delivery ledger: it goes out as the stored bytes, unchanged.

    Serializing a parsed message again would refold some headers (a long List-Unsubscribe URL would become
    encoded words), so a resend would not be the same message.
    """

    wire: bytes = b""

    @classmethod
    def from_bytes(cls, data: bytes) -> StoredMessage:
        """Only the header block is parsed (sender and recipients are all a transport reads): fast.

        The body is not even handed to the parser (a headers-only parse still reads it line by line).
        """
        end = data.find(b"\r\n\r\n")
        head = data if end < 0 else data[: end + 4]
        msg = BytesParser(_class=cls, policy=email_policy.compat32).parsebytes(head, headersonly=True)
        assert isinstance(msg, StoredMessage)
        msg.wire = data
        return msg


class _WireGenerator(BytesGenerator):
    """`BytesGenerator` with one write per body instead of two per line; the same bytes, ~4x faster."""

    def _write_lines(self, lines: str) -> None:
        self.write(NLCRE.sub(self._NL, lines))  # type: ignore[attr-defined]  # private to BytesGenerator


def wire_bytes(msg: EmailMessage) -> bytes:
    """The message exactly as it goes over SMTP: CRLF line endings, 7-bit-safe headers.

    Byte for byte what `msg.as_bytes(policy=email.policy.SMTP)` gives.
    """
    if isinstance(msg, StoredMessage) and msg.wire:
        return msg.wire
    out = BytesIO()
    _WireGenerator(out, mangle_from_=False, policy=email_policy.SMTP).flatten(msg)
    return out.getvalue()


class MaildirTransport:
    """Writes each message into `path` (a Maildir, created if missing); nothing leaves the machine."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # mailbox's own create=True is check-then-mkdir: two jobs starting at once (digest and remind)
        # race, and the loser fails with FileExistsError. exist_ok also completes a half-made Maildir.
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        self._box = mailbox.Maildir(self.path, create=False)

    def send(self, msg: EmailMessage, *, while_waiting: Callable[[], None] | None = None) -> SendResult:
        try:
            key = self._box.add(wire_bytes(msg))
        except OSError as exc:  # disk full, permissions: nothing was written, so a retry is safe
            return SendResult("deferred", f"maildir {self.path}: {exc}")
        finally:
            if while_waiting is not None:
                while_waiting()
        return SendResult("sent", f"250 stored in {self.path} as {key}")

    def close(self) -> None:
        self._box.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OneAtATime:
    """A transport shared by threads (the web listener's): one message at a time over its connection."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._lock = threading.Lock()

    def send(self, msg: EmailMessage, *, while_waiting: Callable[[], None] | None = None) -> SendResult:
        with self._lock:
            return self._transport.send(msg, while_waiting=while_waiting)

    def close(self) -> None:
        with self._lock:
            self._transport.close()


class Limiter(Protocol):
    """Paces sending: `acquire()` returns when the next message may go."""

    def acquire(self) -> None: ...


class RateLimiter:
    """A token bucket: at most `rate` acquisitions per second on average, bursts up to `burst`."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"messages per second must be positive, got {rate}")
        self.rate, self.burst = rate, max(1.0, burst)
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._last = clock()

    def acquire(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1.0:
            self._sleep((1.0 - self._tokens) / self.rate)
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
        self._tokens -= 1.0


class _Retry(Exception):
    """The connection broke (or the server said 421) before any message data was sent."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


class _NoSession(_Retry):
    """No usable session could be opened at all."""


class SmtpUnavailable(SccSyncError):
    """`SmtpTransport.check`: no session could be opened; the message says why and what to check."""


CHECK_SETTINGS = "check [delivery.smtp]"


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _classify(code: int) -> SendState:
    if 200 <= code < 300:
        return "sent"
    return "failed" if code >= 500 else "deferred"


def _header_addresses(msg: EmailMessage, *names: str) -> list[str]:
    values = [str(v) for name in names for v in msg.get_all(name, [])]
    return [address for _, address in getaddresses(values) if address]


_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


class SmtpTransport:
    """Many messages over one SMTP connection; reconnects when the server drops it.

    Use as a context manager (or call `close()`): the connection opens on the first `send`.
    `clock` and `sleep` feed the rate limiter and exist so tests need not wait. `limiter` replaces the
    process's own pace of `max_per_second` by a shared one (several processes, one limit).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: Security,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        max_per_second: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        limiter: Limiter | None = None,
    ) -> None:
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"SMTP security must be 'none', 'starttls' or 'tls', got {security!r}")
        if (username is None) != (password is None):
            raise ValueError("SMTP username and password must be given together")
        self.host, self.port, self.security = host, port, security
        self.username, self.password = username, password
        self.timeout = timeout
        self.local_hostname = local_hostname
        self.ssl_context = ssl_context or ssl.create_default_context()  # verifies certificate and host
        self.limiter: Limiter | None = limiter
        if limiter is None and max_per_second:
            self.limiter = RateLimiter(max_per_second, clock=clock, sleep=sleep)
        self._conn: smtplib.SMTP | None = None
        self.connections = 0  # how many times we connected (for logs and tests)

    # -- connection -------------------------------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        where = f"SMTP {self.host}:{self.port}"
        conn: smtplib.SMTP
        try:
            if self.security == "tls":
                conn = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    local_hostname=self.local_hostname,
                    timeout=self.timeout,
                    context=self.ssl_context,
                )
            else:
                conn = smtplib.SMTP(
                    self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
                )
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=self.ssl_context)
                conn.ehlo()
            if self.username is not None and self.password is not None:
                conn.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            reply = _reply(exc.smtp_code, exc.smtp_error)
            raise _NoSession(
                f"{where}: login refused: {reply}; {CHECK_SETTINGS} username and password"
            ) from exc
        except smtplib.SMTPResponseException as exc:  # a greeting of 421/554, a refused EHLO or STARTTLS
            raise _NoSession(f"{where}: {_reply(exc.smtp_code, exc.smtp_error)}") from exc
        except smtplib.SMTPNotSupportedError as exc:  # no STARTTLS, or no AUTH for our username
            raise _NoSession(f"{where}: {exc}; {CHECK_SETTINGS} security and username") from exc
        except ssl.SSLCertVerificationError as exc:
            problem = f"the server's TLS certificate did not verify ({exc.verify_message})"
            hint = f"{CHECK_SETTINGS} host, or ca_file for a server with an internal certificate authority"
            raise _NoSession(f"{where}: {problem}; {hint}") from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, timeout, other TLS trouble
            raise _NoSession(f"{where}: {type(exc).__name__}: {exc}") from exc
        self.connections += 1
        return conn

    def check(self) -> str:
        """Open a session exactly as sending would (TLS, login), close it, and say what was done.

        Raises SmtpUnavailable with the reason a run would give. Sends no mail."""
        try:
            conn = self._connect()
        except _Retry as failure:
            raise SmtpUnavailable(failure.reply) from None
        with contextlib.suppress(OSError, smtplib.SMTPException):
            conn.quit()
        steps = {
            "none": "no TLS",
            "starttls": "STARTTLS, certificate verified",
            "tls": "TLS, certificate verified",
        }
        login = f", logged in as {self.username}" if self.username else ""
        return f"SMTP {self.host}:{self.port}: connected, {steps[self.security]}{login}"

    def _drop(self) -> None:
        """Forget the connection without a polite QUIT: its state is no longer trustworthy."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self._conn.quit()
        self._drop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- sending ----------------------------------------------------------------------------------

    def send(
        self,
        msg: EmailMessage,
        *,
        envelope_from: str | None = None,
        recipients: list[str] | None = None,
        while_waiting: Callable[[], None] | None = None,
    ) -> SendResult:
        sender = envelope_from or parseaddr(str(msg.get("Sender") or msg.get("From") or ""))[1]
        rcpts = recipients or _header_addresses(msg, "To", "Cc")
        if not sender or not rcpts:
            return SendResult("failed", "message has no sender or no recipients")
        data = wire_bytes(msg)
        if self.limiter is not None:
            self.limiter.acquire()
        last = ""
        for _attempt in range(2):  # a fresh connection gets one more chance
            try:
                if self._conn is None:
                    self._conn = self._connect()
                return self._transaction(self._conn, sender, rcpts, data, while_waiting)
            except _NoSession as failure:
                return SendResult("deferred", failure.reply, no_connection=True)
            except _Retry as retry:
                last = retry.reply
                self._drop()
        return SendResult("deferred", last)

    def _transaction(
        self,
        conn: smtplib.SMTP,
        sender: str,
        rcpts: list[str],
        data: bytes,
        while_waiting: Callable[[], None] | None,
    ) -> SendResult:
        try:
            code, text = conn.mail(sender)
            if code == 421:
                raise _Retry(_reply(code, text))
            if code != 250:
                return self._refused(conn, code, text)
            accepted, refusals = 0, []
            for rcpt in rcpts:
                code, text = conn.rcpt(rcpt)
                if code == 421:
                    raise _Retry(_reply(code, text))
                if code in (250, 251):
                    accepted += 1
                else:
                    refusals.append((code, text))
            if not accepted:
                return self._refused(conn, *refusals[0])
            code, text = conn.docmd("DATA")
            if code == 421:
                raise _Retry(_reply(code, text))
            if code != 354:
                return self._refused(conn, code, text)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise _Retry(f"connection lost before DATA: {type(exc).__name__}: {exc}") from exc
        return self._data(conn, data, refusals, while_waiting)

    def _data(
        self,
        conn: smtplib.SMTP,
        data: bytes,
        refusals: list[tuple[int, bytes]],
        while_waiting: Callable[[], None] | None,
    ) -> SendResult:
        payload = _LEADING_DOT.sub(b"..", data)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        try:
            conn.send(payload + b".\r\n")
            if while_waiting is not None:  # the server is busy with the message: use the time
                while_waiting()
            code, text = conn.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._drop()
            kind = "timeout" if isinstance(exc, socket.timeout | TimeoutError) else type(exc).__name__
            return SendResult("unknown", f"no reply after message data ({kind}: {exc})")
        reply = _reply(code, text)
        if code == 421:
            self._drop()
        if refusals and code == 250:
            reply += "; refused: " + "; ".join(_reply(c, t) for c, t in refusals)
        return SendResult(_classify(code), reply)

    def _refused(self, conn: smtplib.SMTP, code: int, text: bytes) -> SendResult:
        """A refusal mid-transaction: reset it so the connection can carry the next message."""
        try:
            conn.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()
        return SendResult(_classify(code) if code >= 400 else "failed", _reply(code, text))
