"""Cluster tests: real `scc-sync worker` processes on a private schema of the test PostgreSQL server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scc_sync.store import Store, open_store
from scc_sync.store.cluster import WorkerRow, list_workers, queue_counts
from tests.conftest import PG_ENV, PG_URL, REPO, private_schema

SECRET_ENV = "SCC_SYNC_TEST_SECRET"
SECRET = "test-secret-0123456789abcdef"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def cluster_url() -> Iterator[str]:
    """A private schema on the test PostgreSQL server (cluster mode is PostgreSQL only)."""
    if not PG_URL:
        pytest.skip(
            f"cluster tests need PostgreSQL: set {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    with private_schema(PG_URL) as url:
        yield url


@pytest.fixture
def cluster_store(cluster_url: str) -> Iterator[Store]:
    with open_store(cluster_url) as store:
        yield store


class Cluster:
    """`scc-sync worker` processes on one config; each logs to its own file under `folder`."""

    def __init__(self, config: Path, store: Store, folder: Path) -> None:
        self.config, self.store, self.folder = config, store, folder
        self.workers: list[subprocess.Popen[bytes]] = []
        self.killed: list[int] = []
        self._logs = 0

    def spawn(self) -> subprocess.Popen[bytes]:
        self._logs += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCC_SYNC_")}
        env.update(PYTHONPATH=str(REPO / "src"), **{SECRET_ENV: SECRET})
        log = (self.folder / f"worker-{self._logs}.log").open("wb")
        command = [
            sys.executable,
            "-m",
            "scc_sync",
            "--config",
            str(self.config),
            "worker",
            "--listen",
            "127.0.0.1:0",
        ]
        worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        self.workers.append(worker)
        return worker

    def start(self, count: int) -> None:
        for _ in range(count):
            self.spawn()
        self.wait_until(lambda: len(self.working()) >= count, 60, f"{count} workers to start")

    def working(self) -> list[WorkerRow]:
        with self.store.read() as conn:
            return [w for w in list_workers(conn, since=EPOCH) if w.state == "working"]

    def all_workers(self) -> list[WorkerRow]:
        with self.store.read() as conn:
            return list_workers(conn, since=EPOCH)

    def kill(self, worker: subprocess.Popen[bytes]) -> None:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        self.workers.remove(worker)
        self.killed.append(worker.pid)

    def queue(self) -> dict[str, dict[str, int]]:
        with self.store.read() as conn:
            return queue_counts(conn)

    def idle(self) -> bool:
        """No task waits or runs."""
        return not any(c.get("todo", 0) or c.get("doing", 0) for c in self.queue().values())

    def stop(self) -> list[int | None]:
        for worker in self.workers:
            worker.send_signal(signal.SIGTERM)
        codes = []
        for worker in self.workers:
            try:
                codes.append(worker.wait(30))
            except subprocess.TimeoutExpired:
                worker.kill()
                codes.append(None)
        self.workers = []
        return codes

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            dead = [w for w in self.workers if w.poll() is not None]
            if dead:
                raise AssertionError(
                    f"a worker exited ({dead[0].returncode}) while waiting for {what}: {self.logs()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; queue {self.queue()}; {self.logs()}")
            time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.folder.glob("worker-*.log"))
        )


@pytest.fixture
def cluster_of(tmp_path: Path, cluster_store: Store) -> Iterator[Callable[[str], Cluster]]:
    """`cluster_of(toml)`: a Cluster on a config file with that text; its workers are stopped afterwards."""
    made: list[Cluster] = []

    def make(toml: str) -> Cluster:
        path = tmp_path / "cluster.toml"
        path.write_text(toml, encoding="utf-8")
        made.append(Cluster(path, cluster_store, tmp_path))
        return made[-1]

    yield make
    for cluster in made:
        for worker in cluster.workers:
            worker.kill()
            worker.wait(10)
