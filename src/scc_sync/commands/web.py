"""`scc-sync web`: serve the subscriber pages alone, with waitress (the service mounts the same app)."""

from __future__ import annotations

import click

from scc_sync.commands.app import EXIT_FAILED, AppContext, fail, pass_app
from scc_sync.config import with_listen
from scc_sync.web import create_app
from scc_sync.web.sender import SignUpSender
from scc_sync.web.serve import make_server, server_urls


@click.command("web")
@click.option("--listen", metavar="HOST:PORT", help="Where to listen [default: [web] listen].")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True)
@pass_app
def web_command(app: AppContext, listen: str | None, threads: int) -> None:
    """Serve the subscriber pages (sign-up, confirm, unsubscribe, preferences, /healthz) on their own."""
    effects = app.effects
    config = with_listen(app.config, listen)
    effects.secret_keys(config.web)
    effects.transport(config).close()  # a bad [delivery] setting stops the start, not the first sign-up
    where = config.web.listen
    with app.store() as store:
        sender = SignUpSender(store, config=lambda: config, transport=effects.transport, now=effects.clock)
        wsgi = create_app(config, store, effects, mail_queued=sender.wake)
        try:
            server = make_server(wsgi, where, threads=threads)
        except (OSError, ValueError) as exc:
            key = "--listen" if listen else "web.listen"
            fail(f"{key}: cannot listen on {where}: {getattr(exc, 'strerror', None) or exc}", EXIT_FAILED)
        urls = ", ".join(server_urls(server))
        with sender:  # sends what an earlier run left queued, then each sign-up's mail
            click.echo(f"scc-sync web: serving the subscriber pages on {urls}", err=True)
            try:
                server.run()
            except KeyboardInterrupt:
                pass
            finally:
                server.close()
