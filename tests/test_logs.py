"""Every log line of a job carries the run id, the job and (where there is one) the source."""

from __future__ import annotations

import json
import logging

import pytest

from scc_sync.logs import RUN_ID, current_run_id, job_context, setup_logging


@pytest.fixture(autouse=True)
def _restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_json_lines_carry_run_id_job_and_source(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("json", 1)
    log = logging.getLogger("scc_sync.test")
    log.info("outside")
    with job_context("sync") as run_id:
        assert current_run_id() == run_id != RUN_ID
        log.info("fetched", extra={"source": "presse-feed"})
    with job_context("digest") as other:
        log.warning("sent")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(e["message"], e["run_id"], e.get("job"), e.get("source")) for e in lines] == [
        ("outside", RUN_ID, None, None),
        ("fetched", run_id, "sync", "presse-feed"),
        ("sent", other, "digest", None),
    ]
    assert other != run_id


def test_text_lines_show_the_context(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("text", 1)
    with job_context("sync") as run_id:
        logging.getLogger("scc_sync.test").error("broken", extra={"source": "vku"})
    assert capsys.readouterr().err.rstrip().endswith(f"ERROR   broken  [job=sync source=vku run={run_id}]")
