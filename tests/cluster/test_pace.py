"""`[delivery] max_per_second` for the whole cluster: sending slots handed out by PostgreSQL."""

from __future__ import annotations

from email.message import EmailMessage
from itertools import pairwise

import pytest

from scc_sync.cluster.pace import SharedPace
from scc_sync.newsletter.transports import SmtpTransport
from scc_sync.store import Store, open_store
from scc_sync.store.cluster import reserve_send_slot

pytestmark = pytest.mark.postgres


def test_slots_are_spaced_for_all_workers_together(cluster_url: str, cluster_store: Store) -> None:
    with open_store(cluster_url, migrate=False) as other:  # a second worker's connection
        waits = []
        for n in range(6):
            with (cluster_store if n % 2 else other).write() as conn:
                waits.append(reserve_send_slot(conn, "smtp", per_second=10))
    steps = [later - earlier for earlier, later in pairwise(waits)]
    assert waits[0] < 0.05  # the first may go at once
    assert all(0.05 < step < 0.1 + 0.05 for step in steps), waits  # then one every 1/10 s, whoever asks


def test_a_worker_waits_for_its_slot_before_each_message(cluster_store: Store, smtp_server) -> None:
    slept: list[float] = []
    pace = SharedPace(cluster_store, 5, sleep=slept.append)
    transport = SmtpTransport(smtp_server.host, smtp_server.port, security="none", limiter=pace)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", "x"
    with transport:
        for _ in range(3):
            assert transport.send(msg).state == "sent"
    # The sleeps are not real, so each message's slot lies 1/5 s after the one before.
    assert len(slept) == 2 and 0.1 < slept[0] <= 0.2 and 0.15 < slept[1] - slept[0] <= 0.25, slept
    assert len(smtp_server.handler.messages) == 3
