"""Serving the pages with waitress, the production WSGI server (`scc-sync web`, and tests on port 0)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import waitress

from scc_sync.config import Config
from scc_sync.newsletter.transports import MaildirTransport, SmtpTransport, Transport

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

MAX_BODY_BYTES = 64 * 1024  # waitress refuses more outright; the app answers up to this with its own 413 page


def transport_from_config(config: Config) -> Transport:
    """The configured delivery transport (raises ConfigError when the SMTP password variable is unset)."""
    delivery = config.delivery
    if delivery.transport == "maildir":
        return MaildirTransport(Path(delivery.maildir))
    smtp = delivery.smtp
    password = smtp.password()
    return SmtpTransport(
        smtp.host,
        smtp.port,
        security=smtp.security,
        username=smtp.username if password is not None else None,
        password=password,
        timeout=smtp.timeout,
        max_per_second=delivery.max_per_second,
    )


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
