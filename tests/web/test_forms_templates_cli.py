"""Form field rules, the template mirror, and `scc-sync web` serving for real."""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from scc_sync.web.forms import clean_name, valid_email
from tests.web.conftest import SECRET, SECRET_ENV

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("ada@example.org", True),
        ("Ada.Lovelace+news@mail.example.co.uk", True),
        ("ada@localhost", False),
        ("ada@@example.org", False),
        ("Ada <ada@example.org>", False),
        ("ada@example.org, eve@example.org", False),
        ("ada@exämple.org", True),  # sent to its IDNA form
        ("ädä@example.org", False),  # would need SMTPUTF8
        ("user@test.test", False),  # special-use names: the store refuses them, so must the form
        ('"evil@evil.example"@example.org', False),
        ("user@-example.org", False),
        ("ada@example.org\nBcc: eve@example.org", False),
        ("a" * 250 + "@example.org", False),
        ("", False),
    ],
)
def test_valid_email(address, ok):
    assert valid_email(address) is ok


def test_clean_name_keeps_one_printable_line():
    assert clean_name("  Ada\r\nBcc: x\u2028Lovelace\t ") == "Ada Bcc: x Lovelace"


def test_top_level_web_templates_are_a_copy_of_the_package_ones():
    package, user = REPO / "src" / "scc_sync" / "templates" / "web", REPO / "templates" / "web"
    names = sorted(p.name for p in package.iterdir())
    assert names == sorted(p.name for p in user.iterdir())
    _match, mismatch, errors = filecmp.cmpfiles(package, user, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_scc_sync_web_serves_the_pages_with_waitress(tmp_path):
    config = tmp_path / "scc-sync.toml"
    config.write_text(
        f'[state]\ndatabase = "{tmp_path / "state.db"}"\n'
        f'[delivery]\ntransport = "maildir"\nmaildir = "{tmp_path / "maildir"}"\n'
        f'[web]\nbase_url = "https://news.example.org"\nlisten = "127.0.0.1:0"\n'
        f'secret_env = "{SECRET_ENV}"\n',
        encoding="utf-8",
    )
    env = os.environ | {SECRET_ENV: SECRET, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scc_sync", "--config", str(config), "web"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        line = proc.stderr.readline()
        if line.startswith("scc-sync: creating a new database"):  # the first run's note
            line = proc.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        base = f"http://127.0.0.1:{match[1]}"
        assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
        page = requests.get(base, timeout=5)
        assert page.headers["Server"] == "scc-sync" and "Newsletter abonnieren" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


def test_scc_sync_web_without_a_secret_says_which_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SCC_SYNC_SECRET"} | {"PYTHONPATH": str(REPO / "src")}
    config = tmp_path / "c.toml"
    config.write_text(f'[state]\ndatabase = "{tmp_path / "s.db"}"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "scc_sync", "--config", str(config), "web"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert done.returncode == 2
    assert "web.secret_env: environment variable SCC_SYNC_SECRET is not set" in done.stderr
