"""The new-user checks: commands run as people run them (real subprocesses, real servers, real files)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from httpserver import http_server  # noqa: F401
from smtpserver import smtp_server  # noqa: F401

SECRET = {"SCC_SYNC_SECRET": "usability-test-secret-0123456789"}
