"""The bundled offline demo site: an association's news pages with and without a feed, served on loopback."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast

SITE_ROOT = Path(__file__).with_name("site")
DEMO_CONFIG = Path(__file__).with_name("demo.toml")
# The seed article (the SCC 2020 recap) as an association news page; also the extractor's golden fixture.
SEED_PAGE = SITE_ROOT / "presse" / "smart-country-convention-digital-erfolgreich.html"
BASE_PLACEHOLDER = "__BASE__"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain",
}


class _SiteHandler(BaseHTTPRequestHandler):
    server_version = "scc-sync-demo-site"

    def do_GET(self) -> None:
        body, content_type = self._page()
        if body is None:
            self.send_error(404, "not found")
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(usegmt=True))
        self.end_headers()
        self.wfile.write(body)

    def _page(self) -> tuple[bytes | None, str]:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        target = (SITE_ROOT / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if SITE_ROOT.resolve() not in target.parents or not target.is_file():
            return None, ""
        host, port = cast("tuple[str, int]", self.server.server_address)  # an AF_INET server's
        base = f"http://{host!s}:{port}"
        body = target.read_bytes().replace(BASE_PLACEHOLDER.encode(), base.encode())
        return body, _TYPES.get(target.suffix, "application/octet-stream")

    def log_message(self, format: str, *args: object) -> None:  # quiet: the demo prints its own story
        pass


@contextmanager
def serve_site(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the demo site in a background thread; yields its base URL (`http://127.0.0.1:PORT`)."""
    server = ThreadingHTTPServer((host, port), _SiteHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
