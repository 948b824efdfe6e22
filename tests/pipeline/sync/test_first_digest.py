"""A new source's archive is not news: what it had published before its first sync, long before, stays in
the store (and in `items`) but enters no digest. Through a real sync of a local feed, then a digest."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from httpserver import Reply
from scc_sync.config import Config, parse_config
from scc_sync.newsletter.transports import MaildirTransport
from scc_sync.pipeline.digest import preview_digest, run_digest
from scc_sync.store import Store
from scc_sync.store.items import list_items
from tests.pipeline.helpers import SECRET, SECRET_ENV, mail_kit, parse
from tests.pipeline.sync.conftest import Clock, Entry, feed, rss, run

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_SYNC = datetime(2021, 10, 19, 10, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


TITLES = ("Archiv 2020", "Archiv 2019", "Vor drei Tagen", "Vor zehn Tagen", "Gestern", "Neu am 20.")


def titles_in_digest(store: Store, cfg: Config, at: datetime, box: Path) -> list[str]:
    """Run the digest as of `at`; the titles in the one digest it delivers."""
    before = set(mailbox.Maildir(box, factory=None, create=True).keys())
    with MaildirTransport(box) as transport:
        run_digest(cfg, store, transport, mail_kit(cfg), now=lambda: at)
    maildir = mailbox.Maildir(box, factory=None, create=False)
    [key] = set(maildir.keys()) - before
    text = parse(maildir.get_bytes(key)).get_body(("plain",)).get_content()
    return [title for title in TITLES if title in text]


def test_a_new_sources_archive_never_enters_a_digest(http_server, store: Store, client, tmp_path) -> None:
    def entry(title: str, published: datetime) -> Entry:
        return Entry(title, f"https://example.org/{published:%Y%m%d}", published=published.astimezone(UTC))

    archive = [
        entry("Archiv 2020", datetime(2020, 10, 27, 12, tzinfo=BERLIN)),
        entry("Vor zehn Tagen", FIRST_SYNC - timedelta(days=10)),  # outside the 7-day window
        entry("Vor drei Tagen", FIRST_SYNC - timedelta(days=3)),  # inside: news to a newcomer
        entry("Gestern", FIRST_SYNC - timedelta(days=1)),
    ]
    url = http_server.route("/feed", Reply(200, rss(*archive), "application/rss+xml"))
    cfg = parse_config(
        {
            "sources": [feed("verband", url)],
            "http": {"timeout": 2},
            "delivery": {"maildir": str(tmp_path / "maildir")},
            "web": {"base_url": "https://news.example.org", "secret_env": SECRET_ENV},
            "subscribers": [{"email": "neu@example.org", "frequency": "daily"}],
        }
    )
    clock = Clock(FIRST_SYNC)
    assert run(cfg, store, client, clock).sources[0].new == 4
    first = titles_in_digest(store, cfg, datetime(2021, 10, 20, 7, tzinfo=BERLIN), tmp_path / "maildir")
    assert first == ["Vor drei Tagen", "Gestern"]
    with store.read() as conn:  # kept, and listed by `items`
        assert len(list_items(conn, source="verband")) == 4

    # Two days later the feed has a new item, and an old one it had not shown before: only the new is news.
    later = [*archive, entry("Neu am 20.", FIRST_SYNC + timedelta(days=1))]
    later.append(entry("Archiv 2019", datetime(2019, 5, 1, 12, tzinfo=BERLIN)))
    http_server.route("/feed", Reply(200, rss(*later), "application/rss+xml"))
    clock.advance(days=2)
    assert run(cfg, store, client, clock).sources[0].new == 2
    at = datetime(2021, 10, 22, 7, tzinfo=BERLIN)
    preview = preview_digest(cfg, store, mail_kit(cfg), "neu@example.org", now=at)  # before it is frozen
    assert preview is not None and [t for t in TITLES if t in preview.text] == ["Neu am 20."]
    assert titles_in_digest(store, cfg, at, tmp_path / "maildir") == ["Neu am 20."]
