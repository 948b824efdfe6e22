"""Subscribers in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scc_sync.models import Subscriber
from scc_sync.store import Store
from scc_sync.store.subscribers import (
    SubscriberError,
    SubscriberExists,
    add_subscriber,
    confirm_subscriber,
    get_subscriber,
    list_subscribers,
    remove_subscriber,
    sync_config_subscribers,
    unsubscribe,
    update_preferences,
)

T0 = datetime(2021, 10, 1, 8, tzinfo=UTC)


def test_addresses_are_unique_case_insensitively_and_validated(store: Store) -> None:
    with store.write() as conn:
        anna = add_subscriber(conn, "Anna.Schmidt@Example.org", now=T0, origin="web", name="Anna")
        assert anna.status == "pending" and anna.email == "Anna.Schmidt@example.org"
        with pytest.raises(SubscriberExists, match="already subscribed"):
            add_subscriber(conn, "anna.schmidt@EXAMPLE.org", now=T0, origin="cli")
        for bad in ("no-at-sign", "a@b", "x y@example.org", "a@@example.org"):
            with pytest.raises(SubscriberError, match="not a valid email address"):
                add_subscriber(conn, bad, now=T0, origin="cli")
        with pytest.raises(SubscriberError, match="locale must be one of de, en"):
            add_subscriber(conn, "c@example.org", now=T0, origin="cli", locale="fr")
    with store.read() as conn:
        assert get_subscriber(conn, "ANNA.schmidt@example.org") == anna
        assert [s.email for s in list_subscribers(conn)] == ["Anna.Schmidt@example.org"]


def test_lifecycle_confirm_preferences_unsubscribe_resubscribe(store: Store) -> None:
    with store.write() as conn:
        sub = add_subscriber(conn, "joerg@example.org", now=T0, origin="web")
        sub = confirm_subscriber(conn, sub.id, now=T0 + timedelta(minutes=5))
        assert sub.status == "confirmed" and sub.subscribed_at == T0 + timedelta(minutes=5)
        sub = update_preferences(
            conn, sub.id, now=T0, frequency="daily", keywords=["Wärme", " "], locale="en"
        )
        assert (sub.frequency, sub.keywords, sub.locale) == ("daily", ("Wärme",), "en")
        sub = unsubscribe(conn, sub.id, now=T0 + timedelta(days=1))
        assert unsubscribe(conn, sub.id, now=T0 + timedelta(days=2)).status == "unsubscribed"  # idempotent
        with pytest.raises(SubscriberError, match="cannot confirm a subscription that is unsubscribed"):
            confirm_subscriber(conn, sub.id, now=T0)
        again = add_subscriber(conn, "joerg@example.org", now=T0 + timedelta(days=3), origin="web")
        assert again.id == sub.id and again.status == "pending"
        removed = remove_subscriber(conn, "joerg@example.org")
        assert get_subscriber(conn, removed.id) is None


def test_config_sync_adds_updates_and_never_resubscribes(store: Store) -> None:
    configured = [Subscriber("anna@example.org", name="Anna"), Subscriber("bob@example.org", locale="en")]
    with store.write() as conn:
        assert sync_config_subscribers(conn, configured, now=T0) == {"added": 2, "updated": 0}
        bob = get_subscriber(conn, "bob@example.org")
        unsubscribe(conn, bob.id, now=T0)
    changed = [
        Subscriber("ANNA@example.org", name="Anna Schmidt", frequency="daily"),
        Subscriber("bob@example.org", name="Bob", locale="en"),
    ]
    with store.write() as conn:
        assert sync_config_subscribers(conn, changed, now=T0 + timedelta(hours=1)) == {
            "added": 0,
            "updated": 2,
        }
        assert sync_config_subscribers(conn, changed, now=T0 + timedelta(hours=2)) == {
            "added": 0,
            "updated": 0,
        }
    with store.read() as conn:
        anna, bob = get_subscriber(conn, "anna@example.org"), get_subscriber(conn, "bob@example.org")
    assert (anna.name, anna.frequency, anna.status) == ("Anna Schmidt", "daily", "confirmed")
    assert (bob.name, bob.status) == ("Bob", "unsubscribed")
