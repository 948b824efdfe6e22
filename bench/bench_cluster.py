"""Cluster throughput: one digest mailing sent by 1, 2 and 3 `scc-sync worker` processes, in one run.

The mail server takes 20 ms per message (it answers the end of DATA after a 20 ms wait, as a busy relay
would) and runs in its own process; every worker sends over its own connection. Each round starts from an
empty private schema on the PostgreSQL server, adds the subscribers and one item of yesterday, starts the
workers, defers the digest, and measures from the deferral until the ledger holds every message as sent
(rendering and queueing included). The ratio to one worker, measured in the same run, is what matters.
Target: 3 workers ≥ 2.5× one worker.

    SCC_SYNC_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python bench/bench_cluster.py [--subscribers 5000] [--delay 0.02] [--workers 1 2 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from scc_sync.cluster.tasks import queue_app  # noqa: E402
from scc_sync.models import Item  # noqa: E402
from scc_sync.store import open_store  # noqa: E402
from scc_sync.store.cluster import list_workers  # noqa: E402
from scc_sync.store.items import save_item  # noqa: E402
from scc_sync.store.outbox import count_by_state  # noqa: E402
from scc_sync.store.sources import ensure_source  # noqa: E402
from scc_sync.store.subscribers import add_subscriber  # noqa: E402

SECRET_ENV = "SCC_SYNC_BENCH_SECRET"


class SlowHandler:
    def __init__(self, delay: float) -> None:
        self.delay, self.count = delay, 0

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.count += 1
        return "250 2.0.0 queued"


def serve(pipe, delay: float) -> None:
    """The mail server, in a child process: sends its port, then its message count when told to stop."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = SlowHandler(delay)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        pipe.send(port)
        pipe.recv()
    finally:
        controller.stop()
    pipe.send(handler.count)


def config_text(url: str, smtp_port: int) -> str:
    return f"""
[state]
database = "{url}"
[web]
base_url = "https://news.example.org"
secret_env = "{SECRET_ENV}"
[digest]
daily = "0 0 1 1 *"
weekly = "0 0 1 1 *"
[delivery]
transport = "smtp"
from = "SCC-Digest <digest@news.example.org>"
[delivery.smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
"""


def one_round(pg: str, workers: int, subscribers: int, smtp_port: int, folder: Path) -> float:
    """Seconds from deferring the digest until every message is sent, with `workers` workers."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with open_store(url) as store:
            fill(store, subscribers)
            path = folder / f"cluster-{workers}.toml"
            path.write_text(config_text(url, smtp_port), encoding="utf-8")
            env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), SECRET_ENV: "bench-secret-0123456789"}
            command = [sys.executable, "-m", "scc_sync", "-q", "--config", str(path), "worker"]
            procs = [subprocess.Popen(command, env=env, cwd=folder) for _ in range(workers)]
            wait(lambda: len(working(store)) == workers, 120)
            app = queue_app(url)
            started = time.monotonic()
            with app.open():
                app.configure_task("digest", lock="digest", queueing_lock="digest").defer()
            wait(lambda: sent(store) == subscribers, 1800)
            return time.monotonic() - started
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(60)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def fill(store, subscribers: int) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with store.write() as conn:
        ensure_source(conn, name="presse", kind="feed", url="https://example.org/feed.xml", now=yesterday)
        item = Item(
            "presse", "scc", "https://example.org/scc", "Smart Country Convention", published=yesterday
        )
        save_item(conn, item, now=yesterday)
        for n in range(subscribers):
            add_subscriber(
                conn,
                f"user{n}@example.org",
                now=yesterday - timedelta(days=1),
                origin="import",
                status="confirmed",
                frequency="daily",
                name=f"Jörg Müller {n}",
            )


def working(store) -> list:
    with store.read() as conn:
        return [w for w in list_workers(conn, since=datetime(2000, 1, 1, tzinfo=UTC)) if w.state == "working"]


def sent(store) -> int:
    with store.read() as conn:
        return count_by_state(conn).get("sent", 0)


def wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("bench: timed out")
        time.sleep(0.05)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds the server takes per message")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    pg = os.environ.get("SCC_SYNC_TEST_DATABASE_URL")
    if not pg:
        raise SystemExit(
            "bench: set SCC_SYNC_TEST_DATABASE_URL to a PostgreSQL server (cluster mode needs one)"
        )
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child, args.delay), daemon=True)
    server.start()
    port = parent.recv()
    print(f"load average before: {load()}")
    results: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            seconds = one_round(pg, workers, args.subscribers, port, Path(tmp))
            results[workers] = seconds
            rate = args.subscribers / seconds
            ratio = (
                f", {results[args.workers[0]] / seconds:.2f}x {args.workers[0]} worker(s)"
                if workers != args.workers[0]
                else ""
            )
            print(
                f"{workers} worker(s): {args.subscribers} digests in {seconds:.1f}s, {rate:.0f} msg/s{ratio}",
                flush=True,
            )
    parent.send("stop")
    print(f"mail server received {parent.recv()} messages")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
