"""When jobs run: triggers from config, daylight-saving days, catch-up of a digest missed while down."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scc_sync.config import parse_config
from scc_sync.service.scheduler import (
    DIGEST_GRACE,
    build_scheduler,
    cron_trigger,
    job_specs,
    missed_fire_time,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")


def fire_times(trigger, start: datetime, end: datetime) -> list[datetime]:
    """The trigger's fire times in [start, end), the way APScheduler walks them."""
    times: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire < end:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    return times


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        # Spring forward: 02:30 does not exist; the run happens once, at 03:30 summer time (01:30 UTC).
        ("2021-03-28", "2021-03-28T01:30:00+00:00"),
        # Fall back: 02:30 happens twice; the run happens once, at the first (summer time) one.
        ("2021-10-31", "2021-10-31T00:30:00+00:00"),
    ],
)
def test_daily_0230_runs_exactly_once_on_dst_days(day: str, expected_utc: str) -> None:
    trigger = cron_trigger("30 2 * * *", BERLIN, once_per_wall_time=True)
    start = datetime.fromisoformat(day).replace(tzinfo=BERLIN) - timedelta(days=1)
    times = fire_times(trigger, start, start + timedelta(days=3))
    on_day = [t for t in times if t.astimezone(BERLIN).date().isoformat() == day]
    assert [t.astimezone(UTC).isoformat() for t in on_day] == [expected_utc]
    assert len(times) == 3  # the day before, the day, the day after: once each
    gaps = {b - a for a, b in itertools.pairwise(times)}
    assert all(timedelta(hours=23) <= gap <= timedelta(hours=25) for gap in gaps)


def test_plain_cron_trigger_would_fire_twice_on_fall_back_day() -> None:
    """Why the wall-clock trigger exists: APScheduler's own CronTrigger repeats the 02:30 run."""
    trigger = CronTrigger.from_crontab("30 2 * * *", timezone=BERLIN)
    start = datetime(2021, 10, 31, tzinfo=BERLIN)
    assert len(fire_times(trigger, start, start + timedelta(hours=12))) == 2


def test_weekly_and_daily_digest_at_the_same_time_fire_once() -> None:
    config = parse_config({"digest": {"daily": "0 7 * * *", "weekly": "0 7 * * mon"}})
    digest = next(s for s in job_specs(config) if s.id == "digest")
    monday = datetime(2021, 10, 25, tzinfo=BERLIN)
    times = fire_times(digest.trigger, monday, monday + timedelta(days=7))
    assert [t.astimezone(BERLIN).strftime("%a %H:%M") for t in times] == [
        "Mon 07:00",
        "Tue 07:00",
        "Wed 07:00",
        "Thu 07:00",
        "Fri 07:00",
        "Sat 07:00",
        "Sun 07:00",
    ]


def test_job_specs_follow_the_config() -> None:
    specs = {s.id: s for s in job_specs(parse_config({"sync": {"interval": "10m", "jitter": "30s"}}))}
    assert set(specs) == {"sync", "digest", "remind", "retry", "housekeeping"}
    sync = specs["sync"]
    assert isinstance(sync.trigger, IntervalTrigger)
    assert sync.trigger.interval == timedelta(minutes=10) and sync.trigger.jitter == 30
    assert sync.run_at_start and sync.misfire_grace == timedelta(minutes=10)
    assert specs["remind"].trigger.interval == timedelta(minutes=15)
    assert specs["digest"].catch_up and specs["digest"].misfire_grace == DIGEST_GRACE

    cron = {s.id: s for s in job_specs(parse_config({"sync": {"cron": "*/20 6-22 * * *"}}))}["sync"]
    assert isinstance(cron.trigger, CronTrigger) and not cron.run_at_start
    first = cron.trigger.get_next_fire_time(None, datetime(2021, 10, 19, 23, 0, tzinfo=BERLIN))
    assert first.astimezone(BERLIN).strftime("%H:%M") == "06:00" or cron.trigger.jitter


def test_missed_fire_time_only_within_grace() -> None:
    trigger = cron_trigger("0 7 * * *", BERLIN, once_per_wall_time=True)
    seven = datetime(2021, 10, 19, 7, 0, tzinfo=BERLIN)
    assert missed_fire_time(trigger, seven + timedelta(hours=2), timedelta(hours=6)) == seven
    assert missed_fire_time(trigger, seven + timedelta(hours=7), timedelta(hours=6)) is None
    assert missed_fire_time(trigger, seven - timedelta(minutes=1), timedelta(hours=6)) is None


def _digest_next_run(now: datetime, last_fired: dict[str, datetime]) -> datetime:
    config = parse_config({})
    functions = dict.fromkeys(("sync", "digest", "remind", "retry", "housekeeping"), lambda: None)
    sched = build_scheduler(config, job_specs(config), functions, now=now, last_fired=last_fired)
    sched.start(paused=True)  # computes next run times without running anything
    try:
        return sched.get_job("digest").next_run_time
    finally:
        sched.shutdown(wait=False)


def test_digest_missed_while_down_is_caught_up_once() -> None:
    seven = datetime(2021, 10, 19, 7, 0, tzinfo=BERLIN)
    now = seven + timedelta(hours=1)
    # Never fired: the 07:00 run is due at once (APScheduler treats it as a misfire within its grace).
    assert _digest_next_run(now, {}) == seven
    # Already fired at 07:00 before the restart: wait for tomorrow.
    assert _digest_next_run(now, {"digest": seven}) == seven + timedelta(days=1)
    # Down for longer than the grace: skip to tomorrow too.
    assert _digest_next_run(seven + timedelta(hours=7), {}) == seven + timedelta(days=1)
