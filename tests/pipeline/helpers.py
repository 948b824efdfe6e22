"""Building blocks for delivery tests: a config, stored items, parsed messages."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from scc_sync.config import Config, parse_config
from scc_sync.effects import Effects
from scc_sync.models import Item
from scc_sync.newsletter.kit import MailKit
from scc_sync.store import Store
from scc_sync.store.items import save_item
from scc_sync.store.sources import ensure_source

SECRET_ENV = "SCC_SYNC_TEST_SECRET"
SECRET = "test-secret-0123456789abcdef"
# A stored summary of the seed recap (the VKU report on the Smart Country Convention 2020), as sync keeps it.
SCC_2020_RECAP = {
    "title": "Smart Country Convention digital erfolgreich",
    "event": {
        "name": "Smart Country Convention 2020",
        "start": "2020-10-27",
        "end": "2020-10-28",
        "format": "online",
        "counts": {"participants": {"value": 10600}, "speakers": {"value": 150, "qualifier": "more_than"}},
    },
    "people": [
        {
            "name": "Markus Richter",
            "title": "Dr.",
            "role": "Bundes-CIO und Staatssekretär im Bundesministerium des Innern, für Bau und Heimat",
        }
    ],
    "next_event": {"name": "Smart Country Convention 2021", "start": "2021-10-26", "end": "2021-10-28"},
}


def config(subscribers: list[dict[str, Any]] | None = None, **sections: Any) -> Config:
    data: dict[str, Any] = {
        "delivery": {
            "from": "SCC-Digest Städtetag <digest@news.example.org>",
            "list_id": "digest.news.example.org",
            "retry_after": "5m",
        },
        "web": {"base_url": "https://news.example.org", "secret_env": SECRET_ENV},
        "digest": {"window": "14d"},
        "subscribers": subscribers if subscribers is not None else [],
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return parse_config(data)


def add_item(
    store: Store,
    key: str,
    *,
    at: datetime,
    title: str | None = None,
    text: str = "Text der Meldung.",
    source: str = "presse",
    summary: dict[str, Any] | None = None,
) -> None:
    with store.write() as conn:
        ensure_source(conn, name=source, kind="feed", url=f"https://example.org/{source}.xml", now=at)
        save_item(
            conn,
            Item(
                source, key, f"https://example.org/{key}", title or f"Meldung {key}", published=at, text=text
            ),
            now=at,
            summary=summary,
        )


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, _class=EmailMessage, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def mail_kit(config: Config) -> MailKit:
    """The kit a command builds: from the environment the test set, with ./templates if there is one."""
    return Effects.here().mail_kit(config)


def fixed(moment: datetime):
    return lambda: moment
