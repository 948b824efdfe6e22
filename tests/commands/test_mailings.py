"""The newsletter commands as a user runs them: a real `scc-sync` process, a real SMTP server, real files."""

from __future__ import annotations

import csv
import importlib.util
import mailbox
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from scc_sync.store import open_store
from scc_sync.store.outbox import FIRST_BATCH
from scc_sync.store.schema import outbox
from smtpserver import MisbehavingHandler, SmtpServer, _free_port
from tests.conftest import REPO
from tests.pipeline.helpers import SECRET, SECRET_ENV, add_item, parse

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("scc_sync.fetch.http") is None,
    reason="the scc-sync CLI imports the fetch package, which is not merged into this branch yet",
)
BERLIN = ZoneInfo("Europe/Berlin")
SCC_EVENT = """
[[events]]
name = "Smart Country Convention 2021"
start = 2021-10-26
end = 2021-10-28
location = "CityCube Berlin"
"""


def scc(*args: str, cwd: Path) -> Result:
    """The real CLI, in this process (a subprocess per call would cost seconds of imports each)."""
    from scc_sync.cli import cli

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            cli, ["--config", "scc.toml", *args], env={SECRET_ENV: SECRET, "SCC_SYNC_CONFIG": None}
        )
    finally:
        os.chdir(old)


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), SECRET_ENV: SECRET}
    env.pop("SCC_SYNC_CONFIG", None)
    return env


def write_config(tmp_path: Path, subscribers: list[str], extra: str = "", delivery: str = "") -> None:
    subs = "".join(
        f'\n[[subscribers]]\nemail = "{s}"\nname = "Jörg {s[:4]}"\nfrequency = "daily"\n' for s in subscribers
    )
    (tmp_path / "scc.toml").write_text(
        f'[state]\ndatabase = "{tmp_path / "state.db"}"\n'
        f'[delivery]\nfrom = "SCC Städtetag <news@example.org>"\nlist_id = "digest.example.org"\n'
        f'maildir = "{tmp_path / "maildir"}"\n{delivery}\n'
        f'[web]\nbase_url = "https://news.example.org"\nsecret_env = "{SECRET_ENV}"\n{subs}\n{extra}',
        encoding="utf-8",
    )


def maildir(tmp_path: Path) -> list:
    box = mailbox.Maildir(tmp_path / "maildir", factory=None, create=False)
    return [parse(box.get_bytes(key)) for key in box.iterkeys()]


def test_remind_as_of_a_week_before_scc_2021_sends_each_subscriber_one_reminder(tmp_path: Path) -> None:
    write_config(tmp_path, ["anna@example.org", "jordan@example.org"], SCC_EVENT)
    first = scc("remind", "--as-of", "2021-10-19T10:00:00+02:00", cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert first.stdout.strip().endswith("remind: 2 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown")
    again = scc("remind", "--as-of", "2021-10-19T10:00:00+02:00", cwd=tmp_path)
    assert again.exit_code == 0 and "remind: 0 sent" in again.stdout
    messages = maildir(tmp_path)
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == [
        "anna@example.org",
        "jordan@example.org",
    ]
    for msg in messages:
        assert msg["Subject"] == "Erinnerung: Smart Country Convention 2021 in 7 Tagen"
        [part] = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
        cal = icalendar.Calendar.from_ical(part.get_content())
        assert str(cal["method"]) == "PUBLISH"
        [event] = cal.walk("VEVENT")
        assert event.decoded("dtstart") == date(2021, 10, 26)
        assert event.decoded("dtend") == date(2021, 10, 29)  # exclusive: the event ends on the 28th


class SignallingHandler(MisbehavingHandler):
    """Counts ends of DATA as they begin, so a test can kill the client while one is in flight."""

    data_started: int = 0

    async def handle_DATA(self, server, session, envelope):
        self.data_started += 1
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize(
    ("retry_unknown", "n"),
    [
        (False, 8),
        (True, 8),
        (False, FIRST_BATCH + 10),  # killed while the rest of the mailing is queued in the gaps of sending
    ],
)
def test_sigkill_mid_run_then_rerun_never_sends_a_message_twice(
    tmp_path: Path, retry_unknown: bool, n: int
) -> None:
    addresses = [f"user{i}@example.org" for i in range(n)]
    handler = SignallingHandler(data_delay=0.3)  # slow enough to kill the client mid-run
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        server = SmtpServer("127.0.0.1", controller.port, handler)
        smtp = f'[delivery.smtp]\nhost = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
        write_config(
            tmp_path,
            addresses,
            delivery=f'transport = "smtp"\nretry_unknown = {str(retry_unknown).lower()}\n{smtp}',
        )
        with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
            add_item(store, "a", at=datetime(2021, 10, 19, 12, tzinfo=BERLIN), title="Größe & Übersicht")
        args = [sys.executable, "-m", "scc_sync", "--config", "scc.toml", "digest", "--as-of"]
        proc = subprocess.Popen(
            [*args, "2021-10-20T07:00:00+02:00"],
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while server.handler.data_started < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # in the middle of the third message's DATA
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        time.sleep(0.2)
        assert len(server.handler.messages) == 2
        with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store, store.read() as conn:
            promised = conn.scalar(select(func.count()).select_from(outbox))
        assert promised == min(n, FIRST_BATCH)  # the rest was not queued yet when the run died
        server.handler.data_delay = 0
        # two hours later: the dead run's job lock (1 h) and row lease (5 min) have expired
        rerun = subprocess.run(
            [*args, "2021-10-20T09:00:00+02:00"],
            cwd=tmp_path,
            env=_env(),
            text=True,
            capture_output=True,
            timeout=60,
        )
        third = scc("digest", "--as-of", "2021-10-20T10:00:00+02:00", cwd=tmp_path)
        ids = [parse(m.data)["Message-ID"] for m in server.handler.messages]
        ehlos = server.handler.ehlo_count
    finally:
        controller.stop()
    assert len(ids) == len(set(ids)), "a Message-ID arrived twice"
    if retry_unknown:  # at least once: the cut-off message is sent again, with the same Message-ID
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert len(ids) == n
        assert f"digest: {n - 2} sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown" in rerun.stdout
    else:  # at most once: the cut-off message is reported, never guessed at
        assert rerun.returncode == 1
        assert f"digest: {n - 3} sent, 0 deferred, 0 failed, 0 suppressed, 1 unknown" in rerun.stdout
        assert len(ids) == n - 1
    assert (
        third.exit_code == 0
        and "digest: 0 sent, 0 deferred, 0 failed, 0 suppressed, 0 unknown" in third.stdout
    )
    assert ehlos == 2  # one connection per run that sent anything


def test_a_broken_user_template_is_a_usage_error_naming_file_and_line(tmp_path: Path) -> None:
    write_config(tmp_path, ["anna@example.org"])
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "reminder.txt").write_text("Hallo {{ name\n", encoding="utf-8")
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        add_item(store, "a", at=datetime(2021, 10, 19, 12, tzinfo=BERLIN))
    result = scc("digest", "--as-of", "2021-10-20T07:00", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "mail template templates/reminder.txt, line 1: unexpected end of template" in result.output
    assert maildir_count(tmp_path) == 0


def test_subscribers_unsubscribe_by_address_as_the_page_does(tmp_path: Path) -> None:
    write_config(tmp_path, [])
    assert scc("subscribers", "add", "Max@Example.org", cwd=tmp_path).exit_code == 0
    done = scc("subscribers", "unsubscribe", "max@EXAMPLE.org", cwd=tmp_path)
    assert (done.exit_code, done.stdout.strip()) == (0, "unsubscribed Max@example.org")
    again = scc("subscribers", "unsubscribe", "Max@example.org", cwd=tmp_path)  # idempotent, like the page
    assert (again.exit_code, again.stdout.strip()) == (0, "unsubscribed Max@example.org")
    listed = scc("subscribers", "list", "--status", "unsubscribed", "--format", "json", cwd=tmp_path)
    assert '"email": "Max@example.org"' in listed.stdout
    assert scc("subscribers", "list", "--status", "confirmed", cwd=tmp_path).stdout.count("@") == 0

    missing = scc("subscribers", "unsubscribe", "nobody@example.org", cwd=tmp_path)
    assert missing.exit_code == 1
    assert (
        "nobody@example.org: no such subscriber; `scc-sync subscribers list` shows who is" in missing.output
    )


def maildir_count(tmp_path: Path) -> int:
    box = tmp_path / "maildir"
    return len(mailbox.Maildir(box, create=False)) if box.exists() else 0


def test_subscribers_import_list_unsubscribe_and_dry_run(tmp_path: Path) -> None:
    write_config(tmp_path, [], '[digest]\nwindow = "9999d"  # subscribed today, yet the 2021 items count\n')
    rows = [
        ["email", "name", "locale", "frequency"],
        ["anna@example.org", "Anna Schmidt", "de", "daily"],
        ["not-an-address", "X", "de", "weekly"],
        ["jordan@example.org", "Jordan", "fr", "weekly"],
        ["joerg@müller.example", "Jörg Müller", "en", "daily"],
        ["jörg@müller.example", "Jörg Müller", "en", "daily"],
    ]
    with (tmp_path / "people.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    imported = scc("subscribers", "import", "people.csv", cwd=tmp_path)
    assert imported.exit_code == 1
    assert "subscribers import: 2 added, 3 rejected" in imported.stdout
    assert "people.csv: line 3: 'not-an-address': not a valid email address" in imported.output
    assert "people.csv: line 4: locale must be one of de, en, got 'fr'" in imported.output
    assert "line 6: 'jörg@müller.example': not a valid email address (Internationalized" in imported.output
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        add_item(store, "a", at=datetime(2021, 10, 19, 12, tzinfo=BERLIN))
    dry = scc("digest", "--as-of", "2021-10-20T07:00", "--dry-run", cwd=tmp_path)
    assert dry.exit_code == 0 and "digest (dry run): 2 would be queued, nothing sent" in dry.stdout, (
        dry.output
    )
    assert "would send to joerg@müller.example" in dry.stdout
    sent = scc("digest", "--as-of", "2021-10-20T07:00", "--subscriber", "ANNA@example.org", cwd=tmp_path)
    assert "digest: 1 sent" in sent.stdout, sent.output
    [msg] = maildir(tmp_path)
    link = msg["List-Unsubscribe"].strip("<>")  # the whole link, as copied from the mail
    assert (
        scc("subscribers", "unsubscribe", link, cwd=tmp_path).stdout.strip()
        == "unsubscribed anna@example.org"
    )
    token = link.split("?")[0].rsplit("/", 1)[1]
    bad = scc("subscribers", "unsubscribe", token[:-2] + "xx", cwd=tmp_path)
    assert bad.exit_code == 2 and "not a valid unsubscribe token" in bad.output
    listed = scc("subscribers", "list", "--status", "confirmed", "--format", "json", cwd=tmp_path)
    assert '"email": "joerg@müller.example"' in listed.stdout and "anna@" not in listed.stdout
    preview = scc(
        "preview",
        "digest",
        "--subscriber",
        "joerg@müller.example",
        "--out",
        "p.html",
        "--as-of",
        "2021-10-20T07:00",
        cwd=tmp_path,
    )
    assert preview.exit_code == 0, preview.output
    assert "Meldung a" in (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "Exit codes: 0 every message was sent" in scc("digest", "--help", cwd=tmp_path).stdout
