"""`scc-sync parse`: the structured summary of one page."""

from __future__ import annotations

import os
from pathlib import Path

import click

from scc_sync.commands.app import EXIT_FAILED, AppContext, fail, pass_app
from scc_sync.commands.output import echo_json
from scc_sync.config import CONFIG_ENV, DEFAULT_CONFIG_PATH, HttpConfig
from scc_sync.extract import extract_summary, summary_as_text
from scc_sync.fetch.encoding import decode_html
from scc_sync.fetch.http import HTML_ACCEPT, HTML_TYPES, FetchError
from scc_sync.fetch.sniff import not_html


@click.command("parse")
@click.argument("target", metavar="PATH_OR_URL")
@click.option("--url", help="The page's address, when PATH_OR_URL is a file (for links and the url field).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@pass_app
def parse_command(app: AppContext, target: str, url: str | None, fmt: str) -> None:
    """Print the structured summary of one article: a file, or a URL it fetches.

    Reads HTML pages only. Exit 1 when the page cannot be read or fetched, or is not HTML (a PDF, an
    image).
    """
    html: str | bytes
    if target.startswith(("http://", "https://")):
        html, url = _fetch(app, target), url or target
    else:
        try:
            html = Path(target).read_bytes()
        except OSError as exc:
            fail(f"{target}: cannot read: {exc.strerror}", EXIT_FAILED)
        _require_html(target, html)
    gazetteer = app.config.extract.gazetteer if _has_config(app) else {}
    summary = extract_summary(html, url, gazetteer=gazetteer)
    if fmt == "json":
        echo_json(summary.to_dict())
    else:
        click.echo(summary_as_text(summary))


def _fetch(app: AppContext, url: str) -> str:
    http = app.config.http if _has_config(app) else HttpConfig()
    try:
        with app.effects.http_client(http) as client:
            result = client.fetch(url, accept=HTML_ACCEPT)
    except FetchError as exc:
        fail(str(exc), EXIT_FAILED)
    media_type = result.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        fail(f"{url}: the server sent {media_type}, not an HTML page; `parse` reads web pages", EXIT_FAILED)
    _require_html(url, result.content)
    return decode_html(result.content, result.headers)


def _require_html(target: str, content: bytes) -> None:
    """A PDF or an image would come out as a page of garbage text: say what it is instead."""
    kind = not_html(content)
    if kind:
        fail(
            f"{target}: this is {kind}, not an HTML page; `parse` reads web pages (save the article "
            "from the browser as HTML, or pass its URL)",
            EXIT_FAILED,
        )


def _has_config(app: AppContext) -> bool:
    """`parse` also works without a config file (then on the defaults), unless one was asked for."""
    asked = app.config_path or os.environ.get(CONFIG_ENV)
    return bool(asked) or DEFAULT_CONFIG_PATH.exists()
