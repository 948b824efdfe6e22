"""Fixtures shared by all test folders: state databases (SQLite always, PostgreSQL when configured), and
real local HTTP and SMTP servers."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from scc_sync.store import Store, open_store

# Test helpers shared by the folders (`httpserver`, `smtpserver`) import by their own name from any test file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from httpserver import http_server  # noqa: F401  (a real local HTTP server, for every folder)
from smtpserver import smtp_server  # noqa: F401  (a real local SMTP server, for every folder)

PG_ENV = "SCC_SYNC_TEST_DATABASE_URL"
PG_URL = os.environ.get(PG_ENV)
REPO = Path(__file__).resolve().parents[1]


def pytest_report_header(config: pytest.Config) -> str:
    if PG_URL:
        return f"PostgreSQL tests: on ({PG_ENV} is set)"
    return (
        f"PostgreSQL tests: SKIPPED — set {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: an SQLite file, or a private schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    if not PG_URL:
        pytest.skip(f"PostgreSQL store tests need {PG_ENV}")
    with private_schema(PG_URL) as url:
        yield url


@contextmanager
def private_schema(server_url: str) -> Iterator[str]:
    """A URL whose connections work in a fresh schema of their own on `server_url`, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


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
