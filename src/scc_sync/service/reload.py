"""Reloading the service's configuration (SIGHUP): read the file again, decide what changes, describe it.

Everything here works on plain data: `ConfigFile.load()` reads and checks the file exactly as `scc-sync run`
does at start, `plan_reload()` compares the running config with the new one. `Service` applies the plan
(it owns the scheduler and the web listener); the CLI only turns the signal into a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from scc_sync.config import Config, ConfigError, load_config, with_listen
from scc_sync.effects import Effects
from scc_sync.service.scheduler import schedule_inputs

# Settings the running service took hold of at start: a new value needs a restart. Why, for the warning.
RESTART_ONLY = {
    "state.database": "the database is opened once, at start",
    "web.listen": "the web listener is bound once, at start",
}


@dataclass(frozen=True)
class ConfigFile:
    """Where the service's config comes from, so that a reload reads it exactly as the start did."""

    path: Path
    listen: str | None = None  # `run --listen`, which replaces [web] listen at start and at every reload

    def load(self, effects: Effects) -> Config:
        """The file's config, checked; raises ConfigError (`FILE: key.path: problem`)."""
        return self.prepare(load_config(self.path), effects)

    def prepare(self, config: Config, effects: Effects) -> Config:
        """`config` (read from `path`) as the service runs it: with `--listen`, and its secrets present in
        the environment of `effects`."""
        config = with_listen(config, self.listen)
        try:
            effects.check_secrets(config)
        except ConfigError as exc:
            raise ConfigError(f"{self.path}: {exc}") from None
        return config


@dataclass(frozen=True)
class ReloadPlan:
    """What a reload changes. `config` is the one to run with: the new one, but with the RESTART_ONLY
    settings kept at their running values (those are listed in `needs_restart`)."""

    config: Config
    sections: tuple[str, ...] = ()  # top-level keys whose values change, in the config's order
    sources_added: tuple[str, ...] = ()
    sources_removed: tuple[str, ...] = ()
    sources_changed: tuple[str, ...] = ()
    subscribers_added: int = 0
    subscribers_removed: int = 0
    events_added: tuple[str, ...] = ()
    events_removed: tuple[str, ...] = ()
    reschedule: tuple[str, ...] = ()  # jobs whose trigger changes
    needs_restart: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.sections)


def plan_reload(running: Config, new: Config) -> ReloadPlan:
    needs_restart = tuple(key for key in RESTART_ONLY if _get(running, key) != _get(new, key))
    for key in needs_restart:
        new = _replace(new, key, _get(running, key))
    before, after = running.model_dump(), new.model_dump()
    sources = _by_name(running.sources), _by_name(new.sources)
    subscribers = {s.email.lower() for s in running.subscribers}, {s.email.lower() for s in new.subscribers}
    events = {e.name for e in running.events}, {e.name for e in new.events}
    old_inputs, new_inputs = schedule_inputs(running), schedule_inputs(new)
    return ReloadPlan(
        config=new,
        sections=tuple(key for key in after if before[key] != after[key]),
        sources_added=tuple(name for name in sources[1] if name not in sources[0]),
        sources_removed=tuple(name for name in sources[0] if name not in sources[1]),
        sources_changed=tuple(
            name for name, source in sources[1].items() if name in sources[0] and sources[0][name] != source
        ),
        subscribers_added=len(subscribers[1] - subscribers[0]),
        subscribers_removed=len(subscribers[0] - subscribers[1]),
        events_added=tuple(sorted(events[1] - events[0])),
        events_removed=tuple(sorted(events[0] - events[1])),
        reschedule=tuple(job for job in new_inputs if new_inputs[job] != old_inputs[job]),
        needs_restart=needs_restart,
    )


def describe(plan: ReloadPlan, path: Path | str) -> str:
    """The reload's log line (without the next run times, which the service appends)."""
    if not plan.changed:
        what = "nothing that applies without a restart" if plan.needs_restart else "nothing"
        return f"config reloaded from {path}: {what} changed"
    details = [f"changed {', '.join(plan.sections)}"]
    for what, names in (
        ("sources added", plan.sources_added),
        ("sources removed", plan.sources_removed),
        ("sources changed", plan.sources_changed),
        ("events added", plan.events_added),
        ("events removed", plan.events_removed),
    ):
        if names:
            details.append(f"{what}: {', '.join(names)}")
    if plan.subscribers_added or plan.subscribers_removed:
        # Counts only: addresses are personal data and do not belong in logs.
        details.append(f"subscribers: {plan.subscribers_added} added, {plan.subscribers_removed} removed")
    if plan.reschedule:
        details.append(f"rescheduled {', '.join(plan.reschedule)}")
    return f"config reloaded from {path}: {'; '.join(details)}"


def restart_warning(key: str, path: Path | str) -> str:
    # The value itself is left out: [state] database may be a URL with a password.
    section, _, name = key.partition(".")
    return (
        f"{path}: {key}: changed, but {RESTART_ONLY[key]}: restart the service for it to take effect "
        f"(until then it keeps the [{section}] {name} it started with)"
    )


def _by_name(sources: list[Any]) -> dict[str, Any]:
    return {source.name: source for source in sources}


def _get(model: BaseModel, key: str) -> Any:
    value: Any = model
    for part in key.split("."):
        value = getattr(value, part)
    return value


def _replace(model: BaseModel, key: str, value: Any) -> Any:
    """A copy of a (frozen) model with the dotted `key` set to `value`, a value it held before."""
    head, _, rest = key.partition(".")
    inner = _replace(getattr(model, head), rest, value) if rest else value
    return model.model_copy(update={head: inner})
