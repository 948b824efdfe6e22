"""`scc-sync web`: serve the subscriber pages alone, with waitress (the service mounts the same app)."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import waitress

from scc_sync.cli import EXIT_USAGE, AppContext, cli, fail, pass_app
from scc_sync.config import Config, ConfigError
from scc_sync.newsletter.transports import MaildirTransport, SmtpTransport, Transport
from scc_sync.web import create_app

log = logging.getLogger(__name__)
USER_TEMPLATES = Path("templates")
MAX_BODY_BYTES = 64 * 1024  # waitress refuses more outright; the app answers up to this with its own 413 page


def make_transport(config: Config) -> Transport:
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


@cli.command("web")
@click.option("--listen", metavar="HOST:PORT", help="Where to listen [default: [web] listen].")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True)
@pass_app
def web_command(app: AppContext, listen: str | None, threads: int) -> None:
    """Serve the subscriber pages (sign-up, confirm, unsubscribe, preferences, /healthz) on their own."""
    config = app.config
    try:
        transport = make_transport(config)
        config.web.secret_keys()
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    templates = USER_TEMPLATES if USER_TEMPLATES.is_dir() else None
    with app.store() as store:
        wsgi = create_app(config, store, transport, templates_dir=templates)
        try:
            server = waitress.create_server(
                wsgi,
                listen=listen or config.web.listen,
                threads=threads,
                ident="scc-sync",
                max_request_body_size=MAX_BODY_BYTES,
                clear_untrusted_proxy_headers=False,  # ProxyFix decides, per [web] trusted_proxies
            )
        except (OSError, ValueError) as exc:
            fail(f"web.listen: cannot listen on {listen or config.web.listen}: {exc}", EXIT_USAGE)
        click.echo(f"scc-sync web: serving the subscriber pages on {_where(server)}", err=True)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
            transport.close()


def _where(server: object) -> str:
    sockets = getattr(server, "effective_listen", None)
    if sockets:
        return ", ".join(f"http://{host}:{port}" for host, port in sockets)
    return f"http://{getattr(server, 'effective_host', '?')}:{getattr(server, 'effective_port', '?')}"
