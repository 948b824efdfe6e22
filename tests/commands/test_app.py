"""A relative `[state] database` run from another folder: say where it looked instead of starting afresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from httpserver import LocalServer, Reply
from tests.conftest import scc

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>V</title><link>http://example.org/</link>
<description>d</description><item><title>Eins</title><link>http://example.org/1</link><guid>1</guid></item>
</channel></rss>"""
CONFIG = '[state]\ndatabase = "state/scc-sync.db"\n'


@pytest.mark.parametrize("command", [["status"], ["items"], ["subscribers", "list"]])
def test_reading_commands_in_the_wrong_folder_name_the_path_and_create_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "scc.toml").write_text(CONFIG)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = scc("--config", str(tmp_path / "scc.toml"), *command, cwd=elsewhere)
    assert result.returncode == 2
    assert f"no database at {elsewhere / 'state' / 'scc-sync.db'}" in result.stderr
    assert f"is relative to the working directory ({elsewhere})" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_healthcheck_without_a_database_is_unhealthy_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "scc.toml").write_text(CONFIG)
    result = scc("--config", "scc.toml", "healthcheck", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(f"unhealthy: no database at {tmp_path / 'state' / 'scc-sync.db'}")


def test_a_new_database_is_announced_and_status_shows_where_the_state_lives(
    tmp_path: Path, http_server: LocalServer
) -> None:
    feed = http_server.route("/feed.xml", Reply(body=RSS, content_type="application/rss+xml"))
    source = f'[[sources]]\nname = "verband"\nkind = "feed"\nurl = "{feed}"\nfetch_articles = false\n'
    (tmp_path / "scc.toml").write_text(CONFIG + source)
    created = scc("--config", "scc.toml", "sync", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    database = tmp_path / "state" / "scc-sync.db"
    assert f"scc-sync: creating a new database at {database}" in created.stderr
    assert "sync: verband: ok: 1 new" in created.stderr
    quiet = scc("--config", "scc.toml", "-q", "sync", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""  # -q: only errors
    status = scc("--config", "scc.toml", "status", cwd=tmp_path)
    assert status.stdout.startswith(f"Database: {database}\n")
