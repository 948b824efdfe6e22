"""The command line as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import scc

BROKEN = """
[[sources]]
name = "vku"
kind = "page"
url = "https://www.vku.de/presse/"
link_selectr = "article a"
"""


def test_misspelled_key_exits_2_names_key_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text(BROKEN)
    result = scc("--config", "broken.toml", "sync", cwd=tmp_path)
    assert result.returncode == 2
    assert "broken.toml: sources[0].link_selectr: unknown key; did you mean 'link_selector'?" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.toml"]


def test_missing_default_config_is_explained(tmp_path: Path) -> None:
    result = scc("status", cwd=tmp_path)
    assert result.returncode == 2
    assert "config/scc-sync.toml: config file not found" in result.stderr


def test_config_from_environment_variable(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(f'[state]\ndatabase = "{tmp_path / "db.sqlite"}"\n')
    env = {"SCC_SYNC_CONFIG": str(tmp_path / "mine.toml")}
    created = scc("sync", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    assert f"creating a new database at {tmp_path / 'db.sqlite'}" in created.stderr
    result = scc("items", "--format", "json", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert (tmp_path / "db.sqlite").exists()


@pytest.mark.parametrize(
    "command",
    [
        "sync",
        "items",
        "parse",
        "digest",
        "remind",
        "preview",
        "subscribers",
        "status",
        "run",
        "healthcheck",
        "check",
        "demo",
    ],
)
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    result = scc(command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage: scc-sync " + command in result.stdout


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    assert scc("sync", "--bogus", cwd=tmp_path).returncode == 2


def test_tables_show_times_in_the_configured_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from click.testing import CliRunner

    from scc_sync.cli import cli
    from scc_sync.models import Item
    from scc_sync.store import open_store
    from scc_sync.store.items import save_item
    from scc_sync.store.sources import ensure_source

    db = tmp_path / "state.db"
    (tmp_path / "c.toml").write_text(f'timezone = "Europe/Berlin"\n[state]\ndatabase = "{db}"\n')
    seen = datetime(2021, 10, 19, 8, 0, tzinfo=UTC)
    with open_store(f"sqlite:///{db}") as store, store.write() as conn:
        ensure_source(conn, name="presse", kind="feed", url="https://example.org/feed", now=seen)
        save_item(conn, Item("presse", "k", "https://example.org/k", "Meldung", published=seen), now=seen)
    monkeypatch.delenv("SCC_SYNC_CONFIG", raising=False)
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "c.toml"), "items"])
    assert result.exit_code == 0, result.output
    assert "2021-10-19 10:00  presse" in result.stdout  # 08:00 UTC is 10:00 in Berlin (summer time)
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "c.toml"), "items", "--since", "2021-10-19T09:59"]
    )
    assert "Meldung" in result.stdout  # a --since without offset is Berlin time too: 07:59 UTC
