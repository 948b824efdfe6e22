"""The command line as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

BROKEN = """
[[sources]]
name = "vku"
kind = "page"
url = "https://www.vku.de/presse/"
link_selectr = "article a"
"""


def scc(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "SCC_SYNC_CONFIG"}
    full_env = {**inherited, "PYTHONPATH": str(REPO / "src"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scc_sync", *args],
        cwd=cwd,
        env=full_env,
        text=True,
        capture_output=True,
        timeout=120,
    )


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
    result = scc(
        "items", "--format", "json", cwd=tmp_path, env={"SCC_SYNC_CONFIG": str(tmp_path / "mine.toml")}
    )
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
        "demo",
    ],
)
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    result = scc(command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage: scc-sync " + command in result.stdout


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    assert scc("sync", "--bogus", cwd=tmp_path).returncode == 2
