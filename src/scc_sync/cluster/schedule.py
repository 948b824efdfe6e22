"""When the cluster's periodic jobs are due: the service's own triggers, their next times kept in the store.

A queue task, `tick`, runs once a minute for the whole cluster (the queue defers a periodic task once per
period however many workers run, and a lock keeps two ticks apart). Each tick asks `due_jobs` which jobs
fell due since the last one, with the triggers `scc-sync run` schedules by (`service.scheduler.job_specs`:
time zone, daylight saving, jitter, the catch-up of a missed digest), and records their next times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from scc_sync.config import Config
from scc_sync.service.scheduler import JobSpec, job_specs, missed_fire_time, schedule_inputs


@dataclass(frozen=True)
class Plan:
    """The schedule as stored: per job its next fire time and the settings its trigger was built from."""

    next_runs: dict[str, datetime | None] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    last_fired: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    due: list[str]  # jobs to defer now
    missed: list[tuple[str, datetime]]  # fire times found beyond their grace: skipped, as APScheduler does
    plan: Plan  # what to store for the next tick


def due_jobs(config: Config, plan: Plan, *, now: datetime) -> Decision:
    """The jobs due at `now` by `plan`, and the plan for the next tick."""
    local_now = now.astimezone(config.zone)
    inputs = {job: repr(values) for job, values in schedule_inputs(config).items()}
    next_runs: dict[str, datetime | None] = {}
    last_fired = dict(plan.last_fired)
    due, missed = [], []
    for spec in job_specs(config):
        if spec.id not in plan.next_runs:
            planned = _first_run(spec, local_now, plan.last_fired.get(spec.id))
        elif plan.inputs.get(spec.id) != inputs[spec.id]:  # the config changed this job's schedule
            planned = spec.trigger.get_next_fire_time(None, local_now)
        else:
            planned = plan.next_runs[spec.id]
        if planned is not None and planned <= local_now:
            latest, planned = _fold(spec, planned, local_now)
            if local_now - latest <= spec.misfire_grace:
                due.append(spec.id)
                last_fired[spec.id] = latest
            else:
                missed.append((spec.id, latest))
        next_runs[spec.id] = planned
    return Decision(due, missed, Plan(next_runs, inputs, last_fired))


def _first_run(spec: JobSpec, now: datetime, fired: datetime | None) -> datetime | None:
    """As `scheduler.build_scheduler` starts a job: at once, at its next time, or catching up a missed one."""
    first = now if spec.run_at_start else spec.trigger.get_next_fire_time(None, now)
    if spec.catch_up:
        missed = missed_fire_time(spec.trigger, now, spec.misfire_grace)
        if missed is not None and (fired is None or fired < missed):
            first = missed
    return first


def _fold(spec: JobSpec, due: datetime, now: datetime) -> tuple[datetime, datetime | None]:
    """The latest fire time up to `now` from `due` on, and the first after `now`: runs missed meanwhile
    are folded into one, run if the latest is within the job's grace (APScheduler's coalesce)."""
    latest, following = due, spec.trigger.get_next_fire_time(due, now)
    while following is not None and following <= now:
        latest, following = following, spec.trigger.get_next_fire_time(following, now)
    return latest, following


def plan_from_json(data: Mapping[str, object] | None) -> Plan:
    if not data:
        return Plan()
    runs = data.get("next_runs") or {}
    fired = data.get("last_fired") or {}
    assert isinstance(runs, dict) and isinstance(fired, dict)
    inputs = data.get("inputs") or {}
    assert isinstance(inputs, dict)
    return Plan(
        {job: datetime.fromisoformat(at) if at else None for job, at in runs.items()},
        {str(job): str(value) for job, value in inputs.items()},
        {job: datetime.fromisoformat(at) for job, at in fired.items() if at},
    )


def plan_to_json(plan: Plan) -> dict[str, object]:
    return {"next_runs": plan.next_runs, "inputs": plan.inputs, "last_fired": plan.last_fired}
