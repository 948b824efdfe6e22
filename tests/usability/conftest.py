"""The new-user checks: commands run as people run them (real subprocesses, real servers, real files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from httpserver import http_server  # noqa: F401
from smtpserver import smtp_server  # noqa: F401
from tests.conftest import REPO

SECRET = {"SCC_SYNC_SECRET": "usability-test-secret-0123456789"}


def scc(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`scc-sync ARGS` in a subprocess, as a user runs it."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SCC_SYNC_")}
    full_env = {**inherited, "PYTHONPATH": str(REPO / "src"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scc_sync", *args],
        cwd=cwd,
        env=full_env,
        text=True,
        capture_output=True,
        timeout=120,
        input=stdin,
    )
