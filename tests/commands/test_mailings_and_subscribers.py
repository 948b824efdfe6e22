"""`preview` and `subscribers import` as the communications person uses them."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from httpserver import LocalServer, Reply
from scc_sync.store import open_store
from smtpserver import SmtpServer
from tests.commands.conftest import SECRET
from tests.conftest import scc
from tests.pipeline.helpers import add_item

BERLIN = ZoneInfo("Europe/Berlin")
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Verband</title><link>{base}/</link><description>d</description>
<item><title>Neue Förderrichtlinie</title><link>{base}/a.html</link><guid>a</guid>
<description>Der Bund legt eine Richtlinie vor.</description></item>
</channel></rss>"""


def write_config(tmp_path: Path, *, feed_url: str = "http://127.0.0.1:9/feed.xml") -> Path:
    config = tmp_path / "scc.toml"
    config.write_text(
        f"""
[state]
database = "{tmp_path / "state.db"}"

[[sources]]
name = "verband"
kind = "feed"
url = "{feed_url}"
fetch_articles = false

[delivery]
transport = "maildir"
maildir = "{tmp_path / "maildir"}"
""",
        encoding="utf-8",
    )
    return config


def test_empty_preview_names_the_period_and_the_as_of_that_shows_the_next_digest(
    tmp_path: Path, http_server: LocalServer
) -> None:
    feed = http_server.route(
        "/feed.xml",
        Reply(body=RSS.format(base=http_server.base_url).encode(), content_type="application/rss+xml"),
    )
    config = str(write_config(tmp_path, feed_url=feed))
    assert scc("--config", config, "sync", cwd=tmp_path).returncode == 0
    assert scc("--config", config, "subscribers", "add", "max@example.org", cwd=tmp_path).returncode == 0

    empty = scc("--config", config, "preview", "digest", "--subscriber", "max@example.org", "--out", "x.html",
                cwd=tmp_path, env=SECRET)  # fmt: skip
    assert empty.returncode == 1
    assert "no items for this weekly subscriber in the last closed period (" in empty.stderr
    as_of = re.search(r"try --as-of (\S+)", empty.stderr)
    assert as_of, empty.stderr

    out = tmp_path / "previews" / "not" / "there" / "digest.html"  # the folder does not exist yet
    shown = scc("--config", config, "preview", "digest", "--subscriber", "max@example.org", "--out", str(out),
                "--as-of", as_of[1], cwd=tmp_path, env=SECRET)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert f"written to {out}" in shown.stdout
    assert "Neue Förderrichtlinie" in out.read_text(encoding="utf-8")

    (tmp_path / "file").write_text("a file, not a folder")
    blocked = scc("--config", config, "preview", "digest", "--subscriber", "max@example.org",
                  "--out", "file/x.html", "--as-of", as_of[1], cwd=tmp_path, env=SECRET)  # fmt: skip
    assert blocked.returncode == 2
    assert "--out file/x.html: cannot write:" in blocked.stderr and "Traceback" not in blocked.stderr


EXCEL = (
    "email;name;locale;frequency\r\nmax@example.org;Max Müller;DE;Weekly\r\nkaputt;Bad;de;weekly\r\n;;;\r\n"
)


def test_import_an_excel_export_bom_semicolons_windows_1252(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    (tmp_path / "utf8.csv").write_bytes(b"\xef\xbb\xbf" + EXCEL.encode("utf-8"))
    (tmp_path / "ansi.csv").write_bytes(EXCEL.replace("max@", "moritz@").encode("cp1252"))

    first = scc("--config", config, "subscribers", "import", "utf8.csv", cwd=tmp_path)
    assert first.returncode == 1  # one bad row
    assert "utf8.csv: line 3: 'kaputt': not a valid email address" in first.stderr
    assert "subscribers import: 1 added, 1 rejected\n" in first.stdout

    ansi = scc("--config", config, "subscribers", "import", "ansi.csv", cwd=tmp_path)
    assert "ansi.csv: not UTF-8; read as Windows-1252" in ansi.stderr
    assert "1 added" in ansi.stdout

    listed = scc("--config", config, "subscribers", "list", "--format", "json", cwd=tmp_path)
    names = {row["email"]: row["name"] for row in json.loads(listed.stdout)}
    assert names == {"max@example.org": "Max Müller", "moritz@example.org": "Max Müller"}


def test_reimporting_the_same_list_keeps_known_people_and_succeeds(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    (tmp_path / "members.csv").write_text("Email,Name\nmax@example.org,Max\nlea@example.org,Lea\n")
    assert scc("--config", config, "subscribers", "import", "members.csv", cwd=tmp_path).returncode == 0
    again = scc("--config", config, "subscribers", "import", "members.csv", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 rejected, 2 already subscribed (left as they are)" in again.stdout


def test_import_with_a_wrong_header_shows_what_it_found(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    (tmp_path / "x.csv").write_text("Adresse;Vorname\nmax@example.org;Max\n")
    result = scc("--config", config, "subscribers", "import", "x.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert "x.csv: line 1: the first line must name the columns email,name,locale,frequency" in result.stderr
    assert "'Adresse;Vorname'" in result.stderr


def test_a_rerun_with_nothing_due_still_mentions_deferred_digests(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    config = write_config(tmp_path)
    text = config.read_text().replace('transport = "maildir"', 'transport = "smtp"')
    text += f'[delivery.smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
    text += '[digest]\nwindow = "9999d"  # subscribed today, yet the 2021 item counts\n'
    config.write_text(text)
    assert scc("--config", str(config), "subscribers", "add", "max@example.org", cwd=tmp_path).returncode == 0
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        add_item(store, "a", at=datetime(2021, 10, 19, 12, tzinfo=BERLIN))
    smtp_server.handler.rcpt_replies["max@example.org"] = "451 4.3.0 try again later"
    as_of = ("--as-of", "2021-10-25T07:00")
    first = scc("--config", str(config), "digest", *as_of, cwd=tmp_path, env=SECRET)
    assert first.returncode == 1 and "1 deferred" in first.stdout, first.stdout + first.stderr
    assert "from earlier runs" not in first.stdout
    rerun = scc("--config", str(config), "digest", *as_of, cwd=tmp_path, env=SECRET)
    assert "digest: 0 sent, 0 deferred" in rerun.stdout
    assert "1 deferred from earlier runs wait for a retry, the next at 2021-10-25 07:05 CEST" in rerun.stdout
