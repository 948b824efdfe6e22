"""A real HTTP server on 127.0.0.1 for tests and benchmarks, with the faults the web really has.

Routes map a path (without query string) to a `Reply` or to a function of the `Request` that returns
one, so a test states what the server does in one line:

    server.route("/feed", conditional(fixture("rss2_utf8.xml"), etag='"v1"'))
    server.route("/old", redirect("/feed", 301))
    server.route("/slow", Reply(body=b"x" * 100, drip=0.05))

Every request is recorded (`server.requests`, `server.hits(path)`), so tests can check what a
client sent (conditional headers, user agent) and how often it came back.

In a test folder, import the fixture into its conftest.py (see tests/fetch/conftest.py):

    from httpserver import http_server  # noqa: F401
"""

from __future__ import annotations

import gzip as gzip_module
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # names lowercased
    client_port: int = 0  # tells connections apart (keep-alive reuses one)
    nodelay: bool = False  # whether the server's socket for this connection has TCP_NODELAY set


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line (a slow server)
    stall: float = 0.0  # seconds between the headers and the body (trips a client's read timeout)
    drip: float = 0.0  # seconds between single body bytes (a slow-drip server)
    gzip: bool = False  # send the body gzip-compressed with Content-Encoding: gzip
    announce_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    # Bytes written to the socket as they are, instead of a well-formed answer (protocol faults: bad
    # chunking, a short body, broken headers), `drip` applying to every byte. The connection closes
    # after them, `stall` seconds later.
    raw: bytes | None = None


Handler = Callable[[Request], Reply]


class LocalServer:
    """A threaded HTTP/1.1 server on a free port; use as a context manager or call start()/stop()."""

    def __init__(
        self, host: str = "127.0.0.1", *, latency: float = 0.0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.latency = latency  # added before every answer, like a far-away server
        self.requests: list[Request] = []
        self.hung_up = 0  # answers the client hung up on while they were still being sent
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer((host, 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self.scheme = "https" if tls else "http"
        if tls:  # the handshake happens on accept
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="LocalServer", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, reply: Reply | Handler) -> str:
        """Serve `reply` at `path`; returns the full URL."""
        handler = reply if callable(reply) else (lambda _request, r=reply: r)
        with self._lock:
            self._routes[path] = handler
        return self.url(path)

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def last_request(self, path: str) -> Request:
        with self._lock:
            return [r for r in self.requests if r.path == path][-1]

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # wakes handlers that stall or drip
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            handler = self._routes.get(request.path)
        if handler is None:
            return Reply(404, b"not found")
        return handler(request)


def _make_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

        def setup(self) -> None:
            # Headers and body go out in two writes: with Nagle's algorithm, the body of every answer
            # after the first on a kept-alive connection would wait for the client's delayed ACK
            # (~40 ms), which would measure the harness rather than the client.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().setup()

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            nodelay = bool(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            request = Request("GET", parts.path, parts.query, headers, self.client_address[1], nodelay)
            reply = server._answer(request)
            try:
                self._send(reply)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True  # the client gave up (timeouts, size limits): fine
                with server._lock:
                    server.hung_up += 1

        def _send(self, reply: Reply) -> None:
            pause = server.latency + reply.delay
            if pause and server.stopping.wait(pause):
                return
            if reply.raw is not None:
                self._send_raw(reply)
                return
            body = gzip_module.compress(reply.body) if reply.gzip else reply.body
            self.send_response(reply.status)
            if reply.content_type and reply.status != 304:
                self.send_header("Content-Type", reply.content_type)
            if reply.gzip:
                self.send_header("Content-Encoding", "gzip")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.status == 304:
                self.end_headers()
                return
            if reply.announce_length:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.flush()
            if reply.stall and server.stopping.wait(reply.stall):
                return
            if reply.drip:
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    if server.stopping.wait(reply.drip):
                        return
            else:
                self.wfile.write(body)

        def _send_raw(self, reply: Reply) -> None:
            self.close_connection = True
            step = 1 if reply.drip else max(len(reply.raw), 1)
            for i in range(0, len(reply.raw), step):
                self.wfile.write(reply.raw[i : i + step])
                self.wfile.flush()
                if reply.drip and server.stopping.wait(reply.drip):
                    return
            if reply.stall:
                server.stopping.wait(reply.stall)

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

    return _Handler


# -- replies for the usual cases and faults ---------------------------------------------------------


def fixture(relative: str) -> bytes:
    """The bytes of a file under tests/fixtures/ (e.g. 'fetch/rss2_utf8.xml')."""
    return (FIXTURES / relative).read_bytes()


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", content_type=None, headers={"Location": location})


def retry_after(value: str, status: int = 429) -> Reply:
    return Reply(status, b"slow down", headers={"Retry-After": value})


def conditional(
    body: bytes,
    *,
    content_type: str = "application/rss+xml",
    etag: str | None = '"v1"',
    last_modified: str | None = "Mon, 02 Nov 2020 10:00:00 GMT",
    extra_headers: dict[str, str] | None = None,
) -> Handler:
    """A resource that honours If-None-Match / If-Modified-Since with 304, as a good server does."""
    headers = dict(extra_headers or {})
    if etag:
        headers["ETag"] = etag
    if last_modified:
        headers["Last-Modified"] = last_modified

    def handle(request: Request) -> Reply:
        if _not_modified(request.headers, etag, last_modified):
            return Reply(304, content_type=None, headers=headers)
        return Reply(200, body, content_type=content_type, headers=headers)

    return handle


def ignores_validators(body: bytes, *, content_type: str = "application/rss+xml") -> Handler:
    """A server that sends validators but always answers 200 with the full body."""
    stamp = format_datetime(datetime(2020, 11, 2, 10, 0, tzinfo=UTC), usegmt=True)
    return lambda _request: Reply(
        200, body, content_type, headers={"ETag": '"always"', "Last-Modified": stamp}
    )


def _not_modified(headers: dict[str, str], etag: str | None, last_modified: str | None) -> bool:
    if "if-none-match" in headers:  # RFC 9110: If-None-Match takes precedence over If-Modified-Since
        sent = {tag.strip() for tag in headers["if-none-match"].split(",")}
        return etag is not None and (etag in sent or "*" in sent)
    if "if-modified-since" in headers and last_modified:
        try:
            return parsedate_to_datetime(headers["if-modified-since"]) >= parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False
    return False


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `predicate` briefly (for assertions about what the server saw from another thread)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1 (free port), stopped after the test."""
    with LocalServer() as server:
        yield server
