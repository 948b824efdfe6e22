"""For the service tests: the bundled demo config aimed at a served site and a temporary state folder."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scc_sync.demo_site import DEMO_CONFIG

DEMO_BASE = "http://127.0.0.1:8765"


def demo_toml(base_url: str, state: Path, *, extra: str = "", listen: str = "127.0.0.1:0") -> str:
    """The shipped demo config, as text, aimed at `base_url` and with its state under `state`."""
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace(DEMO_BASE, base_url)
    text = text.replace('"state/demo/scc-sync.db"', f'"{state / "scc-sync.db"}"')
    text = text.replace('"state/demo/maildir"', f'"{state / "maildir"}"')
    text = text.replace('listen = "127.0.0.1:8080"', f'listen = "{listen}"')
    return text + "\n" + extra


@contextmanager
def hanging_site() -> Iterator[tuple[str, threading.Event]]:
    """A site whose every answer waits until the yielded event is set: a job that cannot finish on its own."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            release.wait(30)
            self.send_response(503)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", release
    finally:
        release.set()
        server.shutdown()
        server.server_close()
