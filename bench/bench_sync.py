"""Sync throughput: cold fetch+parse at concurrency N vs 1, and a warm re-fetch where all is 304.

A local server in a separate process (so its work does not compete for our GIL) serves
FEEDS feeds of ITEMS items each, spread over HOSTS loopback addresses (127.0.0.2, 127.0.0.3, ...)
the way real sources are spread over sites, with LATENCY seconds added to every answer.
It prints, measured in the same run:

  cold c=1, cold c=N and their ratio (target >= 6x), warm c=N where every answer is 304 with
  zero feeds parsed (target <= 15 % of the cold time), and peak RSS of this process.

`sync_batch` runs the full `scc_sync.pipeline.sync.sync()` (fetch, parse, store in a temporary SQLite
database; no article pages) at a given concurrency; `--parse-processes N` sets `[http] parse_processes`.

    python bench/bench_sync.py [--feeds 200] [--items 20] [--latency 0.1] [--concurrency 8]
                               [--parse-processes 0]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from httpserver import LocalServer, conditional  # noqa: E402
from scc_sync.config import parse_config  # noqa: E402
from scc_sync.fetch.http import HttpClient  # noqa: E402
from scc_sync.pipeline.sync import sync  # noqa: E402
from scc_sync.store import Store, open_store  # noqa: E402

NOW = datetime(2020, 11, 5, 12, 0, tzinfo=UTC)


@dataclass
class BatchStats:
    fetched: int = 0
    not_modified: int = 0
    parsed: int = 0
    items: int = 0
    errors: list[str] = field(default_factory=list)


def sync_batch(urls: list[str], concurrency: int, store: Store, parse_processes: int = 0) -> BatchStats:
    """The full `sync()` of every feed with `concurrency` workers into `store` (validators live there)."""
    sources = [
        {"name": f"feed-{n}", "kind": "feed", "url": url, "fetch_articles": False}
        for n, url in enumerate(urls)
    ]
    config = parse_config(
        {
            "sources": sources,
            "http": {
                "concurrency": concurrency,
                "per_host": 2,
                "timeout": 10,
                "parse_processes": parse_processes,
            },
        }
    )
    with HttpClient(user_agent="scc-sync-bench/1.0", per_host=2, timeout=10) as client:
        report = sync(config, store, client, now=lambda: NOW)
    stats = BatchStats()
    for source in report.sources:
        if source.failed:
            stats.errors.append(source.error or source.status)
            continue
        stats.fetched += 1
        stats.not_modified += source.status == "not_modified"
        stats.parsed += source.status == "ok"
        stats.items += source.new
    return stats


# -- the server process ------------------------------------------------------------------------------


def feed_xml(number: int, items: int) -> bytes:
    entries = []
    for i in range(items):
        published = format_datetime(NOW - timedelta(hours=number + i), usegmt=True)
        entries.append(
            f"""<item><title>Meldung {number}-{i}: Wärmewende in Städten und Gemeinden</title>
<link>https://site{number % 10}.example/presse/{number}/{i}?utm_source=rss</link>
<guid isPermaLink="false">feed-{number}-item-{i}</guid><pubDate>{published}</pubDate>
<description>&lt;p&gt;Die Smart Country Convention bringt Bürgermeisterinnen, Geschäftsführer kommunaler
Unternehmen und Fachleute für Daseinsvorsorge zusammen. Über 10.600 Teilnehmende diskutierten über
Glasfaser, Straßenbeleuchtung und Öffentlichen Nahverkehr – „digital und vor Ort“.&lt;/p&gt;</description>
</item>"""
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Quelle {number}</title><link>https://site.example/</link>
<description>Bench</description>{"".join(entries)}</channel></rss>""".encode()


def serve(feeds: int, items: int, hosts: int, latency: float, ready, stop) -> None:
    servers = [LocalServer(f"127.0.0.{2 + h}", latency=latency).start() for h in range(hosts)]
    urls = []
    for number in range(feeds):
        server = servers[number % hosts]
        urls.append(
            server.route(f"/feed/{number}.xml", conditional(feed_xml(number, items), etag=f'"{number}"'))
        )
    ready.put(urls)
    stop.wait()
    for server in servers:
        server.stop()


# -- measuring ---------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # this process, all threads (parsing in a process pool is not counted)
    stats: BatchStats


def timed(urls: list[str], concurrency: int, store: Store, parse_processes: int) -> Run:
    started, cpu_started = time.perf_counter(), time.process_time()
    stats = sync_batch(urls, concurrency, store, parse_processes)
    run = Run(time.perf_counter() - started, time.process_time() - cpu_started, stats)
    if stats.errors:
        raise SystemExit(f"{len(stats.errors)} sources failed, e.g.: {stats.errors[0]}")
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every answer")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--hosts", type=int, default=10, help="loopback addresses the feeds are spread over")
    parser.add_argument(
        "--parse-processes",
        type=int,
        default=0,
        help="parse in a pool of this many processes (0: in the threads)",
    )
    args = parser.parse_args()

    load_before = os.getloadavg()[0]  # other work on the machine skews the c=N figure most
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    server = context.Process(
        target=serve, args=(args.feeds, args.items, args.hosts, args.latency, ready, stop), daemon=True
    )
    server.start()
    processes = args.parse_processes
    try:
        urls = ready.get(timeout=60)
        n = args.concurrency
        where = f"{processes} processes" if processes else "the fetching threads"
        print(
            f"full sync(): {args.feeds} feeds x {args.items} items on {args.hosts} hosts, "
            f"{args.latency * 1000:.0f} ms latency, SQLite store, parsing in {where}"
        )
        with (
            tempfile.TemporaryDirectory() as folder,
            open_store(f"sqlite:///{folder}/n.db") as store_n,
            open_store(f"sqlite:///{folder}/1.db") as store_1,
        ):
            cold_n = timed(urls, n, store_n, processes)
            cold_1 = timed(urls, 1, store_1, processes)
            warm = timed(urls, n, store_n, processes)  # validators from the cold c=N run
    finally:
        stop.set()
        server.join(timeout=10)

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"cold  c={n:<2}  {cold_n.seconds:7.2f} s   "
        f"({cold_n.stats.parsed} feeds parsed, {cold_n.stats.items} items)"
    )
    print(f"cold  c=1   {cold_1.seconds:7.2f} s")
    print(f"speed-up c={n} vs c=1: {cold_1.seconds / cold_n.seconds:5.1f}x   (target >= 6x)")
    print(
        f"warm  c={n:<2}  {warm.seconds:7.2f} s   "
        f"({warm.stats.not_modified} x 304, {warm.stats.parsed} feeds parsed)"
    )
    print(f"warm / cold c={n}: {warm.seconds / cold_n.seconds:6.1%}   (target <= 15 %)")
    print(f"warm / cold c=1: {warm.seconds / cold_1.seconds:6.1%}")
    print(
        f"latency floor of one pass at c={n}: {args.latency * args.feeds / n:.2f} s "
        "(feeds x latency / concurrency)"
    )
    cpu = cold_1.cpu_seconds / args.feeds
    if cpu > 0 and not processes:
        bound = (args.latency + cpu) / cpu
        print(
            f"CPU per feed, fetch + parse: {cpu * 1000:.1f} ms; under one GIL the speed-up cannot exceed "
            f"(latency + CPU) / CPU = {bound:.1f}x"
        )
    print(f"CPU of the cold passes: c=1 {cold_1.cpu_seconds:.2f} s, c={n} {cold_n.cpu_seconds:.2f} s")
    print(f"CPU per 304 answer: {warm.cpu_seconds / args.feeds * 1000:.1f} ms")
    print(
        f"peak RSS: {peak_mib:.0f} MiB; load average before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
