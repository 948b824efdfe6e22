"""Message bytes live in `outbox_payloads`: the 0003 migration moves them there in place, and back down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect, select, text

from scc_sync.models import Item
from scc_sync.newsletter.transports import SmtpTransport
from scc_sync.pipeline.deliver import DeliveryReport, deliver
from scc_sync.store import Store, open_store
from scc_sync.store.digests import record_deliveries
from scc_sync.store.engine import MIGRATIONS
from scc_sync.store.items import save_item
from scc_sync.store.outbox import RetryPolicy, list_ledger
from scc_sync.store.schema import digest_deliveries, outbox_payloads
from scc_sync.store.subscribers import add_subscriber

T0 = datetime(2021, 10, 19, 8, tzinfo=UTC)


def message(n: int) -> bytes:
    return (
        f"From: news@example.org\r\nTo: user{n}@example.org\r\nSubject: Ausgabe {n}\r\n"
        f"Message-ID: <m{n}@example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n\r\nGrüße\r\n'
    ).encode()


def migrate(store: Store, revision: str, *, down: bool = False) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


INSERT_0002_ROW = text(
    "INSERT INTO outbox (kind, ref, recipient, subscriber_id, message_id, state, attempts, next_attempt_at,"
    " payload, created_at, updated_at) VALUES ('digest', 'daily:2021-10-18', :to, :sub, :mid, :state,"
    " :attempts, :due, :payload, :now, :now) RETURNING id"
)


def build_0002_database(store: Store) -> dict[str, int]:
    """A database as 0002 left it: bytes in outbox.payload, a delivery record pointing at a sent row."""
    migrate(store, "0002")
    now = T0.replace(tzinfo=None) if store.engine.dialect.name == "sqlite" else T0
    rows = {  # recipient number -> (state, attempts, payload)
        0: ("queued", 0, message(0)),
        1: ("deferred", 1, message(1)),  # due again
        2: ("sent", 1, message(2)),
        3: ("queued", 0, None),  # no bytes: cannot be sent, must not stay queued forever
    }
    ids, subs = {}, {}
    with store.write() as conn:
        conn.execute(  # by hand: today's ensure_source knows columns that 0002 did not have
            text(
                "INSERT INTO sources (name, kind, url, failures, gone, redirect_seen, created_at)"
                " VALUES ('s', 'feed', 'https://s.example/feed', 0, false, 0, :now)"
            ),
            {"now": now},
        )
        save_item(conn, Item("s", "k", "https://s.example/1", "Titel"), now=T0)
        item_id = conn.scalar(text("SELECT id FROM items"))
        for n, (state, attempts, payload) in rows.items():
            sub = add_subscriber(conn, f"user{n}@example.org", now=T0, origin="cli", status="confirmed")
            subs[n] = sub.id
            params = {"to": f"user{n}@example.org", "sub": subs[n], "mid": f"<m{n}@example.org>"}
            params |= {"state": state, "attempts": attempts, "due": now, "payload": payload, "now": now}
            ids[n] = conn.scalar(INSERT_0002_ROW, params)
        record_deliveries(conn, [(subs[2], ids[2], [(item_id, 1)])])
    return ids


def test_an_0002_database_upgrades_in_place_and_its_rows_still_send(store_url: str, smtp_server) -> None:
    with Store(store_url) as old:
        ids = build_0002_database(old)
    with open_store(store_url) as store:
        with store.read() as conn:
            moved = dict(conn.execute(select(outbox_payloads.c.outbox_id, outbox_payloads.c.payload)).all())
            kept = conn.execute(select(digest_deliveries.c.outbox_id)).scalars().all()
            columns = {c["name"] for c in inspect(conn).get_columns("outbox")}
        assert moved == {ids[0]: message(0), ids[1]: message(1), ids[2]: message(2)}
        assert kept == [ids[2]]  # the column drop did not rebuild `outbox` and cascade into its children
        assert "payload" not in columns
        report = DeliveryReport("digest")
        with SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=10) as transport:
            later = T0 + timedelta(hours=1)
            deliver(
                store,
                transport,
                owner="w",
                now=lambda: later,
                policy=RetryPolicy(),
                kinds=["digest"],
                report=report,
            )
        with store.read() as conn:
            states = {row.id: (row.state, row.last_reply) for row in list_ledger(conn)}
    assert sorted(m.data.replace(b"\r\n", b"\n") for m in smtp_server.handler.messages) == [
        message(0).replace(b"\r\n", b"\n"),
        message(1).replace(b"\r\n", b"\n"),
    ]
    assert [states[ids[n]][0] for n in range(4)] == ["sent", "sent", "sent", "failed"]
    assert "no message bytes stored" in states[ids[3]][1]


def test_downgrade_puts_the_bytes_back_into_outbox(store_url: str) -> None:
    with Store(store_url) as store:
        ids = build_0002_database(store)
        migrate(store, "head")
        migrate(store, "0002", down=True)
        with store.read() as conn:
            back = dict(conn.execute(text("SELECT id, payload FROM outbox")).all())
            tables = set(inspect(conn).get_table_names())
    assert {k: bytes(v) if v is not None else None for k, v in back.items()} == {
        ids[0]: message(0),
        ids[1]: message(1),
        ids[2]: message(2),
        ids[3]: None,
    }
    assert "outbox_payloads" not in tables
