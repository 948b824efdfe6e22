"""The command line: parse arguments, load config, call the pipeline, print. No business logic here.

The commands live in `commands/`, one module per area; this module makes them one `scc-sync` group, which
ends a command that raised one of our errors (`scc_sync.errors`) with its message and its exit code.
"""

from __future__ import annotations

from typing import Any

import click

from scc_sync import __version__
from scc_sync.commands import check, cluster, demo, mailings, parse, service, subscribers, sync, web
from scc_sync.commands.app import AppContext, fail
from scc_sync.errors import SccSyncError
from scc_sync.logs import setup_logging


class Commands(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SccSyncError as exc:
            fail(str(exc), exc.exit_code)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="scc-sync")
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file [default: $SCC_SYNC_CONFIG, else config/scc-sync.toml].",
)
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_format: str, verbose: int, quiet: bool) -> None:
    """scc-sync: sync news sources, extract event facts, mail digests and reminders.

    Exit codes: 0 success, 1 something failed (see each command), 2 usage or config error,
    3 the same work is already running in another process.
    """
    verbosity = -1 if quiet else verbose
    setup_logging(log_format, verbosity)
    ctx.obj = AppContext(config_path, log_format, verbosity)


for command in (
    sync.sync_command,
    sync.items_command,
    parse.parse_command,
    mailings.digest_command,
    mailings.remind_command,
    mailings.preview_command,
    subscribers.subscribers_group,
    service.run_command,
    cluster.worker_command,
    service.healthcheck_command,
    service.status_command,
    web.web_command,
    check.check_command,
    demo.demo_command,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="scc-sync")
