from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scc_sync.config import ConfigError, load_config, parse_config, parse_duration, resolve_config_path
from scc_sync.effects import Effects
from tests.conftest import REPO


def errors_of(data: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, origin="config/scc-sync.toml")
    return str(caught.value)


def test_shipped_configs_are_valid() -> None:
    real = load_config(REPO / "config/scc-sync.toml")
    demo = load_config(REPO / "config/demo.toml")
    assert {s.kind for s in real.sources} == {"feed", "page"}
    assert demo.delivery.transport == "maildir"
    assert demo.events[0].to_event().key == "smart-country-convention-2021"


def test_defaults_when_empty() -> None:
    config = parse_config({})
    assert config.timezone == "Europe/Berlin"
    assert config.state.url == "sqlite:///state/scc-sync.db"
    assert config.http.concurrency == 8
    assert config.delivery.transport == "maildir"


def test_misspelled_key_names_path_and_suggests() -> None:
    message = errors_of(
        {"sources": [{"name": "a", "kind": "page", "url": "https://x.example/", "link_selectr": "a"}]}
    )
    assert (
        "config/scc-sync.toml: sources[0].link_selectr: unknown key; did you mean 'link_selector'?" in message
    )


def test_unknown_key_without_close_match_lists_known_keys() -> None:
    assert "http.zzz: unknown key; known keys: allow_private, concurrency" in errors_of({"http": {"zzz": 1}})


def test_bad_url_names_index() -> None:
    message = errors_of(
        {
            "sources": [
                {"name": "a", "kind": "feed", "url": "https://a.example/"},
                {"name": "b", "kind": "feed", "url": "ftp://b.example/"},
            ]
        }
    )
    assert message == "config/scc-sync.toml: sources[1].url: not an http(s) URL"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"sources": [{"name": "p", "kind": "page", "url": "https://x.example/"}]}, "needs link_selector"),
        ({"sources": [{"name": "p", "kind": "rss", "url": "https://x.example/"}]}, "sources[0].kind"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone"),
        ({"digest": {"daily": "every day"}}, "digest.daily: not a cron expression"),
        ({"sync": {"interval": "often"}}, "sync.interval: not a duration"),
        (
            {"sync": {"recheck_articles": "two weeks"}},
            """config/scc-sync.toml: sync.recheck_articles: not a duration like '30m', '6h' or '7d': """
            """'two weeks' (or "0" to turn re-checks off)""",
        ),
        ({"sync": {"recheck_articles": 14}}, "sync.recheck_articles: not a duration"),
        ({"digest": {"catch_up": 14}}, "digest.catch_up: not a duration like '30m'"),
        (
            {"web": {"base_url": "http://newsletter.example"}},
            "web.base_url: 'http://newsletter.example': links in mails must use https://",
        ),
        ({"service": {"retry_check": "soon"}}, "service.retry_check: not a duration"),
        ({"web": {"imprint_url": "verband.example/impressum"}}, "web.imprint_url: not an http(s) URL"),
        (
            {"web": {"privacy_url": "https://verband.example/daten schutz"}},
            "web.privacy_url: 'https://verband.example/daten schutz': a URL has no spaces",
        ),
        ({"digest": {"full_items": 0}}, "digest.full_items: Input should be greater than or equal to 1"),
        (
            {"sync": {"recheck_every": "0h"}},
            "config/scc-sync.toml: sync.recheck_every: must be longer than 0",
        ),
        (
            {"subscribers": [{"email": "not-an-address"}]},
            "subscribers[0].email: 'not-an-address': not a valid email address (An email",
        ),
        (
            {"subscribers": [{"email": "user@test.test"}]},
            "subscribers[0].email: 'user@test.test': not a valid",
        ),
        (
            {"events": [{"name": "E", "start": "2021-10-28", "end": "2021-10-26"}]},
            "end (2021-10-26) is before start",
        ),
        ({"events": [{"name": "E", "start": "2021-10-26"}]}, "events[0].end: required key is missing"),
        ({"delivery": {"smtp": {"security": "ssl"}}}, "delivery.smtp.security"),
        ({"sources": [{"name": "a", "kind": "feed", "url": "https://a.example/"}] * 2}, "repeated: a"),
        (
            {"http": {"allow_private": ["10.0.0.0/8", "http://intranet.example/"]}},
            "config/scc-sync.toml: http.allow_private[1]: 'http://intranet.example/' is not a host name, "
            "an address or a network",
        ),
        ({"http": {"allow_private": "10.0.0.0/8"}}, "http.allow_private: Input should be a valid list"),
    ],
)
def test_invalid_values_are_reported_with_their_key(data: dict, expected: str) -> None:
    assert expected in errors_of(data)


def test_all_errors_reported_at_once() -> None:
    message = errors_of({"http": {"timeout": -1}, "web": {"base_url": "nope"}})
    assert "http.timeout" in message and "web.base_url" in message


def test_toml_syntax_error_names_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[http\nconcurrency = 2\n")
    with pytest.raises(ConfigError, match=r"bad.toml: not valid TOML"):
        load_config(bad)


def test_missing_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_config_path_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCC_SYNC_CONFIG", raising=False)
    assert resolve_config_path(None) == Path("config/scc-sync.toml")
    monkeypatch.setenv("SCC_SYNC_CONFIG", "/etc/scc.toml")
    assert resolve_config_path(None) == Path("/etc/scc.toml")
    assert resolve_config_path("mine.toml") == Path("mine.toml")


def test_secrets_come_from_named_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config(
        {
            "delivery": {"smtp": {"username": "me", "password_env": "MY_SMTP_PW"}},
            "web": {"secret_env": "MY_KEY"},
        }
    )
    monkeypatch.delenv("MY_SMTP_PW", raising=False)
    monkeypatch.delenv("MY_KEY", raising=False)
    with pytest.raises(ConfigError, match="MY_SMTP_PW is not set"):
        Effects().smtp_password(config.delivery.smtp)
    with pytest.raises(ConfigError, match="MY_KEY is not set"):
        Effects().secret_keys(config.web)
    monkeypatch.setenv("MY_SMTP_PW", "s3cret")
    monkeypatch.setenv("MY_KEY", "new-key-0123456789, old-key-0123456789")
    assert Effects().smtp_password(config.delivery.smtp) == "s3cret"
    assert Effects().secret_keys(config.web) == [b"new-key-0123456789", b"old-key-0123456789"]


def test_durations() -> None:
    assert parse_duration("30m").total_seconds() == 1800
    assert parse_duration("7d").days == 7
    with pytest.raises(ValueError):
        parse_duration("7 days")


def test_article_rechecks_default_to_two_weeks_and_zero_turns_them_off() -> None:
    assert parse_config({}).sync.recheck_articles == parse_duration("14d")
    assert parse_config({}).sync.recheck_every == timedelta(days=1)
    assert parse_config({"sync": {"recheck_articles": "0"}}).sync.recheck_articles.total_seconds() == 0
    assert parse_config({"sync": {"recheck_articles": 0}}).sync.recheck_articles.total_seconds() == 0


def test_listen_override_is_validated_like_the_file() -> None:
    from scc_sync.config import with_listen

    config = parse_config({"web": {"listen": "127.0.0.1:8080"}})
    assert with_listen(config, None) is config
    assert with_listen(config, "0.0.0.0:9000").web.host_port == ("0.0.0.0", 9000)
    with pytest.raises(ConfigError, match=r"--listen: web.listen"):
        with_listen(config, "no-port-here")
