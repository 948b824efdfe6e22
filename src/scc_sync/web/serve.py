"""Serving the pages with waitress, the production WSGI server (`scc-sync web`, and tests on port 0)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import waitress

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

MAX_BODY_BYTES = 64 * 1024  # waitress refuses more outright; the app answers up to this with its own 413 page


def make_server(app: WSGIApplication, listen: str, *, threads: int = 4) -> Any:
    """A bound, not yet running waitress server; `.run()` serves, `.close()` stops.

    X-Forwarded-* headers are passed through untouched: whether to believe them is the app's decision
    (`[web] trusted_proxies`, werkzeug's ProxyFix), not the server's.
    """
    return waitress.create_server(
        app,
        listen=listen,
        threads=threads,
        ident="scc-sync",
        max_request_body_size=MAX_BODY_BYTES,
        clear_untrusted_proxy_headers=False,
    )


def server_urls(server: Any) -> list[str]:
    """Where a server from `make_server` listens, e.g. `["http://127.0.0.1:8080"]`."""
    sockets = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    return [f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}" for host, port in sockets]
