"""APScheduler wiring: which job runs when. The jobs are the pipeline's plain functions (see `daemon`).

Jobs are built from the config at every start into the in-memory job store (nothing is pickled); a
config reload (SIGHUP) gives the jobs whose schedule changed their new trigger (`reschedule`). A digest
that fell due while the service was down is caught up once after start-up when it is still within its
grace; whether it was already sent is the store's business (digest issue keys), not the scheduler's.

The triggers are built here alone: `next_digest_run` (for `preview` and the demo) and `sync_period` (for
the health check) ask the very triggers the service runs on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scc_sync.config import Config
from scc_sync.models import FREQUENCIES, Frequency

JOB_IDS = ("sync", "digest", "remind", "housekeeping")
DIGEST_GRACE = timedelta(hours=6)  # a 07:00 digest still makes sense by lunch; later, wait for the next one
HOUSEKEEPING_GRACE = timedelta(hours=1)
SYNC_CRON_GRACE = timedelta(minutes=10)


class WallClockCronTrigger(CronTrigger):
    """A cron trigger that fires once per wall-clock time, also on the day the clocks go back.

    APScheduler's CronTrigger fires a daily 02:30 twice on the fall-back day (02:30 summer time and
    02:30 winter time). Digests and housekeeping should run once a day, so the second, repeated wall
    time is skipped. (On the spring-forward day the non-existent 02:30 already fires once, an hour on.)
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        fire = super().get_next_fire_time(previous_fire_time, now)
        if fire is not None and _is_repeated_wall_time(fire):
            # Ask again from the end of the repeated hour (CronTrigger's own arithmetic loops inside it).
            fire = super().get_next_fire_time(None, _end_of_repeated_period(fire))
        return fire


def _is_repeated_wall_time(moment: datetime) -> bool:
    """True for the second occurrence of an ambiguous local time (the hour repeated when clocks go back)."""
    zone = moment.tzinfo
    wall = moment.replace(tzinfo=None)
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return False  # an ordinary time
    # (A gap has the offsets the other way round.)
    is_ambiguous = first.utcoffset() > second.utcoffset()  # type: ignore[operator]  # aware: never None
    return is_ambiguous and moment.timestamp() == second.timestamp()


def _end_of_repeated_period(moment: datetime) -> datetime:
    step = moment.astimezone(UTC)
    while _is_repeated_wall_time(step.astimezone(moment.tzinfo)):
        step += timedelta(minutes=1)
    return step.replace(second=0, microsecond=0).astimezone(moment.tzinfo)


def cron_trigger(
    expression: str, zone: ZoneInfo, *, jitter: int | None = None, once_per_wall_time: bool = False
) -> CronTrigger:
    minute, hour, day, month, day_of_week = expression.split()
    cls = WallClockCronTrigger if once_per_wall_time else CronTrigger
    return cls(
        minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=zone, jitter=jitter
    )


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: BaseTrigger
    misfire_grace: timedelta
    run_at_start: bool = False  # first run right after start-up instead of waiting one period
    catch_up: bool = False  # run a fire time missed while the service was down, if within the grace


def job_specs(config: Config) -> list[JobSpec]:
    zone = config.zone
    jitter = int(config.sync.jitter.total_seconds()) or None
    if config.sync.cron:
        sync = JobSpec("sync", cron_trigger(config.sync.cron, zone, jitter=jitter), SYNC_CRON_GRACE)
    else:
        every = config.sync.interval
        sync = JobSpec(
            "sync",
            IntervalTrigger(seconds=int(every.total_seconds()), jitter=jitter, timezone=zone),
            every,
            run_at_start=True,
        )
    digests = OrTrigger([digest_trigger(config, frequency) for frequency in FREQUENCIES])
    remind_every = config.service.reminder_check
    retry_every = config.service.retry_check
    return [
        sync,
        JobSpec("digest", digests, DIGEST_GRACE, catch_up=True),
        JobSpec(
            "remind",
            IntervalTrigger(seconds=int(remind_every.total_seconds()), timezone=zone),
            remind_every,
            run_at_start=True,
        ),
        JobSpec(
            "retry", IntervalTrigger(seconds=int(retry_every.total_seconds()), timezone=zone), retry_every
        ),
        JobSpec(
            "housekeeping",
            cron_trigger(config.service.housekeeping, zone, once_per_wall_time=True),
            HOUSEKEEPING_GRACE,
        ),
    ]


def digest_trigger(config: Config, frequency: Frequency) -> CronTrigger:
    """When one frequency's digests go out: `[digest] daily` or `weekly`, once per wall-clock time."""
    cron = config.digest.daily if frequency == "daily" else config.digest.weekly
    return cron_trigger(cron, config.zone, once_per_wall_time=True)


def next_digest_run(config: Config, frequency: Frequency, after: datetime) -> datetime | None:
    """The first time after `after` that the service sends this frequency's digests."""
    return digest_trigger(config, frequency).get_next_fire_time(None, after.astimezone(config.zone))


def sync_period(config: Config, *, now: datetime) -> timedelta:
    """The time between two scheduled syncs: `[sync] interval`, or the gap between the cron's next two."""
    if not config.sync.cron:
        return config.sync.interval
    trigger = cron_trigger(config.sync.cron, config.zone)
    first = trigger.get_next_fire_time(None, now.astimezone(config.zone))
    second = trigger.get_next_fire_time(first, first) if first else None
    return (second - first) if first and second else timedelta(hours=1)


def schedule_inputs(config: Config) -> dict[str, tuple[object, ...]]:
    """Per job, the settings `job_specs` builds its trigger from; a reload reschedules a job if they differ.

    Keep in step with `job_specs`.
    """
    zone = config.timezone
    sync = ("cron", config.sync.cron) if config.sync.cron else ("interval", config.sync.interval)
    return {
        "sync": (zone, *sync, config.sync.jitter),
        "digest": (zone, config.digest.daily, config.digest.weekly),
        "remind": (zone, config.service.reminder_check),
        "retry": (zone, config.service.retry_check),
        "housekeeping": (zone, config.service.housekeeping),
    }


def missed_fire_time(trigger: BaseTrigger, now: datetime, grace: timedelta) -> datetime | None:
    """The latest fire time in (now - grace, now], if any: a run the service missed while it was down."""
    missed = None
    fire = trigger.get_next_fire_time(None, now - grace)
    while fire is not None and fire <= now:
        missed = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return missed


def build_scheduler(
    config: Config,
    specs: list[JobSpec],
    functions: Mapping[str, Callable[[], Any]],
    *,
    now: datetime,
    last_fired: Mapping[str, datetime],
) -> BackgroundScheduler:
    """A scheduler (not started) with one job per spec; `functions` maps job id → what to call."""
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=len(specs))},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=config.zone,
    )
    for spec in specs:
        first = now if spec.run_at_start else spec.trigger.get_next_fire_time(None, now)
        if spec.catch_up:
            missed = missed_fire_time(spec.trigger, now, spec.misfire_grace)
            fired = last_fired.get(spec.id)
            if missed is not None and (fired is None or fired < missed):
                first = missed  # APScheduler runs it at once: a misfire within its grace
        scheduler.add_job(
            functions[spec.id],
            spec.trigger,
            id=spec.id,
            name=spec.id,
            misfire_grace_time=int(spec.misfire_grace.total_seconds()),
            next_run_time=first,
        )
    return scheduler


def reschedule(
    scheduler: BackgroundScheduler, specs: list[JobSpec], job_ids: Iterable[str], *, now: datetime
) -> None:
    """Give these jobs their new trigger; each next runs at its new trigger's first time after `now`.

    No run at once and no catch-up, unlike at start: the service is running, nothing was missed. A run in
    progress is not touched (APScheduler still lets only one instance of a job run).
    """
    wanted = set(job_ids)
    for spec in specs:
        if spec.id in wanted:
            scheduler.modify_job(
                spec.id,
                trigger=spec.trigger,
                next_run_time=spec.trigger.get_next_fire_time(None, now),
                misfire_grace_time=int(spec.misfire_grace.total_seconds()),
            )


def next_run_times(scheduler: BackgroundScheduler) -> dict[str, datetime | None]:
    return {job.id: job.next_run_time for job in scheduler.get_jobs()}
