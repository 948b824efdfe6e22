"""The HTTP client's own cost: CPU time of this process per request, against a local server.

The server (tests/httpserver.py) runs in a separate process, so its work is not counted. Each case
makes REQUESTS requests through one `HttpClient` on kept-alive connections and prints the CPU time
of this process (all threads: the client, its deadline watchdog, requests and urllib3) per request:

  200    a plain GET of a 4 KiB body, one at a time
  304    a conditional GET answered 304 Not Modified, one at a time
  200 c8 the same GET from 8 threads at once (per_host 8)

The median of ROUNDS rounds is shown.

    python bench/bench_http.py [--requests 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from httpserver import LocalServer, conditional  # noqa: E402
from scc_sync.fetch.http import HttpClient  # noqa: E402

BODY = b"<rss>" + b"x" * 4096 + b"</rss>"


def serve(ready, stop) -> None:  # a multiprocessing queue and event
    with LocalServer() as server:
        ready.put(server.route("/feed", conditional(BODY, etag='"v1"')))
        stop.wait()


def cpu_per_request(requests: int, threads: int, fetch: Callable[[], object]) -> float:
    """Microseconds of this process's CPU time per request."""
    started = time.process_time()
    if threads == 1:
        for _ in range(requests):
            fetch()
    else:
        with ThreadPoolExecutor(threads) as pool:
            for future in [pool.submit(fetch) for _ in range(requests)]:
                future.result()
    return (time.process_time() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    server = context.Process(target=serve, args=(ready, stop), daemon=True)
    server.start()
    url = ready.get(timeout=30)
    try:
        with HttpClient(user_agent="scc-sync-bench/1.0", timeout=10, per_host=8) as client:
            cases: dict[str, tuple[int, Callable[[], object]]] = {
                "200": (1, lambda: client.fetch(url)),
                "304": (1, lambda: client.fetch(url, etag='"v1"')),
                "200 c8": (8, lambda: client.fetch(url)),
            }
            for _, fetch in cases.values():
                for _ in range(50):  # warm up: connections, imports, caches
                    fetch()
            results: dict[str, list[float]] = {name: [] for name in cases}
            for _ in range(args.rounds):
                for name, (threads, fetch) in cases.items():
                    results[name].append(cpu_per_request(args.requests, threads, fetch))
    finally:
        stop.set()
        server.join(timeout=10)
    for name, values in results.items():
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(f"{name:7} {statistics.median(values):6.0f} µs CPU per request (rounds: {shown})")


if __name__ == "__main__":
    main()
