"""For the service tests: the bundled demo config aimed at a served site and a temporary state folder, and
`scc-sync run` in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from scc_sync.demo_site import DEMO_CONFIG
from scc_sync.service.daemon import Service
from scc_sync.store import Store
from scc_sync.store.schema import job_runs
from tests.conftest import REPO

DEMO_BASE = "http://127.0.0.1:8765"


def demo_toml(base_url: str, state: Path, *, extra: str = "", listen: str = "127.0.0.1:0") -> str:
    """The shipped demo config, as text, aimed at `base_url` and with its state under `state`."""
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace(DEMO_BASE, base_url)
    text = text.replace('"state/demo/scc-sync.db"', f'"{state / "scc-sync.db"}"')
    text = text.replace('"state/demo/maildir"', f'"{state / "maildir"}"')
    text = text.replace('listen = "127.0.0.1:8080"', f'listen = "{listen}"')
    return text + "\n" + extra


@contextmanager
def hanging_site() -> Iterator[tuple[str, threading.Event]]:
    """A site whose every answer waits until the yielded event is set: a job that cannot finish on its own."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            release.wait(30)
            self.send_response(503)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", release
    finally:
        release.set()
        server.shutdown()
        server.server_close()


# -- a Service in a thread of the test ----------------------------------------------------------------------


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the service"
        time.sleep(0.05)


@contextmanager
def running(service: Service) -> Iterator[dict[str, object]]:
    outcome: dict[str, object] = {}
    thread = threading.Thread(target=lambda: outcome.update(clean=service.run()), daemon=True)
    thread.start()
    try:
        yield outcome
    finally:
        service.stop()
        thread.join(15)
        outcome["stopped_in_time"] = not thread.is_alive()


def sync_runs(store: Store) -> list[tuple[Any, ...]]:
    with store.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(job_runs.c.status, job_runs.c.detail).where(job_runs.c.job == "sync")
            )
        ]


# -- `scc-sync run` in its own process, as the container runs it -------------------------------------------

GRACE = 10
SERVICE = '[service]\nheartbeat = "1s"\nshutdown_grace = "{grace}s"\n'


def scc_env(config: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "SCC_SYNC_CONFIG": str(config),
        "SCC_SYNC_DEMO_SECRET": "test-secret-" + "x" * 32,
    }


def scc(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scc_sync", *args],
        env=scc_env(config),
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(tmp_path: Path, base_url: str, grace: int = GRACE) -> Path:
    config = tmp_path / "scc-sync.toml"
    service = SERVICE.format(grace=grace)
    config.write_text(
        demo_toml(base_url, tmp_path / "state", extra=service, listen=f"127.0.0.1:{free_port()}")
    )
    return config


def listen_of(config: Path) -> str:
    return tomllib.loads(config.read_text())["web"]["listen"]


@contextmanager
def service_process(config: Path, stderr: IO[str] | int = subprocess.PIPE) -> Iterator[subprocess.Popen[str]]:
    """`scc-sync run`, JSON logs to `stderr`: a pipe to read once it ended, or a file to read meanwhile."""
    proc = subprocess.Popen(
        # The image's command (Dockerfile CMD), on a free loopback port instead of 0.0.0.0:8080.
        [sys.executable, "-m", "scc_sync", "--log-format", "json", "run", "--listen", listen_of(config)],
        env=scc_env(config),
        cwd=config.parent,
        stderr=stderr,
        text=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def wait_healthy(config: Path, proc: subprocess.Popen[str], timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while (check := scc(config, "healthcheck")).returncode != 0:
        assert proc.poll() is None, f"the service exited early: {proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < deadline, f"never healthy: {check.stdout}{check.stderr}"
        time.sleep(0.2)
