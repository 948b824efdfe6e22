"""What the ops person meets: ports in use, bad --listen values, short secrets, JSON for scripts."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.commands.conftest import SECRET
from tests.conftest import scc


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "scc.toml"
    path.write_text(
        f'[state]\ndatabase = "{tmp_path / "state.db"}"\n'
        f'[delivery]\ntransport = "maildir"\nmaildir = "{tmp_path / "maildir"}"\n'
    )
    return str(path)


@pytest.mark.parametrize("command", ["web", "run"])
def test_a_taken_port_exits_1_naming_the_option_and_the_address(
    tmp_path: Path, config: str, taken_port: int, command: str
) -> None:
    where = f"127.0.0.1:{taken_port}"
    result = scc("--config", config, command, "--listen", where, cwd=tmp_path, env=SECRET)
    assert result.returncode == 1
    assert f"--listen: cannot listen on {where}: Address already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_web_refuses_an_impossible_port_instead_of_picking_one(tmp_path: Path, config: str) -> None:
    result = scc("--config", config, "web", "--listen", "127.0.0.1:99999", cwd=tmp_path, env=SECRET)
    assert result.returncode == 2
    assert "--listen: web.listen: not an address like '127.0.0.1:8080'" in result.stderr


@pytest.mark.parametrize("command", [["web"], ["run"], ["digest"]])
def test_a_short_secret_is_a_config_error_not_a_traceback(
    tmp_path: Path, config: str, command: list[str]
) -> None:
    result = scc("--config", config, *command, cwd=tmp_path, env={"SCC_SYNC_SECRET": "abc"})
    assert result.returncode == 2
    assert "web.secret_env: key 1 in SCC_SYNC_SECRET is shorter than 16 characters" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_json_times_are_iso_8601(tmp_path: Path, config: str) -> None:
    assert scc("--config", config, "sync", cwd=tmp_path).returncode == 0
    status = json.loads(scc("--config", config, "status", "--format", "json", cwd=tmp_path).stdout)
    [run] = status["jobs"]
    assert "T" in run["started"] and run["started"].endswith("+00:00"), run["started"]
