"""What a broken or hostile feed puts in its items, through `sync`, `items` and `digest` as people run them.

Impossible dates (year 0001, "0001 … +0100", 2099) become unknown with a warning, and rows stored before
that rule do not crash `items` or `digest` in a time zone west of UTC. Control characters (ESC sequences
that clear a terminal or set its title, BEL, C1) never reach the store or the terminal.
"""

from __future__ import annotations

import json
import mailbox
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import update

from httpserver import LocalServer, Reply
from scc_sync.store import open_store
from scc_sync.store.schema import items
from tests.commands.conftest import SECRET
from tests.commands.test_mailings_and_subscribers import write_config as newsletter_config
from tests.conftest import scc

WEST_OF_UTC = "America/Los_Angeles"
TODAY = datetime.now(UTC).strftime("%a, %d %b %Y 08:00:00 +0000")
DATED_FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Verband</title><link>https://verband.example/</link>
<item><title>Jahr eins mit Offset</title><link>https://verband.example/1</link><guid>1</guid>
  <pubDate>Mon, 01 Jan 0001 00:00:00 +0100</pubDate></item>
<item><title>Jahr eins in UTC</title><link>https://verband.example/2</link><guid>2</guid>
  <pubDate>0001-01-01T00:00:00Z</pubDate></item>
<item><title>Aus der Zukunft</title><link>https://verband.example/3</link><guid>3</guid>
  <pubDate>Thu, 01 Jan 2099 12:00:00 GMT</pubDate></item>
<item><title>Heute</title><link>https://verband.example/4</link><guid>4</guid><pubDate>{TODAY}</pubDate></item>
</channel></rss>"""


def write_config(tmp_path: Path, feed_url: str) -> str:
    """The newsletter commands' configuration, in a time zone west of UTC."""
    config = newsletter_config(tmp_path, feed_url=feed_url)
    config.write_text(f'timezone = "{WEST_OF_UTC}"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    return str(config)


def test_impossible_dates_are_unknown_and_old_rows_with_them_still_show(
    tmp_path: Path, http_server: LocalServer
) -> None:
    url = http_server.route("/feed.xml", Reply(body=DATED_FEED.encode(), content_type="application/rss+xml"))
    config = write_config(tmp_path, url)
    synced = scc("--config", config, "sync", cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    warning = synced.stdout + synced.stderr
    assert "verband:" in warning and "dates 3 entries before 1990-01-01 or more than 2 days ahead" in warning
    for title in ("Jahr eins mit Offset", "Jahr eins in UTC", "Aus der Zukunft"):
        assert repr(title) in warning  # the item is named

    listed = json.loads(scc("--config", config, "items", "--format", "json", cwd=tmp_path).stdout)
    published = {item["title"]: item["published"] for item in listed}
    first_seen = {item["title"]: item["first_seen"] for item in listed}
    for title in ("Jahr eins mit Offset", "Jahr eins in UTC", "Aus der Zukunft"):
        assert published[title] == first_seen[title]  # unknown: the first-seen time, as for undated items
    assert published["Heute"].startswith(datetime.now(UTC).date().isoformat())

    # A store from before the rule: its rows may hold year 0001, which no zone west of UTC can show.
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store, store.write() as conn:
        old = datetime(1, 1, 1, tzinfo=UTC)
        conn.execute(update(items).where(items.c.key.in_(["1", "2"])).values(published_at=old))

    table = scc("--config", config, "items", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Jahr eins mit Offset" in table.stdout and "0001" not in table.stdout

    assert scc("--config", config, "subscribers", "add", "max@example.org", "--frequency", "daily",
               cwd=tmp_path).returncode == 0  # fmt: skip
    # The daily digest covers the local day before --as-of: the day the items were first seen.
    tomorrow = f"{datetime.now(ZoneInfo(WEST_OF_UTC)).date() + timedelta(days=1)}T12:00:00"
    digest = scc("--config", config, "digest", "--as-of", tomorrow, cwd=tmp_path, env=SECRET)
    assert digest.returncode == 0, digest.stderr
    [mail] = mailbox.Maildir(tmp_path / "maildir").values()
    body = mail.get_payload(0).get_payload(decode=True).decode()
    assert "Jahr eins mit Offset" in body and "Heute" in body


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# ESC sequences that clear the screen, set the terminal's title and colour text, a bell, a C1 CSI;
# literal bytes (the XML is malformed: feedparser reads it) and numeric references alike.
HOSTILE_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Verband</title>
<item><title>\x1b[2J\x1b[HRathaus\x07 geschlossen\x1b]0;gekapert\x07</title><guid>1</guid>
  <link>https://verband.example/1</link><dc:creator>Pr\x1b[31messe</dc:creator>
  <description>Sanierung&#27;[5m bis Mai\x9b2J.</description></item>
</channel></rss>"""


def test_control_characters_never_reach_the_store_or_the_terminal(
    tmp_path: Path, http_server: LocalServer
) -> None:
    feed = Reply(body=HOSTILE_FEED.encode(), content_type="application/rss+xml")
    url = http_server.route("/feed.xml", feed)
    config = write_config(tmp_path, url)
    assert scc("--config", config, "sync", cwd=tmp_path).returncode == 0

    table = scc("--config", config, "items", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Rathaus geschlossen" in table.stdout
    assert not CONTROL.search(table.stdout), repr(table.stdout)

    shown = scc("--config", config, "items", "--format", "json", cwd=tmp_path)
    assert not CONTROL.search(shown.stdout), repr(shown.stdout)
    [item] = json.loads(shown.stdout)
    assert item["title"] == "Rathaus geschlossen"
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store, store.read() as conn:
        [text] = conn.execute(items.select().with_only_columns(items.c.text)).scalars()
    assert text == "Sanierung bis Mai›2J."  # feedparser reads a C1 byte as windows-1252, like its neighbours
