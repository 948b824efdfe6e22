"""The cluster's schedule: the service's triggers, each period's job due once, whatever the ticks."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scc_sync.cluster.schedule import Plan, due_jobs, plan_from_json, plan_to_json
from scc_sync.config import parse_config

BERLIN = ZoneInfo("Europe/Berlin")


def cfg(**sections: object):
    base = {
        "sync": {"interval": "30m", "jitter": "0s"},
        "digest": {"daily": "0 7 * * *", "weekly": "0 7 * * mon"},
    }
    return parse_config({**base, **sections})


def run_ticks(
    config, start: datetime, minutes: int, plan: Plan | None = None
) -> tuple[list[tuple[datetime, str]], Plan]:
    """A tick each minute, as the queue runs it; the plan goes through its JSON form as the store keeps it."""
    plan = plan or Plan()
    fired = []
    for minute in range(minutes):
        at = start + timedelta(minutes=minute)
        decision = due_jobs(config, plan, now=at)
        fired += [(at, job) for job in decision.due]
        plan = plan_from_json(_roundtrip(plan_to_json(decision.plan)))
    return fired, plan


def _roundtrip(data: dict[str, object]) -> dict[str, object]:
    return json.loads(json.dumps(data, default=lambda moment: moment.isoformat()))


def test_the_first_tick_starts_a_sync_and_a_reminder_check_and_then_keeps_to_the_periods() -> None:
    start = datetime(
        2021, 10, 19, 10, 0, tzinfo=BERLIN
    )  # Tuesday, after the 07:00 digest's grace? no: within 6h
    fired, _ = run_ticks(cfg(), start, 120)
    jobs = [job for _, job in fired]
    assert jobs.count("sync") == 4  # at once, then every 30 minutes over two hours
    assert jobs.count("digest") == 1  # the 07:00 digest, missed by 3 hours, caught up once
    assert jobs.count("remind") == 8  # every 15 minutes
    assert [at.minute for at, job in fired if job == "sync"] == [0, 30, 0, 30]


def test_a_later_tick_folds_missed_periods_into_one_run() -> None:
    start = datetime(2021, 10, 19, 12, 0, tzinfo=BERLIN)
    _, plan = run_ticks(cfg(), start, 1)
    decision = due_jobs(cfg(), plan, now=start + timedelta(hours=3))  # the cluster was down for 3 hours
    assert decision.due.count("sync") == 1
    assert plan.next_runs["sync"] is not None
    assert decision.plan.next_runs["sync"] > start + timedelta(hours=3)


def test_the_daily_digest_runs_once_on_the_day_the_clocks_go_back() -> None:
    config = cfg(digest={"daily": "30 2 * * *", "weekly": "0 7 * * mon"})
    start = datetime(2021, 10, 30, 23, 0, tzinfo=BERLIN)  # 31 Oct: 02:00-03:00 happens twice
    fired, _ = run_ticks(config, start, 6 * 60)
    assert [at.astimezone(BERLIN).strftime("%H:%M") for at, job in fired if job == "digest"] == ["02:30"]


def test_a_changed_schedule_applies_from_its_next_time_without_a_run_at_once() -> None:
    start = datetime(2021, 10, 19, 12, 0, tzinfo=BERLIN)
    _, plan = run_ticks(cfg(), start, 5)
    changed = cfg(digest={"daily": "0 18 * * *", "weekly": "0 7 * * mon"})
    decision = due_jobs(changed, plan, now=start + timedelta(minutes=5))
    assert "digest" not in decision.due
    assert decision.plan.next_runs["digest"] == datetime(2021, 10, 19, 18, 0, tzinfo=BERLIN)
    assert decision.plan.next_runs["sync"] == plan.next_runs["sync"]  # unchanged jobs keep their time
