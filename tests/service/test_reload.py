"""SIGHUP reloads the config: the plan on plain data, the service applying it, `scc-sync run` end to end."""

from __future__ import annotations

import email
import json
import logging
import re
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
import requests

from scc_sync.config import Config, ConfigError, parse_config
from scc_sync.demo_site import serve_site
from scc_sync.effects import Effects
from scc_sync.service import scheduler
from scc_sync.service.daemon import Service
from scc_sync.service.reload import ConfigFile, ReloadPlan, describe, plan_reload, restart_warning
from scc_sync.store import Store
from scc_sync.store.meta import NEXT_RUNS, read_times
from tests.service.helpers import (
    GRACE,
    demo_toml,
    hanging_site,
    running,
    scc,
    service_process,
    sync_runs,
    wait_for,
    wait_healthy,
    write_config,
)

FEED = {"name": "feed", "kind": "feed", "url": "https://example.org/feed.xml"}
PAGE = {"name": "page", "kind": "page", "url": "https://example.org/news/", "link_selector": "a.teaser"}
EVENT = {"name": "Convention", "start": "2021-10-26", "end": "2021-10-28"}
ALL_JOBS = ("sync", "digest", "remind", "retry", "housekeeping")
SECRET = "test-secret-" + "x" * 32
FAST = '[service]\nheartbeat = "1s"\nshutdown_grace = "10s"\n'
RELOADED = "config reloaded from"
NOT_RELOADED = "config not reloaded, the service keeps running with the previous one: "


def config(**changes: Any) -> Config:
    """A small config; `changes` replace whole top-level keys."""
    data = {"sources": [FEED, PAGE], "subscribers": [{"email": "ada@example.org"}], "events": [EVENT]}
    return parse_config(data | changes)


# -- the plan, on plain data ------------------------------------------------------------------------------


def test_an_unchanged_config_changes_nothing() -> None:
    plan = plan_reload(config(), config())
    assert plan == ReloadPlan(config=config())
    assert not plan.changed
    assert describe(plan, "scc-sync.toml") == "config reloaded from scc-sync.toml: nothing changed"


def test_a_new_sync_interval_reschedules_the_sync_only() -> None:
    new = config(sync={"interval": "5m"})
    plan = plan_reload(config(), new)
    assert plan.config == new
    assert (plan.sections, plan.reschedule, plan.needs_restart) == (("sync",), ("sync",), ())
    assert describe(plan, "f.toml") == "config reloaded from f.toml: changed sync; rescheduled sync"


def test_sources_and_events_are_listed_by_name() -> None:
    moved = {**FEED, "url": "https://example.org/rss"}
    new_source = {"name": "more", "kind": "feed", "url": "https://example.com/feed"}
    other_event = {"name": "Summit", "start": "2022-05-01", "end": "2022-05-02"}
    plan = plan_reload(config(), config(sources=[moved, new_source], events=[other_event]))
    assert plan.sections == ("sources", "events")
    assert (plan.sources_added, plan.sources_removed, plan.sources_changed) == (
        ("more",),
        ("page",),
        ("feed",),
    )
    assert (plan.events_added, plan.events_removed) == (("Summit",), ("Convention",))
    assert plan.reschedule == ()
    assert describe(plan, "f.toml") == (
        "config reloaded from f.toml: changed sources, events; sources added: more; sources removed: page; "
        "sources changed: feed; events added: Summit; events removed: Convention"
    )


def test_subscribers_are_counted_not_named() -> None:
    new = config(subscribers=[{"email": "bob@example.org"}, {"email": "eve@example.org"}])
    plan = plan_reload(config(), new)
    assert (plan.subscribers_added, plan.subscribers_removed) == (2, 1)
    line = describe(plan, "f.toml")
    assert line.endswith("changed subscribers; subscribers: 2 added, 1 removed")
    assert "@" not in line


@pytest.mark.parametrize(
    ("changes", "rescheduled"),
    [
        ({"sync": {"jitter": "1m"}}, ("sync",)),
        ({"sync": {"cron": "*/10 * * * *"}}, ("sync",)),
        ({"digest": {"weekly": "0 8 * * fri"}}, ("digest",)),
        ({"digest": {"window": "3d"}}, ()),
        ({"service": {"reminder_check": "5m"}}, ("remind",)),
        ({"service": {"retry_check": "1m"}}, ("retry",)),
        ({"service": {"housekeeping": "0 4 * * *"}}, ("housekeeping",)),
        ({"service": {"heartbeat": "10s"}}, ()),
        ({"http": {"timeout": 5}}, ()),
        ({"timezone": "UTC"}, ALL_JOBS),
    ],
)
def test_schedule_settings_reschedule_their_job(
    changes: dict[str, Any], rescheduled: tuple[str, ...]
) -> None:
    assert plan_reload(config(), config(**changes)).reschedule == rescheduled


def test_every_scheduled_job_has_its_schedule_inputs() -> None:
    assert list(scheduler.schedule_inputs(config())) == [spec.id for spec in scheduler.job_specs(config())]


def test_an_interval_next_to_a_cron_is_not_a_new_schedule() -> None:
    cron = {"cron": "*/10 * * * *"}
    plan = plan_reload(config(sync=cron), config(sync=cron | {"interval": "5m"}))
    assert plan.sections == ("sync",) and plan.reschedule == ()


def test_restart_only_settings_keep_their_running_value() -> None:
    old = config(state={"database": "a.db"}, web={"listen": "127.0.0.1:8080"})
    new = config(
        state={"database": "postgresql+psycopg://scc:hunter2@db/scc", "retention_days": 30},
        web={"listen": "0.0.0.0:9000"},
        sync={"interval": "5m"},
    )
    plan = plan_reload(old, new)
    assert plan.needs_restart == ("state.database", "web.listen")
    assert plan.config.state == old.state.model_copy(update={"retention_days": 30})
    assert plan.config.web == old.web
    assert plan.config.sync == new.sync
    assert plan.sections == ("state", "sync")
    warning = restart_warning("state.database", "f.toml")
    assert warning.startswith("f.toml: state.database: changed, but the database is opened once, at start")
    assert "restart the service" in warning and "hunter2" not in warning


def test_a_restart_only_change_alone_changes_nothing_now() -> None:
    plan = plan_reload(config(state={"database": "a.db"}), config(state={"database": "b.db"}))
    assert plan.needs_restart == ("state.database",) and not plan.changed
    assert describe(plan, "f.toml") == (
        "config reloaded from f.toml: nothing that applies without a restart changed"
    )


def test_reschedule_gives_only_the_named_jobs_their_new_trigger() -> None:
    old = config()
    now = datetime.now(old.zone)
    sched = scheduler.build_scheduler(
        old, scheduler.job_specs(old), dict.fromkeys(ALL_JOBS, lambda: None), now=now, last_fired={}
    )
    before = scheduler.next_run_times(sched)
    new = config(sync={"interval": "2h", "jitter": "0s"}, digest={"daily": "0 5 * * *"})
    scheduler.reschedule(sched, scheduler.job_specs(new), ["sync"], now=now)
    after = scheduler.next_run_times(sched)
    assert after["sync"] is not None and after["sync"] >= now + timedelta(hours=2)
    assert sched.get_job("sync").misfire_grace_time == 2 * 3600
    assert {job: after[job] for job in ALL_JOBS[1:]} == {job: before[job] for job in ALL_JOBS[1:]}


def test_config_file_checks_like_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "scc-sync.toml"
    monkeypatch.setenv("SCC_SYNC_SECRET", SECRET)
    monkeypatch.delenv("SCC_SYNC_RELOAD_UNSET", raising=False)
    path.write_text('[web]\nlisten = "127.0.0.1:8080"\n')
    assert ConfigFile(path, listen="127.0.0.1:9999").load(Effects()).web.listen == "127.0.0.1:9999"
    for text, problem in [
        ("[sync\n", "not valid TOML"),
        ('[sync]\ninterval = "soon"\n', "sync.interval: not a duration like '30m', '6h' or '7d': 'soon'"),
        ('[web]\nsecret_env = "SCC_SYNC_RELOAD_UNSET"\n', "web.secret_env: environment variable"),
    ]:
        path.write_text(text)
        with pytest.raises(ConfigError, match=re.escape(f"{path}: {problem}")):
            ConfigFile(path).load(Effects())


# -- the service applying a reload (in a thread of the test, on SQLite and PostgreSQL) -------------------


@pytest.fixture
def demo_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCC_SYNC_DEMO_SECRET", SECRET)


def service_from_file(path: Path, text: str, store: Store, *, web: bool = False) -> Service:
    path.write_text(text)
    config_file = ConfigFile(path)
    return Service(config_file.load(Effects()), store, Effects(), web=web, config_file=config_file)


@contextmanager
def demo_service(tmp_path: Path, store: Store, *, web: bool = False) -> Iterator[tuple[Path, str, Service]]:
    """The demo site served, its config written to a file, and a service built from that file."""
    path = tmp_path / "scc-sync.toml"
    with serve_site() as base_url:
        text = demo_toml(base_url, tmp_path, extra=FAST)
        yield path, text, service_from_file(path, text, store, web=web)


def messages(caplog: pytest.LogCaptureFixture, level: int, start: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and r.getMessage().startswith(start)]


def test_reload_reschedules_the_sync_and_stores_the_next_runs(
    store: Store, tmp_path: Path, demo_secret: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scc_sync")
    with demo_service(tmp_path, store) as (path, text, service), running(service) as outcome:
        wait_for(lambda: ("ok",) in [run[:1] for run in sync_runs(store)])
        asked = datetime.now(UTC)
        path.write_text(text.replace('interval = "1m"', 'interval = "2h"'))
        service.request_reload()
        wait_for(lambda: next_sync(store) >= asked + timedelta(hours=2))
        assert service.config.sync.interval == timedelta(hours=2)
    assert outcome == {"clean": True, "stopped_in_time": True}
    [line] = messages(caplog, logging.INFO, RELOADED)
    assert line.startswith(f"{RELOADED} {path}: changed sync; rescheduled sync; next runs: ")
    assert "sync next at " in line


def next_sync(store: Store) -> datetime:
    with store.read() as conn:
        return read_times(conn, NEXT_RUNS).get("sync") or datetime.min.replace(tzinfo=UTC)


def test_a_running_job_finishes_with_the_config_it_started_with(
    store: Store, tmp_path: Path, demo_secret: None
) -> None:
    """The sync hangs; meanwhile the operator is removed from the config. The sync's own alert still goes."""
    path = tmp_path / "scc-sync.toml"
    with hanging_site() as (base_url, release):
        text = demo_toml(base_url, tmp_path, extra=FAST + "alert_after_failures = 1\n")
        service = service_from_file(path, text, store)
        with running(service):
            wait_for(lambda: sync_runs(store) == [("running", None)])
            no_operator = text.replace('operator = "betrieb@kommunalverband.example"\n', "")
            path.write_text(no_operator.replace('interval = "1m"', 'interval = "1h"'))
            service.request_reload()
            wait_for(lambda: service.config.delivery.operator is None)
            release.set()
            wait_for(lambda: sync_runs(store)[0][0] != "running" and "sync" not in service.running.jobs)
    alerts = [
        m["Subject"] for m in maildir_messages(tmp_path / "maildir") if "needs attention" in m["Subject"]
    ]
    assert sorted(alerts) == [
        "[scc-sync] source presse-feed needs attention",
        "[scc-sync] source themen-seite needs attention",
    ]


def maildir_messages(maildir: Path) -> list[email.message.EmailMessage]:
    folder = maildir / "new"
    files = sorted(folder.iterdir()) if folder.exists() else []
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]  # type: ignore[misc]


def test_a_broken_config_is_logged_and_the_running_one_kept(
    store: Store, tmp_path: Path, demo_secret: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scc_sync")
    with demo_service(tmp_path, store) as (path, text, service):
        started_with = service.config
        broken = [
            text.replace('interval = "1m"', 'interval = "soon"'),
            text.replace('secret_env = "SCC_SYNC_DEMO_SECRET"', 'secret_env = "SCC_SYNC_RELOAD_UNSET"'),
        ]
        with running(service) as outcome:
            for n, bad in enumerate(broken, start=1):
                path.write_text(bad)
                service.request_reload()
                wait_for(lambda n=n: len(messages(caplog, logging.ERROR, NOT_RELOADED)) == n)
            assert service.config is started_with
            path.write_text(text.replace('interval = "1m"', 'interval = "5m"'))  # a good one still works
            service.request_reload()
            wait_for(lambda: messages(caplog, logging.INFO, RELOADED))
            assert service.config.sync.interval == timedelta(minutes=5)
    assert outcome == {"clean": True, "stopped_in_time": True}
    assert messages(caplog, logging.ERROR, NOT_RELOADED) == [
        f"{NOT_RELOADED}{path}: sync.interval: not a duration like '30m', '6h' or '7d': 'soon'",
        f"{NOT_RELOADED}{path}: web.secret_env: environment variable SCC_SYNC_RELOAD_UNSET is not set; "
        "set it to a long random string (it signs unsubscribe and confirmation links)",
    ]


def test_settings_that_need_a_restart_are_named_and_kept(
    store: Store, tmp_path: Path, demo_secret: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scc_sync")
    with demo_service(tmp_path, store, web=True) as (path, text, service):
        started_with = service.config
        with running(service) as outcome:
            wait_for(lambda: service.web_port)
            moved = text.replace(str(tmp_path / "scc-sync.db"), str(tmp_path / "elsewhere.db"))
            moved = moved.replace('listen = "127.0.0.1:0"', 'listen = "127.0.0.1:1"')
            path.write_text(moved.replace('interval = "1m"', 'interval = "5m"'))
            service.request_reload()
            wait_for(lambda: messages(caplog, logging.INFO, RELOADED))
            assert requests.get(f"http://127.0.0.1:{service.web_port}/healthz", timeout=5).ok
    assert outcome == {"clean": True, "stopped_in_time": True}
    assert [m.split(", but")[0] for m in messages(caplog, logging.WARNING, str(path))] == [
        f"{path}: state.database: changed",
        f"{path}: web.listen: changed",
    ]
    assert service.config.state == started_with.state and service.config.web == started_with.web
    assert service.config.sync.interval == timedelta(minutes=5)


def test_reload_requests_coalesce(
    store: Store, tmp_path: Path, demo_secret: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Ten requests queued before the service looks: one reload. A request after that: another one."""
    caplog.set_level(logging.INFO, logger="scc_sync")
    with demo_service(tmp_path, store) as (path, text, service):
        path.write_text(text.replace('interval = "1m"', 'interval = "5m"'))
        for _ in range(10):
            service.request_reload()
        with running(service) as outcome:
            wait_for(lambda: messages(caplog, logging.INFO, RELOADED))
            path.write_text(text.replace('interval = "1m"', 'interval = "7m"'))
            service.request_reload()
            wait_for(lambda: service.config.sync.interval == timedelta(minutes=7))
    assert outcome == {"clean": True, "stopped_in_time": True}
    assert len(messages(caplog, logging.INFO, RELOADED)) == 2


def test_the_web_pages_take_the_new_config(store: Store, tmp_path: Path, demo_secret: None) -> None:
    """A sign-up after the reload: its confirmation mail goes via the new [delivery], to the new base URL."""
    with demo_service(tmp_path, store, web=True) as (path, text, service), running(service) as outcome:
        wait_for(lambda: service.web_port)
        new = text.replace(str(tmp_path / "maildir"), str(tmp_path / "new-maildir"))
        path.write_text(
            new.replace('base_url = "http://127.0.0.1:8080"', 'base_url = "https://news.example"')
        )
        service.request_reload()
        wait_for(lambda: service.config.web.base_url == "https://news.example")
        site = f"http://127.0.0.1:{service.web_port}"
        with requests.Session() as browser:
            csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get(f"{site}/", timeout=5).text)
            assert csrf is not None
            form = {"csrf": csrf[1], "email": "ada@example.org", "frequency": "weekly", "locale": "de"}
            assert browser.post(f"{site}/subscribe", data=form, timeout=5).ok
    assert outcome == {"clean": True, "stopped_in_time": True}
    [mail] = maildir_messages(tmp_path / "new-maildir")
    assert "https://news.example/confirm/" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


# -- `scc-sync run` in its own process: a real SIGHUP -------------------------------------------------------


def logged(log: Path) -> list[dict[str, Any]]:
    """The JSON log lines written so far (a line still being written is left for the next look)."""
    text = log.read_text(encoding="utf-8")
    return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines() if line.startswith("{")]


def logged_messages(log: Path, level: str, start: str) -> list[str]:
    return [
        e["message"] for e in logged(log) if e["level"] == level.lower() and e["message"].startswith(start)
    ]


def alive(proc: subprocess.Popen[str], condition: Callable[[], object]) -> Callable[[], object]:
    """`condition`, for `wait_for`, failing at once when the service has exited (e.g. killed by SIGHUP)."""

    def check() -> object:
        assert proc.poll() is None, f"the service exited with {proc.returncode}"
        return condition()

    return check


def status(config: Path) -> dict[str, Any]:
    return json.loads(scc(config, "status", "--format", "json").stdout)


def test_sighup_adds_a_source_and_shortens_the_interval(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    with serve_site() as base_url:
        config = write_config(tmp_path, base_url)
        with log.open("w") as sink, service_process(config, stderr=sink) as proc:
            wait_healthy(config, proc)
            assert {s["name"] for s in status(config)["sources"]} == {"presse-feed", "themen-seite"}
            text = config.read_text().replace('interval = "1m"', 'interval = "2s"')
            config.write_text(
                text + f'\n[[sources]]\nname = "presse-seite"\nkind = "page"\nurl = "{base_url}/presse/"\n'
                'link_selector = "li a"\n'
            )
            for _ in range(5):  # several in a row: they coalesce, none of them stops the service
                proc.send_signal(signal.SIGHUP)
            wait_for(alive(proc, lambda: synced(config, "presse-seite")), timeout=40)
            assert proc.poll() is None
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=GRACE) == 0
    reloads = logged_messages(log, "INFO", RELOADED)
    assert 1 <= len(reloads) <= 5
    assert reloads[0].startswith(
        f"{RELOADED} {config}: changed sync, sources; sources added: presse-seite; rescheduled sync; "
        "next runs: "
    )


def synced(config: Path, source: str) -> bool:
    return any(s["name"] == source and s["last_success"] for s in status(config)["sources"])


def test_sighup_with_a_broken_config_logs_the_problem_and_carries_on(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    with serve_site() as base_url:
        config = write_config(tmp_path, base_url)
        good = config.read_text()
        broken = [
            good.replace('interval = "1m"', 'interval = "1m'),  # not TOML
            good.replace('secret_env = "SCC_SYNC_DEMO_SECRET"', 'secret_env = "SCC_SYNC_RELOAD_UNSET"'),
        ]
        with log.open("w") as sink, service_process(config, stderr=sink) as proc:
            wait_healthy(config, proc)
            expected = []
            for n, text in enumerate(broken, start=1):
                config.write_text(text)
                cli = scc(config, "run")  # what the command line says about the same file
                assert cli.returncode == 2
                expected.append(NOT_RELOADED + cli.stderr.strip().removeprefix("scc-sync: error: "))
                proc.send_signal(signal.SIGHUP)
                errors = lambda n=n: len(logged_messages(log, "ERROR", NOT_RELOADED)) == n  # noqa: E731
                wait_for(alive(proc, errors), timeout=40)
            beat = status(config)["service"]["heartbeat"]["at"]
            still_beating = lambda: status(config)["service"]["heartbeat"]["at"] != beat  # noqa: E731
            wait_for(alive(proc, still_beating), timeout=40)
            assert scc(config, "healthcheck").returncode == 0
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=GRACE) == 0
    assert logged_messages(log, "ERROR", NOT_RELOADED) == expected
    assert "not valid TOML" in expected[0] and "SCC_SYNC_RELOAD_UNSET is not set" in expected[1]
    assert not logged_messages(log, "INFO", RELOADED)
