"""Delivery throughput: personalized render + build + send vs. plain smtplib resending one message.

Also the whole `digest` job as users run it (`pipeline.run_digest`, SQLite): subscribers and items in the
store, the period's issue frozen, each subscriber's items chosen, rendered and queued in the delivery ledger
(in the gaps of sending), then each message leased, sent and its outcome recorded (one commit per message).

All runs talk to the same local aiosmtpd server over one connection each. The server runs in its own
process (as a real MTA would), so it does not compete with the sender for the GIL. The ratio (ours /
baseline, measured in the same run) is what matters, not the absolute rates. Target: ratio >= 0.5.

    PYTHONPATH=src python bench/bench_delivery.py [--subscribers 2000] [--rounds 3] [--profile]

`--profile` runs the digest job once more under cProfile and prints where its time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import resource
import smtplib
import socket
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

from scc_sync.config import parse_config
from scc_sync.effects import Effects
from scc_sync.models import Count, EventFacts, Item, Person, Subscriber, Summary
from scc_sync.newsletter.messages import build_digest_message, message_id
from scc_sync.newsletter.render import DigestEntry, MailLinks, Renderer
from scc_sync.newsletter.tokens import TokenSigner
from scc_sync.newsletter.transports import SmtpTransport, wire_bytes
from scc_sync.pipeline.digest import run_digest
from scc_sync.store import open_store
from scc_sync.store.items import save_item
from scc_sync.store.sources import ensure_source
from scc_sync.store.subscribers import add_subscriber

BERLIN = ZoneInfo("Europe/Berlin")
PERIOD = {
    "period_start": datetime(2021, 11, 1, tzinfo=BERLIN),
    "period_end": datetime(2021, 11, 8, tzinfo=BERLIN),
}
ROUNDS = 3  # baseline and ours alternate; the median of each damps noise from other processes
SENDER = "SCC-Redaktion <news@example.org>"


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 2.0.0 queued"


def serve(pipe) -> None:
    """The SMTP sink, run in a child process: sends its port, then the message count when told to stop."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        pipe.send(port)
        pipe.recv()  # "stop"
    finally:
        controller.stop()
    pipe.send(handler.count)


def digest_entries() -> list[DigestEntry]:
    recap = Summary(
        event=EventFacts(
            "Smart Country Convention 2020",
            date(2020, 10, 27),
            date(2020, 10, 28),
            "online",
            counts={"participants": Count(10600), "speakers": Count(150, "more_than")},
        ),
        people=[Person("Markus Richter", "Dr.", "Bundes-CIO"), Person("Ingbert Liebing", role="VKU")],
        next_event=EventFacts("SCC 2021", date(2021, 10, 26), date(2021, 10, 28), "in-person"),
    )
    excerpt = "<p>" + "Am 27. und 28. Oktober fand die Smart Country Convention statt. " * 3 + "</p>"
    entries = [
        DigestEntry(
            "Smart Country Convention digital erfolgreich",
            "https://www.vku.de/scc",
            "VKU",
            datetime(2020, 11, 2, 9, tzinfo=UTC),
            excerpt,
            summary=recap,
        )
    ]
    for n in range(5):
        url = f"https://example.org/{n}"
        entries.append(DigestEntry(f"Meldung {n}: Städte und Gemeinden", url, "DST", None, excerpt))
    return entries


def subscribers(n: int) -> list[Subscriber]:
    return [
        Subscriber(f"user{i}@example.org", name=f"Jörg Müller {i}", locale="de" if i % 3 else "en", id=i)
        for i in range(n)
    ]


def personalized(renderer: Renderer, signer: TokenSigner, entries: list[DigestEntry], sub: Subscriber):
    token = signer.sign("unsubscribe", sub.id or 0)
    url = f"https://news.example.org/u/{token}"
    mail = renderer.digest(sub, entries, **PERIOD, links=MailLinks(url))
    return build_digest_message(
        mail,
        sender=SENDER,
        recipient=sub,
        message_id=message_id("digest", "2021-W44", sub.email, "news.example.org"),
        list_id="digest.news.example.org",
        unsubscribe_url=url,
        date=datetime(2021, 11, 8, 7, tzinfo=UTC),
    )


def run_baseline(port: int, data: bytes, n: int) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        for i in range(n):
            smtp.sendmail("news@example.org", [f"user{i}@example.org"], data)
    return n / (time.perf_counter() - start)


def run_ours(port: int, renderer: Renderer, signer: TokenSigner, entries: list[DigestEntry], subs) -> float:
    start = time.perf_counter()
    with SmtpTransport("127.0.0.1", port, security="none", timeout=30) as transport:
        for sub in subs:
            result = transport.send(personalized(renderer, signer, entries, sub))
            if result.state != "sent":
                raise SystemExit(f"send to {sub.email} failed: {result}")
    return len(subs) / (time.perf_counter() - start)


def run_digest_job(port: int, entries: list[DigestEntry], subs) -> float:
    """`run_digest` on a fresh SQLite store holding `subs` (weekly) and `entries` as items of the week."""
    os.environ.setdefault("SCC_SYNC_BENCH_SECRET", "k" * 32)
    config = parse_config(
        {
            "delivery": {
                "transport": "smtp",
                "from": SENDER,
                "list_id": "digest.news.example.org",
                "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 30},
            },
            "web": {"base_url": "https://news.example.org", "secret_env": "SCC_SYNC_BENCH_SECRET"},
        }
    )
    week = PERIOD["period_start"] + timedelta(days=1)
    with tempfile.TemporaryDirectory() as folder, open_store(f"sqlite:///{folder}/bench.db") as store:
        with store.write() as conn:  # setup, not timed: subscribers and the week's items exist before the run
            ensure_source(conn, name="presse", kind="feed", url="https://example.org/feed.xml", now=week)
            for n, entry in enumerate(entries):
                item = Item("presse", f"item-{n}", entry.url, entry.title, published=week, text=entry.excerpt)
                summary = entry.summary.to_dict() if entry.summary else None
                save_item(conn, item, now=week + timedelta(minutes=n), summary=summary)
            for sub in subs:
                add_subscriber(
                    conn,
                    sub.email,
                    now=week - timedelta(days=30),
                    origin="cli",
                    status="confirmed",
                    name=sub.name,
                    locale=sub.locale,
                    frequency="weekly",
                )
        start = time.perf_counter()
        with Effects().transport(config) as transport:
            monday_morning = PERIOD["period_end"] + timedelta(hours=7)
            report = run_digest(
                config, store, transport, Effects().mail_kit(config), now=lambda: monday_morning
            )
        elapsed = time.perf_counter() - start
    if report.sent != len(subs):
        raise SystemExit(f"digest job: {report.line()}")
    return len(subs) / elapsed


def run_render_only(renderer: Renderer, entries: list[DigestEntry], subs, *, cold: bool) -> float:
    """Render rate; `cold` gives every mail its own period, so nothing comes from the renderer's cache."""
    links = MailLinks("https://news.example.org/u/x")
    start = time.perf_counter()
    for i, sub in enumerate(subs):
        period = {**PERIOD, "period_start": PERIOD["period_start"] + timedelta(seconds=i)} if cold else PERIOD
        renderer.digest(sub, entries, **period, links=links)
    return len(subs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--profile", action="store_true", help="profile one more digest job (cProfile)")
    args = parser.parse_args()
    n, rounds = args.subscribers, args.rounds

    ours_end, server_end = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(server_end,), daemon=True)
    server.start()
    port = ours_end.recv()
    runs = 0
    try:
        renderer, signer, entries = Renderer(), TokenSigner([b"k" * 32]), digest_entries()
        subs = subscribers(n)
        one = wire_bytes(personalized(renderer, signer, entries, subs[0]))
        run_render_only(renderer, entries, subs[:50], cold=True)  # warm-up: templates, Babel data
        baselines, ours, jobs = [], [], []
        for _ in range(rounds):
            baselines.append(run_baseline(port, one, n))
            ours.append(run_ours(port, renderer, signer, entries, subs))
            jobs.append(run_digest_job(port, entries, subs))
            runs += 3
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(run_digest_job, port, entries, subs)
            runs += 1
        cold = run_render_only(renderer, entries, subs[:500], cold=True)
        warm = run_render_only(renderer, entries, subs, cold=False)
    finally:
        ours_end.send("stop")
        received = ours_end.recv()
        server.join(10)
    assert received == runs * n, f"server received {received} of {runs * n} messages"
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    baseline, mine = statistics.median(baselines), statistics.median(ours)
    whole_job = statistics.median(jobs)
    ratio = mine / baseline
    job_ratio = whole_job / baseline
    verdict = "OK" if ratio >= 0.5 else "BELOW TARGET"
    print(f"messages: {n} per run, {rounds} rounds (median), message size {len(one) / 1024:.1f} KiB")
    print(f"baseline smtplib, one pre-rendered message: {baseline:8.1f} msg/s  {_rates(baselines)}")
    print(f"scc-sync render + build + send:             {mine:8.1f} msg/s  {_rates(ours)}")
    print(f"ratio (target >= 0.5):                      {ratio:8.2f}  {verdict}  {_ratios(ours, baselines)}")
    print(f"the digest job (run_digest), end to end:     {whole_job:7.1f} msg/s  {_rates(jobs)}")
    print(
        f"digest job ratio (target >= 0.5):           {job_ratio:8.2f}  "
        f"{'OK' if job_ratio >= 0.5 else 'BELOW TARGET'}  {_ratios(jobs, baselines)}"
    )
    print(f"render only, every mail rendered afresh:    {cold:8.1f} msg/s")
    print(f"render only, one mailing (shared render):   {warm:8.1f} msg/s")
    print(f"peak RSS (sender process):                  {peak_mb:8.1f} MiB")
    if args.profile:
        print("\ndigest job, by own time (cProfile):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        print("digest job, by cumulative time (cProfile):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def _rates(values: list[float]) -> str:
    return "(" + ", ".join(f"{v:.0f}" for v in values) + ")"


def _ratios(values: list[float], baselines: list[float]) -> str:
    """Each round's ratio against the baseline of the same round: the spread of the ratio."""
    return "(per round: " + ", ".join(f"{v / b:.2f}" for v, b in zip(values, baselines, strict=True)) + ")"


if __name__ == "__main__":
    main()
