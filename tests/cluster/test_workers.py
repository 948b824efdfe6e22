"""Cluster mode with real worker processes on the test PostgreSQL: work spread, once only, failover."""

from __future__ import annotations

import random
import re
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest

from httpserver import LocalServer, Reply
from scc_sync.cluster.tasks import queue_app
from scc_sync.store import Store
from scc_sync.store.cluster import list_workers
from scc_sync.store.outbox import count_by_state, list_ledger
from scc_sync.store.runs import last_runs
from scc_sync.store.subscribers import add_subscriber
from smtpserver import SmtpServer
from tests.cluster.conftest import EPOCH, SECRET_ENV, Cluster
from tests.conftest import scc
from tests.pipeline.helpers import add_item

pytestmark = pytest.mark.postgres

NEVER = "0 0 1 1 *"  # digests the schedule would catch up only around New Year: the tests defer their own


def cluster_toml(url: str, smtp: SmtpServer | None = None, *, extra: str = "") -> str:
    mail = (
        'transport = "smtp"\nlease = "2s"\n'
        f'[delivery.smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
        if smtp
        else 'transport = "maildir"\nmaildir = "maildir"\n'
    )
    return f"""
[state]
database = "{url}"
[web]
base_url = "https://news.example.org"
secret_env = "{SECRET_ENV}"
[digest]
daily = "{NEVER}"
weekly = "{NEVER}"
[service]
shutdown_grace = "5s"
[cluster]
heartbeat = "1s"
stalled_after = "3s"
batch = 50
{extra}
[delivery]
from = "SCC-Digest <digest@news.example.org>"
{mail}"""


def rss(n: int) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Quelle {n}</title>'
        f"<link>https://example.org/{n}</link><description>d</description>"
        f"<item><title>Meldung {n}</title><link>https://example.org/{n}/1</link><guid>q{n}-1</guid>"
        "<description>Text der Meldung.</description></item></channel></rss>"
    ).encode()


def metric(listen: str, name: str) -> dict[str, float]:
    """`name`'s samples from a worker's /metrics, by their label text."""
    with urllib.request.urlopen(f"http://{listen}/metrics", timeout=10) as answer:
        body = answer.read().decode()
    found = {}
    for line in body.splitlines():
        if line.startswith(name):
            key, _, value = line.rpartition(" ")
            found[key[len(name) :]] = float(value)
    return found


def test_a_worker_needs_postgresql(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(f'[state]\ndatabase = "{tmp_path / "s.db"}"\n[web]\nsecret_env = "X"\n')
    result = scc("--config", str(tmp_path / "c.toml"), "worker", cwd=tmp_path, env={"X": "x" * 20})
    assert result.returncode == 2, result.stderr
    assert "state.database: cluster workers share their work through PostgreSQL" in result.stderr


@pytest.mark.slow
def test_three_workers_sync_300_sources_each_exactly_once(
    cluster_url: str, cluster_of, http_server: LocalServer
) -> None:
    feed = "application/rss+xml"
    urls = [http_server.route(f"/q{n}.xml", Reply(body=rss(n), content_type=feed)) for n in range(300)]
    sources = "".join(
        f'[[sources]]\nname = "q{n}"\nkind = "feed"\nurl = "{url}"\nfetch_articles = false\n'
        for n, url in enumerate(urls)
    )
    cluster: Cluster = cluster_of(cluster_toml(cluster_url) + "\n" + sources)
    cluster.start(3)  # the schedule's first tick (one for the cluster) starts a sync round at once
    cluster.wait_until(lambda: "sync_source" in cluster.queue() and cluster.idle(), 120, "the sync round")
    assert all(http_server.hits(f"/q{n}.xml") == 1 for n in range(300)), [
        n for n in range(300) if http_server.hits(f"/q{n}.xml") != 1
    ]
    queue = cluster.queue()
    assert queue["tick"].get("succeeded") >= 1 and queue["sync_round"] == {"succeeded": 1}
    assert queue["sync_source"] == {"succeeded": 300}
    with cluster.store.read() as conn:
        rows = list_workers(conn, since=EPOCH)
    assert len(rows) == 3 and all(w.done > 0 for w in rows), [(w.id, w.done) for w in rows]
    spread = [
        sum(v for k, v in metric(w.listen or "", "scc_sync_cluster_tasks_total").items() if "sync" in k)
        for w in rows
    ]
    assert sum(spread) >= 300 and all(n > 0 for n in spread), spread
    assert cluster.stop() == [0, 0, 0]


def mailing(store: Store, subscribers: int) -> datetime:
    """Yesterday's item and `subscribers` daily subscribers who have not had it."""
    now = datetime.now(UTC)
    add_item(store, "cluster-1", at=now - timedelta(days=1), title="Smart Country Convention 2026")
    with store.write() as conn:
        for n in range(subscribers):
            add_subscriber(
                conn,
                f"m{n}@example.org",
                now=now - timedelta(days=2),
                origin="import",
                status="confirmed",
                frequency="daily",
            )
    return now


def defer_digest(url: str) -> None:
    app = queue_app(url)
    with app.open():
        app.configure_task("digest", lock="digest", queueing_lock="digest").defer()


@pytest.mark.slow
def test_a_mailing_is_sent_in_batches_by_all_three_workers(
    cluster_url: str, cluster_of, smtp_server: SmtpServer
) -> None:
    smtp_server.handler.data_delay = 0.02  # a server that takes 20 ms per message
    cluster: Cluster = cluster_of(cluster_toml(cluster_url, smtp_server))
    mailing(cluster.store, 600)
    cluster.start(3)
    defer_digest(cluster_url)
    cluster.wait_until(
        lambda: count_by_state_of(cluster.store).get("sent", 0) == 600 and cluster.idle(), 120, "the mailing"
    )
    received = Counter(rcpt for m in smtp_server.handler.messages for rcpt in m.rcpt_tos)
    assert len(received) == 600 and set(received.values()) == {1}
    assert cluster.queue()["send"]["succeeded"] >= 12  # 600 messages in batches of at most 50
    sent_by = [
        metric(w.listen or "", "scc_sync_cluster_mails_total").get('{state="sent"}', 0)
        for w in cluster.working()
    ]
    assert sum(sent_by) == 600 and all(n > 0 for n in sent_by), sent_by  # each worker sent its share
    assert all(message_from_bytes(m.data)["Subject"] for m in smtp_server.handler.messages)
    status = scc("--config", str(cluster.config), "status", cwd=cluster.folder)
    assert status.returncode == 0, status.stderr
    assert "Cluster workers" in status.stdout and status.stdout.count(" working ") == 3
    assert re.search(r"^send\s+-\s+-\s+\d+", status.stdout, re.MULTILINE), status.stdout
    health = scc("--config", str(cluster.config), "healthcheck", cwd=cluster.folder)
    assert health.returncode == 0 and "last successful sync 20" in health.stdout, health.stdout  # nothing due
    assert cluster.stop() == [0, 0, 0]


def count_by_state_of(store: Store) -> dict[str, int]:
    with store.read() as conn:
        return count_by_state(conn)


@pytest.mark.slow
def test_killing_workers_mid_mailing_loses_and_doubles_nothing(
    cluster_url: str, cluster_of, smtp_server: SmtpServer
) -> None:
    """10 SIGKILLs of a random worker while a mailing goes out, each replaced by a fresh worker."""
    smtp_server.handler.data_delay = 0.02
    cluster: Cluster = cluster_of(cluster_toml(cluster_url, smtp_server))
    total = 1200
    mailing(cluster.store, total)
    cluster.start(3)
    defer_digest(cluster_url)
    chance = random.Random(15)
    for _ in range(10):
        time.sleep(chance.uniform(0.3, 1.0))
        cluster.kill(chance.choice(cluster.workers))
        cluster.spawn()
    assert count_by_state_of(cluster.store).get("sent", 0) < total  # the last kill, too, was mid-mailing

    def settled() -> bool:
        states = count_by_state_of(cluster.store)
        return states.get("sent", 0) + states.get("unknown", 0) == total and cluster.idle()

    cluster.wait_until(settled, 180, "the mailing to settle")
    with cluster.store.read() as conn:
        ledger = list_ledger(conn, kind="digest")
    received = Counter(rcpt for m in smtp_server.handler.messages for rcpt in m.rcpt_tos)
    unknown = [row.recipient for row in ledger if row.state == "unknown"]
    sent = [row.recipient for row in ledger if row.state == "sent"]
    assert len(ledger) == total and len(sent) + len(unknown) == total
    assert max(received.values()) == 1  # no recipient doubled
    assert all(received[r] == 1 for r in sent)  # every message recorded as sent arrived
    assert len(unknown) <= len(cluster.killed)  # at most the one in flight per kill
    assert set(received) - set(sent) <= set(unknown)  # what else arrived was in flight when its sender died
    with cluster.store.read() as conn:
        lost = [w for w in list_workers(conn, since=EPOCH) if w.state == "lost"]
        runs = {r["job"]: r for r in last_runs(conn)}
    assert {w.pid for w in lost} <= set(cluster.killed)
    assert runs["digest"]["status"] == "ok"
    assert cluster.stop() == [0, 0, 0]
