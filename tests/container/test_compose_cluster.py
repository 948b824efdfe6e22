"""docker-compose.cluster.yml: no Docker engine runs here, so its YAML is read and every command line it
gives the image is checked against the CLI that will receive it."""

from __future__ import annotations

from typing import Any

import click
import yaml

from scc_sync.cli import cli
from tests.conftest import REPO


def _compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.cluster.yml").read_text(encoding="utf-8"))


def _accepts(args: list[str]) -> None:
    """Parse `args` as the image's entrypoint (`scc-sync`) would, without running the command."""
    name, *rest = args
    command = cli.get_command(click.Context(cli), name)
    assert command is not None, f"scc-sync has no command {name!r}"
    command.make_context(name, list(rest), resilient_parsing=False)


def test_the_cluster_runs_postgresql_workers_and_the_pages() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "worker", "web"}
    worker = services["worker"]
    assert worker["deploy"]["replicas"] == "${SCC_SYNC_WORKERS:-3}"
    for name in ("worker", "web"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["environment"]["PGPASSWORD"].startswith("${SCC_SYNC_DB_PASSWORD")
    assert services["postgres"]["healthcheck"]["test"][1] == "pg_isready"


def test_every_command_line_exists_in_the_cli() -> None:
    services = _compose()["services"]
    assert services["worker"]["command"][0] == "worker"
    for service in services.values():
        if "command" in service and service.get("image") == "scc-sync:latest":
            _accepts(service["command"])


def test_a_command_line_the_cli_lacks_is_caught() -> None:
    try:
        _accepts(["worker", "--threads", "4"])
    except click.NoSuchOption:
        return
    raise AssertionError("an unknown option passed")
