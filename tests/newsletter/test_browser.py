"""The digest HTML as a phone and a desktop mail view show it: headless Chromium, 375 px and 600 px wide."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scc_sync.newsletter.transports import MaildirTransport
from scc_sync.pipeline.digest import preview_digest, run_digest
from scc_sync.store import Store, open_store
from tests.conftest import REPO
from tests.pipeline.helpers import SCC_2020_RECAP, SECRET, SECRET_ENV, add_item, config, fixed, mail_kit

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2021, 10, 25, 7, tzinfo=BERLIN)
LONG_WORD = "Digitalisierungsbeschleunigungsförderprogrammumsetzungsverordnung"


@pytest.fixture
def digest_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A digest as delivered (the rendering does not depend on the database: SQLite only)."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        yield _digest(store, tmp_path)


def _digest(store: Store, tmp_path: Path) -> str:
    cfg = config([{"email": "anna@example.org", "name": "Anna Schmidt"}], digest={"full_items": 2})
    add_item(
        store,
        "recap",
        at=MONDAY - timedelta(days=3),
        summary=SCC_2020_RECAP,
        title="Smart Country Convention digital erfolgreich: über 10.600 Teilnehmende",
        text="Am 27. und 28. Oktober … " * 20,
    )
    add_item(
        store,
        "long",
        at=MONDAY - timedelta(days=2),
        title=f"{LONG_WORD} tritt in Kraft",
        text=f"https://example.org/{'sehr-lang-' * 20} {LONG_WORD}",
    )
    add_item(  # beyond `full_items`: in the compact list of links
        store, "compact", at=MONDAY - timedelta(days=4), title=f"Kurzmeldung: {LONG_WORD} beschlossen"
    )
    with MaildirTransport(tmp_path / "maildir") as transport:
        assert run_digest(cfg, store, transport, mail_kit(cfg), now=fixed(MONDAY)).sent == 1
    mail = preview_digest(cfg, store, mail_kit(cfg), "anna@example.org", now=MONDAY)
    assert mail is not None
    return mail.html


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 600])
def test_digest_fits_phone_and_desktop_widths(digest_html: str, width: int) -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        print(f"SKIP: {CHROMIUM} not found (apt-get install -y chromium)")
        pytest.skip(f"headless Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.set_content(digest_html, wait_until="load")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(ARTIFACTS / f"digest-{width}px.png"), full_page=True)
            visible = page.inner_text("body")
        finally:
            browser.close()
    assert scroll_width <= width, f"digest is {scroll_width}px wide in a {width}px viewport"
    assert "Auf einen Blick" in visible and "10.600 Teilnehmende" in visible
    assert "Weitere Meldungen" in visible and "Kurzmeldung" in visible
