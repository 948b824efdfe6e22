"""The offline demo as a newcomer runs it: one command, a Maildir with a digest and a reminder."""

from __future__ import annotations

import email
import email.policy
import mailbox
from pathlib import Path

from icalendar import Calendar

from tests.conftest import REPO, scc


def messages(maildir: Path) -> list[email.message.EmailMessage]:
    box = mailbox.Maildir(maildir, create=False)
    return [
        email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.iterkeys()
    ]


def test_demo_delivers_a_digest_and_the_scc_2021_reminder(tmp_path: Path) -> None:
    state = tmp_path / "demo-state"
    result = scc("demo", "--state-dir", str(state), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "items: 0 new, 0 updated" in result.stdout  # the second sync found nothing new (conditional GET)

    mails = messages(state / "maildir")
    digests = [m for m in mails if m.get_content_type() == "multipart/alternative"]
    reminders = [m for m in mails if m.get_content_type() == "multipart/mixed"]
    assert digests and reminders
    assert any("Smart Country Convention" in d.get_body(("plain",)).get_content() for d in digests)
    for reminder in reminders:
        [calendar_part] = [p for p in reminder.walk() if p.get_content_type() == "text/calendar"]
        [event] = Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")
        dates = (str(event["DTSTART"].dt), str(event["DTEND"].dt))
        assert dates == ("2021-10-26", "2021-10-29")  # DTEND is exclusive: the 28th is the last day
    assert len(list((state / "previews").glob("*.html"))) == len(mails)
    assert not (tmp_path / "state").exists()  # nothing outside the demo folder


def test_demo_refuses_to_wipe_a_folder_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    result = scc("demo", "--state-dir", str(precious), cwd=tmp_path)
    assert result.returncode == 2
    assert "was not made by the demo" in result.stderr
    assert (precious / "thesis.txt").read_text() == "do not delete"


def test_config_demo_toml_is_the_bundled_demo_config() -> None:
    from scc_sync.demo_site import DEMO_CONFIG

    assert (REPO / "config" / "demo.toml").read_text() == DEMO_CONFIG.read_text()
