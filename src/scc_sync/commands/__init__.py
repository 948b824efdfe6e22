"""CLI commands, one module per area; each registers its commands on `scc_sync.cli.cli`."""

from scc_sync.commands import check, demo, extract, newsletter, service, sync, web  # noqa: F401
