"""`scc-sync status` (and, with the service, `run` and `healthcheck`)."""

from __future__ import annotations

import click

from scc_sync.cli import AppContext, cli, echo_json, echo_table, pass_app
from scc_sync.status import last_runs, queue_by_state, source_health


@cli.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def status_command(app: AppContext, fmt: str) -> None:
    """Show each source's health, the last run of each job and the delivery queue."""
    with app.store() as store, store.read() as conn:
        report = {"sources": source_health(conn), "jobs": last_runs(conn), "queue": queue_by_state(conn)}
    if fmt == "json":
        echo_json(report)
        return
    click.echo("Sources")
    echo_table(
        report["sources"],
        ["name", "kind", "last_success", "last_status", "failures", "next_due", "items", "last_error"],
    )
    click.echo("\nJobs")
    echo_table(report["jobs"], ["job", "started", "finished", "status"])
    click.echo(
        "\nDelivery queue: " + (", ".join(f"{k} {v}" for k, v in sorted(report["queue"].items())) or "empty")
    )
