"""`scc-sync worker`: one process of a cluster on PostgreSQL (see `scc_sync.cluster`)."""

from __future__ import annotations

import logging
import sys

import click

from scc_sync.commands.app import EXIT_FAILED, AppContext, fail, pass_app


@click.command("worker")
@click.option(
    "--listen", metavar="HOST:PORT", help="Serve this worker's /metrics here (port 0: any free port)."
)
@pass_app
def worker_command(app: AppContext, listen: str | None) -> None:
    """Work as one of several processes on a PostgreSQL [state] database: sync sources, send mailings in
    batches, run the schedule once for the whole cluster, and take over the tasks of workers that died.

    Start as many as you like, on as many hosts. SIGTERM or Ctrl-C: no new task starts, the running one
    gets [service] shutdown_grace to finish, exit 0. Exit 2 when the database is not PostgreSQL.
    """
    from scc_sync.cluster.worker import run_worker  # the task queue is loaded for cluster commands only

    config = app.config
    app.effects.check_secrets(config)
    if app.verbosity == 0:
        logging.getLogger().setLevel(logging.INFO)  # a worker tells its story by default
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
    with app.store() as store:
        try:
            run_worker(config, store, app.effects, listen=listen)
        except OSError as exc:
            fail(f"--listen: cannot listen on {listen}: {exc.strerror or exc}", EXIT_FAILED)
    sys.exit(0)
