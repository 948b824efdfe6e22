"""The service in-process against the bundled demo site: it syncs, beats, serves, stops within its grace."""

from __future__ import annotations

import json
import time
import tomllib
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scc_sync.config import Config, parse_config
from scc_sync.demo_site import serve_site
from scc_sync.effects import Effects
from scc_sync.service.daemon import Service
from scc_sync.store import open_store
from scc_sync.store.meta import LAST_FIRED, NEXT_RUNS, read_heartbeat, read_times
from scc_sync.store.schema import job_runs, locks
from tests.service.helpers import demo_toml, hanging_site, running, sync_runs, wait_for

FAST = '[service]\nheartbeat = "1s"\nshutdown_grace = "{grace}"\n'


def config_for(base_url: str, state: Path, grace: str = "10s") -> Config:
    return parse_config(tomllib.loads(demo_toml(base_url, state, extra=FAST.format(grace=grace))))


def test_service_syncs_beats_serves_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCC_SYNC_DEMO_SECRET", "a-test-secret-of-some-length")
    with serve_site() as base_url:
        config = config_for(base_url, tmp_path)
        with open_store(config.state.url) as store:
            service = Service(config, store, Effects())
            with running(service) as outcome:
                wait_for(lambda: any(status == "ok" for status, _ in sync_runs(store)))
                wait_for(lambda: service.web_port)
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{service.web_port}/healthz", timeout=5
                ) as answer:  # the pages' own /healthz, as under `scc-sync web`
                    assert answer.status == 200 and json.load(answer) == {"status": "ok"}
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{service.web_port}/metrics", timeout=5
                ) as answer:
                    body = answer.read().decode()
                assert "scc_sync_sync_duration_seconds_count 1.0" in body
                assert 'scc_sync_items_total{change="new"}' in body
                with urllib.request.urlopen(f"http://127.0.0.1:{service.web_port}/", timeout=5) as answer:
                    assert "<form" in answer.read().decode()  # the sign-up page, on the same listener
                with store.read() as conn:
                    beat = read_heartbeat(conn)
                    next_runs = read_times(conn, NEXT_RUNS)
                    fired = read_times(conn, LAST_FIRED)
                assert beat is not None and not beat.stopped
                assert set(next_runs) == {"sync", "digest", "remind", "retry", "housekeeping"}
                assert next_runs["sync"] is not None
                assert "sync" in fired  # recorded after the run, for catch-up decisions on the next start
            assert outcome == {"clean": True, "stopped_in_time": True}
            with store.read() as conn:
                beat = read_heartbeat(conn)
            assert beat is not None and beat.stopped
            detail = next(d for status, d in sync_runs(store) if status == "ok")
            assert detail["new"] > 0 and detail["attempted"] == 2


def test_shutdown_does_not_wait_longer_than_the_grace(tmp_path: Path) -> None:
    with hanging_site() as (base_url, release):
        config = config_for(base_url, tmp_path, grace="2s")
        with open_store(config.state.url) as store:
            service = Service(config, store, Effects(), web=False)
            with running(service) as outcome:
                wait_for(lambda: sync_runs(store) == [("running", None)])
                stop_at = time.monotonic()
                service.stop()
                wait_for(lambda: "clean" in outcome, timeout=5)
                took = time.monotonic() - stop_at
            release.set()
            assert outcome["clean"] is False and took < 2.0
            # The cut-off run is recorded as such and its lease is released, so a restart can sync at once.
            assert sync_runs(store) == [("failed", {"aborted": "service shutdown"})]
            with store.read() as conn:
                assert conn.execute(select(locks)).all() == []


def test_restart_does_not_repeat_a_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A digest due a minute ago is caught up once at start; restarting at once does not run it again."""
    monkeypatch.setenv("SCC_SYNC_DEMO_SECRET", "test-secret-" + "x" * 32)
    just_now = datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(minutes=2)
    with serve_site() as base_url:
        text = demo_toml(base_url, tmp_path, extra=FAST.format(grace="10s"))
        text = text.replace('daily = "0 7 * * *"', f'daily = "{just_now.minute} {just_now.hour} * * *"')
        config = parse_config(tomllib.loads(text))
        with open_store(config.state.url) as store:
            for start in (1, 2):  # start, let it catch up, stop; then start again at once
                with running(Service(config, store, Effects(), web=False)) as outcome:
                    # Start-up submits sync, remind and a caught-up digest together: once this start's sync
                    # has finished, a digest run (had there been one) would have recorded its start too.
                    wait_for(lambda n=start: [s for s, _ in sync_runs(store)].count("ok") == n)
                    wait_for(lambda: digest_runs(store))
                assert outcome["clean"] is True
            assert digest_runs(store) == ["ok"]


def digest_runs(store) -> list[str]:
    with store.read() as conn:
        return list(
            conn.scalars(
                select(job_runs.c.status).where(
                    job_runs.c.job == "digest", job_runs.c.finished_at.is_not(None)
                )
            )
        )
