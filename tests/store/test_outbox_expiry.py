"""Migration 0008: reminders queued before it and still waiting get their event's start as their limit."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert

from scc_sync.store import Store, open_store
from scc_sync.store.outbox import list_ledger
from scc_sync.store.schema import events, outbox
from tests.store.test_outbox_payloads import migrate

T0 = datetime(2021, 10, 19, 8, tzinfo=UTC)


def test_waiting_reminders_from_before_0008_expire_when_their_event_starts_anywhere(store_url: str) -> None:
    with Store(store_url) as old:
        migrate(old, "0007")
        with old.write() as conn:
            conn.execute(
                insert(events).values(
                    key="scc-2021",
                    name="SCC 2021",
                    start_date=date(2021, 10, 26),
                    end_date=date(2021, 10, 28),
                    origin="config",
                    reminders=["7d"],
                    sequence=0,
                    created_at=T0,
                    updated_at=T0,
                )
            )
            rows = [  # (kind, ref, state)
                ("reminder", "scc-2021:7d", "queued"),
                ("reminder", "scc-2021:30d", "deferred"),
                ("reminder", "scc-2021:1d", "sent"),  # settled: left alone
                ("reminder", "gone-2020:7d", "queued"),  # no such event any more: nothing to go by
                ("digest", "daily:2021-10-18", "queued"),
            ]
            for n, (kind, ref, state) in enumerate(rows):
                conn.execute(
                    insert(outbox).values(
                        kind=kind,
                        ref=ref,
                        recipient=f"user{n}@example.org",
                        message_id=f"<m{n}@example.org>",
                        state=state,
                        attempts=0,
                        created_at=T0,
                        updated_at=T0,
                    )
                )
    with open_store(store_url) as store, store.read() as conn:
        limits = {(r.ref, r.state): r.expires_at for r in list_ledger(conn)}
    earliest_midnight = datetime(2021, 10, 25, 10, tzinfo=UTC)  # 26 Oct, 00:00 at UTC+14
    assert limits == {
        ("scc-2021:7d", "queued"): earliest_midnight,
        ("scc-2021:30d", "deferred"): earliest_midnight,
        ("scc-2021:1d", "sent"): None,
        ("gone-2020:7d", "queued"): None,
        ("daily:2021-10-18", "queued"): None,
    }
