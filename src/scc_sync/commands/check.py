"""`scc-sync check`: try every part of the configuration for real before going live."""

from __future__ import annotations

import sys

import click

from scc_sync.commands.app import EXIT_FAILED, AppContext, pass_app, require_sources


@click.command("check")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--no-mail", is_flag=True, help="Do not contact the mail server.")
@click.option("--no-sources", is_flag=True, help="Do not fetch the sources.")
@pass_app
def check_command(app: AppContext, sources: tuple[str, ...], no_mail: bool, no_sources: bool) -> None:
    """Check the configuration for real: database, signing secret, mail server, sources.

    Opens the database (without creating it), reads the secret, opens and closes a session with the mail
    server as a run would (TLS, login; no mail is sent) and fetches every enabled source once, as sync
    does (feeds parsed, pages searched with their link_selector). Nothing is stored. Exit 0 when all is
    ready, 1 when something is not, 2 for a config error.
    """
    from scc_sync.pipeline.preflight import check_database, check_mail, check_secret, check_sources

    config, effects = app.config, app.effects
    require_sources(config, sources)
    findings = [check_database(config), check_secret(config, effects)]
    if not no_mail:
        findings.append(check_mail(config, effects))
    if not no_sources:
        with effects.http_client(config.http) as client:
            findings += check_sources(config, client, sources, now=effects.clock())
    width = max(len(f.part) for f in findings)
    for finding in findings:
        click.echo(f"{finding.part.ljust(width)}  {'ok     ' if finding.ok else 'PROBLEM'}  {finding.detail}")
    problems = sum(not f.ok for f in findings)
    click.echo(f"check: {len(findings) - problems} ok, {problems} problem(s)")
    sys.exit(EXIT_FAILED if problems else 0)
