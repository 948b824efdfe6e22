"""Feed parsing CPU: `parse_feed` per feed with the fast reader and with feedparser alone.

Parses the feeds that bench/bench_sync.py serves (FEEDS feeds of ITEMS items: title, tracked link,
GUID, RFC 822 date, an HTML description) in this process, no network, and prints the CPU time per
feed of each reader (the best of REPEAT passes, to keep other processes' noise out) and their ratio.

    python bench/bench_feeds.py [--feeds 200] [--items 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "bench")]

from bench_sync import NOW, feed_xml  # noqa: E402

from scc_sync.fetch.feeds import parse_feed  # noqa: E402
from scc_sync.models import FetchResult  # noqa: E402


def cpu_ms_per_feed(results: list[FetchResult], *, fast: bool, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for result in results:
            parse_feed(result, "bench", now=NOW, fast=fast)
        best = min(best, time.process_time() - started)
    return best / len(results) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    results = [
        FetchResult(url, url, 200, headers, feed_xml(number, args.items))
        for number in range(args.feeds)
        for url in [f"https://site{number % 10}.example/feed/{number}.xml"]
    ]
    readers = {parse_feed(result, "bench", now=NOW).reader for result in results}
    feedparser_ms = cpu_ms_per_feed(results, fast=False, repeat=args.repeat)
    fast_ms = cpu_ms_per_feed(results, fast=True, repeat=args.repeat)
    print(f"parse_feed CPU per feed ({args.feeds} feeds x {args.items} items, best of {args.repeat}):")
    print(f"  feedparser alone:  {feedparser_ms:.2f} ms")
    used = ", ".join(sorted(readers))
    print(f"  as synced ({used}): {fast_ms:.2f} ms  ({feedparser_ms / fast_ms:.1f}x less)")


if __name__ == "__main__":
    main()
