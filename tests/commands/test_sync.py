"""`scc-sync sync`, `items` and `status` as a user runs them; safety across real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from httpserver import LocalServer, Reply, Request, conditional, wait_until
from scc_sync.store import open_store
from scc_sync.store.items import count_items
from scc_sync.store.schema import items, job_runs, locks
from scc_sync.store.sources import get_source
from tests.conftest import REPO
from tests.pipeline.sync.conftest import T0, Entry, rss
from tests.pipeline.sync.test_pages_sync import listing
from tests.pipeline.sync.test_rechecks import EDITED, HTML, SEED

FAST = rss(*[Entry(f"Schnell {n}", f"https://example.org/s{n}", f"s{n}", published=T0) for n in range(3)])
SLOW = rss(*[Entry(f"Langsam {n}", f"https://example.org/l{n}", f"l{n}", published=T0) for n in range(2)])


def write_config(tmp_path: Path, sources: dict[str, str]) -> Path:
    blocks = "".join(
        f'[[sources]]\nname = "{name}"\nkind = "feed"\nurl = "{url}"\nfetch_articles = false\n\n'
        for name, url in sources.items()
    )
    path = tmp_path / "scc-sync.toml"
    path.write_text(f'[state]\ndatabase = "{tmp_path / "state.db"}"\n\n[http]\ntimeout = 20\n\n{blocks}')
    return path


def command(cfg: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "scc_sync", "--config", str(cfg), *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


def scc(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(cfg, *args), env=env(), text=True, capture_output=True, timeout=120)


class Gate:
    """A feed that holds every request until opened (a stalled server), then serves SLOW."""

    def __init__(self) -> None:
        self.opened = threading.Event()

    def __call__(self, request: Request) -> Reply:
        self.opened.wait(30)
        return Reply(200, SLOW, "application/rss+xml")


@pytest.fixture
def server():
    with LocalServer() as started:
        yield started


def test_sync_exit_codes_summary_items_and_status(server: LocalServer, tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path, {"good": server.route("/good", conditional(FAST)), "bad": server.url("/bad")}
    )
    first = scc(cfg, "sync")
    assert first.returncode == 1, first.stderr
    assert first.stdout.strip() == "sync: 1 sources ok, 1 failed; items: 3 new, 0 updated"
    assert "sync: good: ok: 3 new, 0 updated" in first.stderr  # not a terminal: plain lines
    assert "source bad failed:" in first.stderr and "HTTP 404" in first.stderr
    # Acceptance: the second sync of an unchanged source is conditional and stores nothing.
    only_good = scc(cfg, "sync", "--source", "good")
    assert only_good.returncode == 0 and only_good.stdout.strip().endswith("items: 0 new, 0 updated")
    assert server.last_request("/good").headers["if-none-match"] == '"v1"' and server.hits("/bad") == 1
    items = json.loads(scc(cfg, "items", "--format", "json").stdout)
    assert {"source", "id", "url", "title", "published", "updated", "revision"} <= set(items[0])
    assert {i["id"] for i in items} == {"s0", "s1", "s2"} and {i["revision"] for i in items} == {1}
    assert json.loads(scc(cfg, "items", "--source", "bad", "--format", "json").stdout) == []
    status = json.loads(scc(cfg, "status", "--format", "json").stdout)
    health = {s["name"]: s for s in status["sources"]}
    assert health["good"]["items"] == 3 and health["good"]["failures"] == 0
    assert health["bad"]["failures"] == 1 and health["bad"]["last_status"] == 404
    for field in ("last_attempt", "last_success", "last_status", "last_error", "next_due", "items"):
        assert field in health["bad"]
    assert health["bad"]["next_due"] is not None


def test_unknown_source_is_a_usage_error_naming_the_known_ones(server: LocalServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, {"presse": server.url("/a"), "themen": server.url("/b")})
    result = scc(cfg, "sync", "--source", "presse", "--source", "nope")
    assert result.returncode == 2
    assert "no source named 'nope'; known: presse, themen" in result.stderr
    assert server.requests == []


def test_second_process_exits_3_while_a_sync_runs(server: LocalServer, tmp_path: Path) -> None:
    gate = Gate()
    cfg = write_config(tmp_path, {"slow": server.route("/slow", gate)})
    first = subprocess.Popen(
        command(cfg, "sync"), env=env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert wait_until(lambda: server.hits("/slow") == 1, timeout=30)
        second = scc(cfg, "sync")
        assert second.returncode == 3
        assert "'sync' is already running (held by" in second.stderr and "try again" in second.stderr
    finally:
        gate.opened.set()
        _out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert scc(cfg, "sync").returncode == 0  # released at the end: the next one runs


def test_sigkill_mid_sync_loses_only_the_source_in_flight(server: LocalServer, tmp_path: Path) -> None:
    gate = Gate()
    cfg = write_config(
        tmp_path, {"fast": server.route("/fast", conditional(FAST)), "slow": server.route("/slow", gate)}
    )
    url = f"sqlite:///{tmp_path / 'state.db'}"
    victim = subprocess.Popen(
        command(cfg, "sync"), env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:

        def fast_committed() -> bool:
            if not (tmp_path / "state.db").exists():
                return False
            with open_store(url, migrate=False) as store, store.read() as conn:
                try:
                    return count_items(conn, "fast") == 3 and server.hits("/slow") == 1
                except Exception:  # tables not created yet
                    return False

        assert wait_until(fast_committed, timeout=30)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        gate.opened.set()
    with open_store(url) as store, store.read() as conn:
        fast, slow = get_source(conn, "fast"), get_source(conn, "slow")
        assert fast is not None and fast.etag == '"v1"'
        assert slow is not None and slow.etag is None and slow.content_hash is None  # no validators …
        assert count_items(conn, "slow") == 0  # … and no items for the source in flight
        assert conn.execute(locks.select()).first() is not None  # the dead process's lease is still there
    rerun = scc(cfg, "sync")
    assert rerun.returncode == 0, rerun.stderr  # the dead holder is detected: no waiting for expiry
    assert "took over the lease" in rerun.stderr
    assert "items: 2 new" in rerun.stdout
    with open_store(url) as store, store.read() as conn:
        assert count_items(conn, "fast") + count_items(conn, "slow") == 5
        runs = [r.status for r in conn.execute(job_runs.select().order_by(job_runs.c.id))]
    assert runs == ["abandoned", "ok"]
    assert server.last_request("/fast").headers["if-none-match"] == '"v1"'


def test_sync_reports_an_edited_article_found_by_a_recheck(server: LocalServer, tmp_path: Path) -> None:
    server.route("/scc.html", conditional(SEED, content_type=HTML))
    listing_url = server.route("/", conditional(listing("/scc.html"), content_type=HTML))
    cfg = tmp_path / "scc-sync.toml"
    cfg.write_text(
        f'[state]\ndatabase = "{tmp_path / "state.db"}"\n\n[[sources]]\nname = "presse"\nkind = "page"\n'
        f'url = "{listing_url}"\nlink_selector = "ul.news a"\n'
    )
    assert scc(cfg, "sync").stdout.strip().endswith("items: 1 new, 0 updated")
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store, store.write() as conn:
        seen = conn.scalar(select(items.c.first_seen_at))
        day_before = {
            "first_seen_at": seen - timedelta(days=1),
            "article_checked_at": seen - timedelta(days=1),
        }
        conn.execute(update(items).values(**day_before))  # as if it was read yesterday
    server.route("/scc.html", conditional(EDITED, content_type=HTML, etag='"v2"'))
    again = scc(cfg, "sync")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith("items: 0 new, 1 updated (1 articles re-checked)")
    assert "sync: presse: not_modified: 0 new, 1 updated (1 articles re-checked)" in again.stderr
