"""The commands run as people run them (real subprocesses, real servers, real files)."""

from __future__ import annotations

SECRET = {"SCC_SYNC_SECRET": "usability-test-secret-0123456789"}
