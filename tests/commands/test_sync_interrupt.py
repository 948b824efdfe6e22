"""Ctrl-C during `scc-sync sync`: it stops at once, keeps what was stored, and the next sync just runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from httpserver import LocalServer, Reply, Request
from tests.conftest import REPO, scc

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{name}</title><link>http://example.org/</link><description>d</description>
<item><title>{name} item</title><link>http://example.org/{name}</link><guid>{name}-1</guid></item>
</channel></rss>"""


def test_ctrl_c_stops_at_once_keeps_finished_sources_and_frees_the_lock(
    tmp_path: Path, http_server: LocalServer
) -> None:
    release = threading.Event()

    def hanging(_request: Request) -> Reply:
        release.wait(60)  # answers only after the test saw the process exit
        return Reply(body=RSS.format(name="slow").encode(), content_type="application/rss+xml")

    fast = http_server.route(
        "/fast.xml", Reply(body=RSS.format(name="fast").encode(), content_type="application/rss+xml")
    )
    slow = http_server.route("/slow.xml", hanging)
    config = tmp_path / "scc.toml"
    config.write_text(
        f'[state]\ndatabase = "{tmp_path / "state.db"}"\n'
        f'[[sources]]\nname = "fast"\nkind = "feed"\nurl = "{fast}"\nfetch_articles = false\n'
        f'[[sources]]\nname = "slow"\nkind = "feed"\nurl = "{slow}"\nfetch_articles = false\n'
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "scc_sync", "--config", str(config), "sync"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:  # one plain line per finished source (stderr is not a terminal)
            if line.startswith("sync: fast: ok"):
                break
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)  # would hang until `release` if it waited for "slow"
    finally:
        release.set()
        process.kill()
    assert process.returncode == 130
    assert "sync: interrupted: 1 of 2 sources finished and are stored" in err
    assert "Traceback" not in err and "Aborted!" not in err

    status = json.loads(scc("--config", str(config), "status", "--format", "json", cwd=tmp_path).stdout)
    assert [(job["job"], job["status"]) for job in status["jobs"]] == [("sync", "aborted")]
    items = scc("--config", str(config), "items", "--format", "json", cwd=tmp_path)
    assert [item["title"] for item in json.loads(items.stdout)] == ["fast item"]
    again = scc("--config", str(config), "sync", cwd=tmp_path)  # the lease was released
    assert again.returncode == 0, again.stderr
    assert "items: 1 new" in again.stdout
