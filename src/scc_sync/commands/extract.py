"""`scc-sync parse`: the structured summary of one page."""

from __future__ import annotations

import os
from pathlib import Path

import click

from scc_sync.cli import EXIT_FAILED, AppContext, cli, echo_json, fail, pass_app
from scc_sync.config import CONFIG_ENV, DEFAULT_CONFIG_PATH
from scc_sync.extract import extract_summary, summary_as_text
from scc_sync.fetch.encoding import decode_html
from scc_sync.fetch.http import FetchError, HttpClient


@cli.command("parse")
@click.argument("target", metavar="PATH_OR_URL")
@click.option("--url", help="The page's address, when TARGET is a file (for links and the url field).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@pass_app
def parse_command(app: AppContext, target: str, url: str | None, fmt: str) -> None:
    """Print the structured summary of one article: a file, or a URL it fetches.

    Exit 1 when the page cannot be read or fetched.
    """
    if target.startswith(("http://", "https://")):
        html, url = _fetch(app, target), url or target
    else:
        try:
            html = Path(target).read_bytes()
        except OSError as exc:
            fail(f"{target}: cannot read: {exc.strerror}", EXIT_FAILED)
    gazetteer = app.config.extract.gazetteer if _has_config(app) else {}
    summary = extract_summary(html, url, gazetteer=gazetteer)
    if fmt == "json":
        echo_json(summary.to_dict())
    else:
        click.echo(summary_as_text(summary))


def _fetch(app: AppContext, url: str) -> str:
    http = app.config.http if _has_config(app) else None
    user_agent = http.user_agent if http else "scc-sync"
    try:
        with HttpClient(timeout=http.timeout if http else 20.0, user_agent=user_agent) as client:
            result = client.fetch(url, accept="text/html")
    except FetchError as exc:
        fail(str(exc), EXIT_FAILED)
    return decode_html(result.content, result.headers)


def _has_config(app: AppContext) -> bool:
    """`parse` also works without a config file (then on the defaults), unless one was asked for."""
    asked = app.config_path or os.environ.get(CONFIG_ENV)
    return bool(asked) or DEFAULT_CONFIG_PATH.exists()
