"""`scc-sync demo`: the offline end-to-end demo."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from scc_sync.commands.app import EXIT_FAILED, fail
from scc_sync.demo import run_demo
from scc_sync.demo_site import serve_site
from scc_sync.effects import Effects

DEFAULT_STATE_DIR = Path("state/demo")


@click.command("demo")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_STATE_DIR,
    show_default=True,
    help="Where the demo keeps its database, Maildir and previews (wiped on each run).",
)
@click.option(
    "--serve", is_flag=True, help="Only serve the demo site (for `scc-sync --config config/demo.toml run`)."
)
@click.option("--port", type=int, default=8765, show_default=True, help="Port for --serve.")
def demo_command(state_dir: Path, serve: bool, port: int) -> None:
    """Run the whole pipeline offline against a bundled demo site.

    Serves an association's news site on 127.0.0.1 (an RSS feed, a listing page without a feed, the
    Smart Country Convention 2020 recap and other articles), then runs sync → extract → store → digest →
    reminder as of 19 October 2021 and delivers into a Maildir under --state-dir. Never touches your
    real state. Exit 1 when a step failed.
    """
    if serve:
        _serve(port)
        return
    result = run_demo(state_dir, Effects.here(), say=click.echo)
    click.echo(f"\nMaildir:   {result.maildir}  (each file is one message; open it with any mail program)")
    click.echo(f"Previews:  {state_dir / 'previews'}")
    for preview in result.previews:
        click.echo(f"           {preview}")
    if state_dir == DEFAULT_STATE_DIR:  # config/demo.toml points at this folder
        click.echo("Inspect:   scc-sync --config config/demo.toml status | items | subscribers list")
    sys.exit(EXIT_FAILED if result.failed else 0)


def _serve(port: int) -> None:
    try:
        with serve_site(port=port) as base_url:
            click.echo(f"demo site at {base_url}/ — press Ctrl-C to stop")
            threading.Event().wait()
    except OSError as exc:
        fail(f"cannot serve the demo site on 127.0.0.1:{port}: {exc.strerror}", EXIT_FAILED)
    except KeyboardInterrupt:
        pass
