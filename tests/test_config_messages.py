"""Config mistakes people make, and what `scc-sync` says: file, key, what it found, what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scc_sync.cli import cli
from tests.conftest import REPO

EXAMPLE = (REPO / "config" / "scc-sync.toml").read_text(encoding="utf-8")


def run(tmp_path: Path, config: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    (tmp_path / "mine.toml").write_text(config, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        result = CliRunner().invoke(cli, ["--config", "mine.toml", *args])
    return result.exit_code, result.stderr


def edited(old: str, new: str) -> str:
    assert old in EXAMPLE, old
    return EXAMPLE.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "timeout = 20 ",
            'timeout = "20s" ',
            "mine.toml: http.timeout: Input should be a valid number, unable to parse string as a number; "
            "found '20s'",
        ),
        (
            'interval = "30m"',
            "interval = 30",
            "mine.toml: sync.interval: not a duration like '30m', '6h' or '7d': 30 "
            "(a quoted text with a unit)",
        ),
        (
            'reminders = ["30d", "7d", "1d"]',
            'reminders = [30, "7d"]',
            "mine.toml: events[0].reminders[0]: not a duration like '30m', '6h' or '7d': 30",
        ),
        (
            "start = 2021-10-26",
            'start = "26.10.2021"',
            "mine.toml: events[0].start: Input should be a valid date or datetime, "
            "invalid character in year; found '26.10.2021' "
            "(write dates as YYYY-MM-DD, without quotes: start = 2021-10-26)",
        ),
        (
            'frequency = "weekly" ',
            'frequency = "woechentlich" ',
            "mine.toml: subscribers[0].frequency: Input should be 'daily' or 'weekly'; found 'woechentlich'",
        ),
        (
            'from = "SCC-Digest <digest@kommunalverband.example>"',
            'from = "digest at example"',
            "mine.toml: delivery.from: 'digest at example' is not an address like 'digest@example.org' or "
            "'SCC-Digest <digest@example.org>' (addr-spec local part with no domain)",
        ),
        (
            'operator = "betrieb@kommunalverband.example"',
            'operator = "betrieb@kommunalverband"',
            "mine.toml: delivery.operator: 'betrieb@kommunalverband': not a valid email address "
            "(the domain has no dot)",
        ),
        (
            'password_env = "SCC_SYNC_SMTP_PASSWORD"\n',
            "",
            "mine.toml: delivery.smtp: username is set but password_env is not: "
            "set both to log in, or neither",
        ),
        (
            'username = "digest@kommunalverband.example"\n',
            "",
            "mine.toml: delivery.smtp: password_env is set but username is not: "
            "set both to log in, or neither",
        ),
    ],
)
def test_config_mistake_names_file_key_and_what_was_found(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    code, err = run(tmp_path, edited(old, new), "sync")
    assert code == 2
    assert message in err
    assert not (tmp_path / "state").exists()


def test_a_misspelt_password_variable_points_at_the_one_that_is_set(tmp_path: Path) -> None:
    config = edited('password_env = "SCC_SYNC_SMTP_PASSWORD"', 'password_env = "SCC_SYNC_SMTP_PASSWORT"')
    env = {"SCC_SYNC_SMTP_PASSWORD": "pw", "SCC_SYNC_SECRET": "k" * 32}
    code, err = run(tmp_path, config, "digest", env=env)
    assert code == 2
    assert (
        "delivery.smtp.password_env: environment variable SCC_SYNC_SMTP_PASSWORT is not set "
        "(but SCC_SYNC_SMTP_PASSWORD is: a typo in the config or in the variable's name?)"
    ) in err


def test_an_empty_password_variable_is_refused_like_a_missing_one(tmp_path: Path) -> None:
    # docker compose passes `${SCC_SYNC_SMTP_PASSWORD:-}`: set, but empty
    env = {"SCC_SYNC_SMTP_PASSWORD": "", "SCC_SYNC_SECRET": "k" * 32}
    code, err = run(tmp_path, EXAMPLE, "digest", env=env)
    assert code == 2
    assert "environment variable SCC_SYNC_SMTP_PASSWORD is empty" in err
