"""The offline end-to-end demo: the bundled site on loopback → sync → extract → store → digest → reminder.

Everything runs on a fixed clock (a week before the Smart Country Convention 2021), so the 7-day reminder
for 26–28 October 2021 is due, and all state goes into a separate demo folder.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import secrets
import shutil
import tomllib
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scc_sync.clock import Clock
from scc_sync.config import Config, parse_config
from scc_sync.demo_site import DEMO_CONFIG, serve_site
from scc_sync.effects import Effects
from scc_sync.errors import InputError
from scc_sync.models import FREQUENCIES
from scc_sync.pipeline.digest import run_digest
from scc_sync.pipeline.remind import run_remind
from scc_sync.pipeline.sync import run_sync
from scc_sync.service.scheduler import next_digest_run
from scc_sync.store import open_store
from scc_sync.store.items import list_items

DEMO_AS_OF = datetime.fromisoformat("2021-10-19T10:00:00+02:00")
MARKER = ".scc-sync-demo"


class DemoError(InputError):
    """The demo cannot run where it was asked to (a state folder it did not make)."""


@dataclass
class DemoResult:
    state_dir: Path
    steps: list[str] = field(default_factory=list)
    maildir: Path | None = None
    previews: list[Path] = field(default_factory=list)
    failed: bool = False


def demo_config(base_url: str, state_dir: Path) -> Config:
    """The bundled demo config, pointed at the served site and the demo state folder."""
    data: dict[str, Any] = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))
    for source in data["sources"]:
        parts = urlsplit(source["url"])
        source["url"] = base_url + parts.path + (f"?{parts.query}" if parts.query else "")
    data["state"]["database"] = str(state_dir / "scc-sync.db")
    data["delivery"]["maildir"] = str(state_dir / "maildir")
    return parse_config(data, origin=str(DEMO_CONFIG))


def prepare_state_dir(state_dir: Path) -> None:
    """Start from a clean demo folder; refuse to wipe a folder the demo did not create."""
    if state_dir.exists() and any(state_dir.iterdir()):
        if not (state_dir / MARKER).exists():
            raise DemoError(
                f"{state_dir}: exists, is not empty and was not made by the demo; choose another --state-dir"
            )
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / MARKER).write_text(
        "made by `scc-sync demo`; the demo wipes this folder when it runs again\n"
    )


def run_demo(
    state_dir: Path, effects: Effects, *, as_of: datetime = DEMO_AS_OF, say: Callable[[str], None] = print
) -> DemoResult:
    """The whole pipeline against the bundled site, on a clock that stands at `as_of`. `effects` are the
    command's: the demo signs its links with a key of its own unless the environment has one."""
    prepare_state_dir(state_dir)
    result = DemoResult(state_dir)
    clock = _clock(as_of)
    with serve_site() as base_url:
        config = demo_config(base_url, state_dir)
        effects = demo_effects(effects, config, clock)
        say(f"demo site: {base_url}/ (RSS feed {base_url}/feed.xml, listing page {base_url}/themen/)")
        say(f"clock:     {as_of.isoformat()} (a week before the Smart Country Convention 2021)")
        with open_store(config.state.url) as store, effects.http_client(config.http) as client:
            for label in ("first sync", "second sync (conditional requests, nothing new expected)"):
                report = run_sync(config, store, client, now=clock)
                result.failed |= bool(report.failed)
                say(f"{label}: {report.line()}")
            with store.read() as conn:
                stored = list_items(conn)
            with_facts = sum(1 for i in stored if (i.summary or {}).get("event"))
            say(f"stored:    {len(stored)} items, {with_facts} with event facts")
            kit = effects.mail_kit(config)
            with closing(effects.transport(config)) as transport:
                # A digest covers the last closed day/week, so the items synced "now" go out with the next
                # scheduled runs: run each frequency's digest as of its next cron time.
                for frequency, at in next_digest_runs(config, as_of):
                    digest = run_digest(config, store, transport, kit, now=_clock(at))
                    say(f"digest:    {digest.line()} ({frequency} run of {at:%a %d %b %Y %H:%M})")
                    result.failed |= bool(digest.problems)
                reminders = run_remind(config, store, transport, kit, now=clock)
            say(f"reminders: {reminders.line()}")
            result.failed |= bool(reminders.problems)
    result.maildir = Path(config.delivery.maildir)
    result.previews = write_previews(result.maildir, state_dir / "previews")
    return result


def demo_effects(effects: Effects, config: Config, clock: Clock) -> Effects:
    """The demo's clock, and a signing key of its own when the environment holds none for it."""
    environ = {config.web.secret_env: secrets.token_urlsafe(32), **effects.environ}
    return replace(effects, clock=clock, environ=environ)


def next_digest_runs(config: Config, after: datetime) -> list[tuple[str, datetime]]:
    """The next daily and weekly digest times after `after`, as the service would send them."""
    runs = [(frequency, next_digest_run(config, frequency, after)) for frequency in FREQUENCIES]
    return [(frequency, at) for frequency, at in runs if at is not None]


def write_previews(maildir: Path, out: Path) -> list[Path]:
    """The HTML part of every delivered message, as a file a browser opens."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    box = mailbox.Maildir(maildir, factory=None, create=False)
    for number, key in enumerate(sorted(box.keys()), start=1):
        message = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
        html = message.get_body(preferencelist=("html",))
        if html is None:
            continue
        kind = "reminder" if message.get_content_type() == "multipart/mixed" else "digest"
        target = out / f"{number:02d}-{kind}-{_slug(str(message['To']))}.html"
        target.write_text(html.get_content(), encoding="utf-8")
        written.append(target)
    return written


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:40]


def _clock(start: datetime) -> Callable[[], datetime]:
    """A fixed clock that still moves forward a little with each reading, so runs keep their order."""
    ticks = iter(range(10**9))
    return lambda: start + timedelta(milliseconds=next(ticks))
