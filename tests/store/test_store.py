"""The store against real SQLite and (when configured) real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select, update

from scc_sync.models import Item
from scc_sync.store import Store, StoreError, open_store
from scc_sync.store.engine import head_revision
from scc_sync.store.items import known_articles, list_items, record_article_reads, save_item
from scc_sync.store.locks import LockBusy, acquire, release, renew
from scc_sync.store.schema import items, meta, metadata, sources
from scc_sync.store.sources import backoff_delay, ensure_source, get_source
from tests.store.test_outbox_payloads import migrate

T0 = datetime(2021, 10, 19, 8, 0, tzinfo=UTC)


def test_migrations_build_exactly_the_declared_schema(store: Store) -> None:
    assert store.schema_version() == head_revision()
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_migrate_is_idempotent_and_keeps_rows(store_url: str) -> None:
    with open_store(store_url) as first, first.write() as conn:
        conn.execute(insert(meta).values(key="k", value="v", updated_at=T0))
    with open_store(store_url) as again, again.read() as conn:
        assert conn.scalar(select(meta.c.value)) == "v"


def test_times_round_trip_as_utc(store: Store) -> None:
    berlin = datetime(2021, 10, 26, 9, 0, tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    with store.write() as conn:
        conn.execute(insert(meta).values(key="t", value="x", updated_at=berlin))
    with store.read() as conn:
        stored = conn.scalar(select(meta.c.updated_at))
    assert stored == berlin and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"), store.write() as conn:
        conn.execute(insert(meta).values(key="t", value="x", updated_at=datetime(2021, 1, 1)))


def item(
    key: str = "guid-1",
    title: str = "Smart Country Convention digital erfolgreich",
    text: str = "Am 27. und 28. Oktober …",
) -> Item:
    return Item(
        source="presse",
        key=key,
        url=f"https://example.org/{key}",
        title=title,
        text=text,
        published=datetime(2020, 11, 2, 9, 15, tzinfo=UTC),
    )


def test_item_lifecycle_new_unchanged_updated(store: Store) -> None:
    with store.write() as conn:
        ensure_source(conn, name="presse", kind="feed", url="https://example.org/feed", now=T0)
        assert save_item(conn, item(), now=T0) == "new"
        assert save_item(conn, item(), now=T0 + timedelta(hours=1)) == "unchanged"
        # whitespace and case alone are not a change a reader would notice
        assert save_item(conn, item(text="Am 27.  und 28. Oktober …\n"), now=T0) == "unchanged"
        assert (
            save_item(conn, item(text="Am 27. und 28. Oktober 2020 …"), now=T0 + timedelta(hours=2))
            == "updated"
        )
    with store.read() as conn:
        [stored] = list_items(conn)
    assert stored.revision == 2
    assert stored.changed == T0 + timedelta(hours=2) and stored.first_seen == T0
    assert stored.as_json()["updated"] is not None


def test_item_without_date_uses_first_seen_and_future_dates_are_clamped(store: Store) -> None:
    with store.write() as conn:
        ensure_source(conn, name="presse", kind="feed", url="https://example.org/feed", now=T0)
        save_item(conn, Item("presse", "a", "https://example.org/a", "A"), now=T0)
        save_item(
            conn,
            Item("presse", "b", "https://example.org/b", "B", published=T0 + timedelta(days=400)),
            now=T0,
        )
    with store.read() as conn:
        assert {i.key: i.published for i in list_items(conn)} == {"a": T0, "b": T0}


def test_impossible_dates_are_stored_as_first_seen_and_old_ones_read_as_first_seen(store: Store) -> None:
    with store.write() as conn:
        ensure_source(conn, name="presse", kind="feed", url="https://example.org/feed", now=T0)
        year_one = datetime(1, 1, 1, tzinfo=UTC)
        save_item(conn, Item("presse", "a", "https://example.org/a", "A", published=year_one), now=T0)
        save_item(conn, Item("presse", "b", "https://example.org/b", "B", published=T0), now=T0)
        conn.execute(update(items).where(items.c.key == "b").values(published_at=year_one))  # from before
    with store.read() as conn:
        assert {i.key: i.published for i in list_items(conn)} == {"a": T0, "b": T0}


def test_control_characters_never_enter_the_store(store: Store) -> None:
    summary = {"title": "Rat\x1b[2Jhaus", "people": [{"name": "Jörg\x07 Müller", "role": None}], "n": 3}
    with store.write() as conn:
        ensure_source(conn, name="presse", kind="feed", url="https://example.org/feed", now=T0)
        item = Item(
            "presse", "k\x1b", "https://example.org/a", "\x1b]0;weg\x07Titel\x00", text="a\tb\nc\x9bd"
        )
        save_item(conn, item, now=T0, summary=summary)
        record_article_reads(conn, "presse", [("k\x1b", {"lead": "\x1b[31mrot"}, b"<html>")])
    with store.read() as conn:
        [stored] = list_items(conn)
    assert (stored.key, stored.title, stored.text) == ("k\x1b", "Titel", "a\tb\ncd")  # the key is identity
    assert stored.summary == {"lead": "rot"}
    with store.write() as conn:
        save_item(conn, item, now=T0 + timedelta(days=1), summary=summary)  # same printable text: unchanged
    with store.read() as conn:
        [again] = list_items(conn)
    assert again.revision == 1
    assert again.summary == {"title": "Rathaus", "people": [{"name": "Jörg Müller", "role": None}], "n": 3}


def test_items_filtered_by_source_and_since(store: Store) -> None:
    with store.write() as conn:
        for name in ("presse", "themen"):
            ensure_source(conn, name=name, kind="feed", url=f"https://example.org/{name}", now=T0)
        save_item(conn, item("old"), now=T0)
        save_item(conn, Item("themen", "new", "https://example.org/new", "Neu"), now=T0 + timedelta(days=2))
    with store.read() as conn:
        assert [i.key for i in list_items(conn, since=T0 + timedelta(days=1))] == ["new"]
        assert [i.key for i in list_items(conn, source="presse")] == ["old"]


def test_changed_source_url_resets_validators(store: Store) -> None:
    with store.write() as conn:
        ensure_source(conn, name="s", kind="feed", url="https://a.example/feed", now=T0)
        conn.execute(sources.update().values(etag='"abc"', failures=3))
        state = ensure_source(conn, name="s", kind="feed", url="https://b.example/feed", now=T0)
    assert state.url == "https://b.example/feed" and state.etag is None and state.failures == 0


def test_backoff_grows_and_is_capped() -> None:
    base, cap = timedelta(minutes=5), timedelta(hours=24)
    delays = [backoff_delay(n, base=base, cap=cap, jitter=1.0) for n in range(1, 12)]
    assert delays[0] == base and delays[1] == 2 * base
    assert delays == sorted(delays) and delays[-1] == cap
    assert backoff_delay(3, base=base, cap=cap, jitter=0.0) == 2 * base  # jitter halves at most


def test_lock_is_exclusive_until_released_or_expired(store: Store) -> None:
    ttl = timedelta(minutes=10)
    acquire(store, "sync", "one", now=T0, ttl=ttl)
    with pytest.raises(LockBusy, match="held by one"):
        acquire(store, "sync", "two", now=T0 + timedelta(minutes=1), ttl=ttl)
    assert renew(store, "sync", "one", now=T0 + timedelta(minutes=5), ttl=ttl)
    with pytest.raises(LockBusy):
        acquire(store, "sync", "two", now=T0 + timedelta(minutes=12), ttl=ttl)
    acquire(store, "sync", "two", now=T0 + timedelta(minutes=16), ttl=ttl)  # the lease of "one" expired
    assert not renew(store, "sync", "one", now=T0 + timedelta(minutes=16), ttl=ttl)
    release(store, "sync", "two")
    acquire(store, "sync", "three", now=T0 + timedelta(minutes=17), ttl=ttl)


def test_lock_under_concurrent_acquirers_has_one_winner(store: Store) -> None:
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def contend(owner: str) -> None:
        barrier.wait()
        try:
            acquire(store, "digest", owner, now=T0, ttl=timedelta(minutes=5))
            winners.append(owner)
        except LockBusy:
            pass

    threads = [threading.Thread(target=contend, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


def test_sqlite_is_configured_for_concurrent_processes(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_sqlite_writer_waits_instead_of_deadlocking(tmp_path: Path) -> None:
    """Two writers that both read first: with BEGIN IMMEDIATE the second waits, it never fails to upgrade."""
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        order: list[str] = []
        entered = threading.Event()

        def writer(name: str, hold: threading.Event | None) -> None:
            with store.write() as conn:
                conn.execute(select(meta)).all()
                entered.set()
                if hold:
                    hold.wait(5)
                conn.execute(insert(meta).values(key=name, value=name, updated_at=T0))
                order.append(name)

        release_first = threading.Event()
        first = threading.Thread(target=writer, args=("first", release_first))
        first.start()
        entered.wait(5)
        second = threading.Thread(target=writer, args=("second", None))
        second.start()
        release_first.set()
        first.join()
        second.join()
        assert order == ["first", "second"]


def test_unusable_database_is_reported_with_its_location(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match=r"state.db: cannot create the state folder .*file"):
        open_store(f"sqlite:///{blocker}/state.db")


def test_not_a_database_url() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store("::nonsense::")


def test_get_source_unknown_is_none(store: Store) -> None:
    with store.read() as conn:
        assert get_source(conn, "nope") is None


def test_save_items_in_bulk_matches_one_by_one(store: Store) -> None:
    from scc_sync.store.items import save_items
    from scc_sync.store.schema import items as items_table

    with store.write() as conn:
        ensure_source(conn, name="presse", kind="feed", url="https://example.org/feed", now=T0)
        save_item(conn, item("known"), now=T0)
        save_item(conn, item("edited"), now=T0)
        entries = [
            (item("known"), None, None),
            (item("edited", text="Ganz neuer Text"), None, None),
            (item("fresh"), {"title": "Fakten"}, b"<html>"),
            (item("bare"), None, None),
            (item("fresh", text="derselbe Schlüssel noch einmal"), None, None),
        ]
        later = T0 + timedelta(hours=1)
        assert save_items(conn, "presse", entries, now=later) == [
            "unchanged",
            "updated",
            "new",
            "new",
            "unchanged",
        ]
        summaries = dict(conn.execute(select(items_table.c.key, items_table.c.summary)).all())
    assert summaries["fresh"] == {"title": "Fakten"}
    assert summaries["bare"] is None  # SQL NULL, so "has a summary" queries stay right
    with store.read() as conn:
        by_key = {i.key: i for i in list_items(conn)}
    assert by_key["edited"].revision == 2 and by_key["fresh"].first_seen == later


def test_items_from_before_migration_0005_are_kept_and_count_as_never_checked(store_url: str) -> None:
    with open_store(store_url, migrate=False) as old:
        migrate(old, "0004")
        with old.write() as conn:
            # By hand: today's ensure_source and save_item know columns that 0004 did not have.
            conn.execute(
                insert(sources).values(
                    name="presse",
                    kind="page",
                    url="https://example.org/presse/",
                    failures=0,
                    gone=False,
                    redirect_seen=0,
                    created_at=T0,
                )
            )
            conn.execute(
                insert(items).values(
                    source="presse",
                    key="https://example.org/a",
                    url="https://example.org/a",
                    title="Rückblick",
                    text="",
                    published_at=T0,
                    first_seen_at=T0,
                    changed_at=T0,
                    revision=1,
                    content_hash="x",
                    raw=b"<html>alt</html>",
                )
            )
    with open_store(store_url) as upgraded, upgraded.read() as conn:
        [article] = known_articles(conn, "presse", first_seen_since=T0 - timedelta(days=14))
        [item] = list_items(conn)
    assert (article.checked, article.etag, article.page_hash, article.last_checked) == (None, None, None, T0)
    assert item.title == "Rückblick" and item.revision == 1
