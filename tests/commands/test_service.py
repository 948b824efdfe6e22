"""The service as the container runs it: `scc-sync run` in its own process, SIGTERM, `healthcheck`, leases.

The image's entrypoint is `tini -- scc-sync run` with SCC_SYNC_CONFIG set; these tests run that command
(as `python -m scc_sync run`, the same entry point) against the bundled demo site served by the test.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import select

from scc_sync.demo_site import serve_site
from scc_sync.store import open_store
from scc_sync.store.schema import job_runs
from tests.service.helpers import GRACE, hanging_site, scc, service_process, wait_healthy, write_config


def stop(proc: subprocess.Popen[str]) -> tuple[int, list[dict]]:
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=GRACE)  # raises if it does not exit within the grace
    assert proc.stderr is not None
    return code, [json.loads(line) for line in proc.stderr.read().splitlines() if line.startswith("{")]


def test_entrypoint_syncs_is_healthy_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    with serve_site() as base_url:
        config = write_config(tmp_path, base_url)
        with service_process(config) as proc:
            wait_healthy(config, proc)
            status = json.loads(scc(config, "status", "--format", "json").stdout)
            code, logs = stop(proc)
    assert code == 0
    assert status["service"]["heartbeat"]["stopped"] is False
    assert set(status["service"]["next_runs"]) == {"sync", "digest", "remind", "retry", "housekeeping"}
    assert {s["name"] for s in status["sources"]} == {"presse-feed", "themen-seite"}
    with open_store(f"sqlite:///{tmp_path / 'state' / 'scc-sync.db'}") as store, store.read() as conn:
        runs = conn.execute(select(job_runs.c.job, job_runs.c.status, job_runs.c.run_id)).all()
    sync_run = next(r for r in runs if r.job == "sync" and r.status == "ok")
    source_lines = [e for e in logs if e.get("source") == "presse-feed"]
    assert source_lines and all(e["job"] == "sync" and e["run_id"] == sync_run.run_id for e in source_lines)
    after = scc(config, "healthcheck")
    assert after.returncode == 1 and "the service stopped at" in after.stdout


def test_manual_sync_while_the_service_syncs_exits_3(tmp_path: Path) -> None:
    with hanging_site() as (base_url, release):
        config = write_config(tmp_path, base_url, grace=3)
        with service_process(config) as proc:
            db = f"sqlite:///{tmp_path / 'state' / 'scc-sync.db'}"
            deadline = time.monotonic() + 30
            while True:  # until the service's sync holds its lease (it hangs on the site)
                if Path(db.removeprefix("sqlite:///")).exists():
                    with open_store(db) as store, store.read() as conn:
                        if (
                            conn.scalar(select(job_runs.c.status).where(job_runs.c.job == "sync"))
                            == "running"
                        ):
                            break
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
            manual = scc(config, "sync")
            assert manual.returncode == 3
            assert "'sync' is already running (held by" in manual.stderr and "try again when" in manual.stderr
            code, _ = stop(proc)  # the hanging sync is cut off at the grace; still a clean exit
            release.set()
    assert code == 0
