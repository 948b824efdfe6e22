"""Pages per second: scc_sync's extract_summary vs trafilatura's extract (with metadata).

Both run over the same fixture pages in the same process and run, alternating round by round (ours, theirs,
ours, theirs, …) so that a change in the machine's load falls on both; the figures are the medians of the
rounds, the ratio the median of the rounds' ratios.

Run: python bench/bench_extract.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import trafilatura  # noqa: E402

from scc_sync.demo_site import SEED_PAGE  # noqa: E402
from scc_sync.extract import extract_summary  # noqa: E402
from scc_sync.extract.dates import find_dates  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "extract"


def pages() -> list[str]:
    files = [SEED_PAGE, *sorted((FIXTURES / "corpus").glob("*.html"))]
    return [f.read_text(encoding="utf-8") for f in files]


def warm(fn: Callable[[str], object], docs: list[str]) -> None:
    for doc in docs:  # imports, regex compilation, caches
        fn(doc)


def one_round(fn: Callable[[str], object], docs: list[str]) -> float:
    start = time.perf_counter()
    for doc in docs:
        fn(doc)
    return len(docs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    docs = pages()

    def ours_cold(html: str) -> object:
        find_dates.cache_clear()  # a fair run: no page is ever seen twice in real use
        return extract_summary(html)

    def trafilatura_json(html: str) -> object:
        return trafilatura.extract(html, with_metadata=True, output_format="json")

    warm(ours_cold, docs)
    warm(trafilatura_json, docs)
    rounds = [(one_round(ours_cold, docs), one_round(trafilatura_json, docs)) for _ in range(args.rounds)]
    ours = statistics.median(o for o, _ in rounds)
    theirs = statistics.median(t for _, t in rounds)
    ratio = statistics.median(o / t for o, t in rounds)
    print(f"pages: {len(docs)} x {args.rounds} rounds")
    print(f"scc_sync extract_summary:            {ours:8.1f} pages/s")
    print(f"trafilatura.extract (with metadata): {theirs:8.1f} pages/s")
    print(f"ratio (ours / trafilatura):          {ratio:8.2f}x  (median of the rounds)")


if __name__ == "__main__":
    main()
