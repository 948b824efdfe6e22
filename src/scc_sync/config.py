"""Typed configuration, validated once at load.

Every problem is reported as `FILE: key.path: what is wrong` (with a "did you mean" for misspelled keys),
raised as `ConfigError`, which the CLI turns into exit code 2. Secrets never live in the file: the file
names the environment variables that hold them.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, time, timedelta
from email.headerregistry import AddressHeader, HeaderRegistry
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scc_sync.email_address import InvalidEmail, normalize_email
from scc_sync.errors import InputError
from scc_sync.fetch.addresses import allow_private_entry
from scc_sync.models import Event, Subscriber

DEFAULT_CONFIG_PATH = Path("config/scc-sync.toml")
CONFIG_ENV = "SCC_SYNC_CONFIG"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ConfigError(InputError):
    """A configuration problem; the message names the file and the key."""


def parse_duration(text: str) -> timedelta:
    """`"30m"` → 30 minutes. Units: s, m, h, d, w."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration like '30m', '6h' or '7d': {text!r}")
    return timedelta(**{_DURATION_UNITS[match[2]]: int(match[1])})


def _duration(value: object) -> timedelta:
    """A duration as the file writes it (`"30m"`), or one parsed already (a config validated again)."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a duration like '30m', '6h' or '7d': {value!r} (a quoted text with a unit)")
    return parse_duration(value)


def _at_least(minimum: timedelta, complaint: str) -> BeforeValidator:
    def check(value: object) -> timedelta:
        parsed = _duration(value)
        if parsed < minimum:
            raise ValueError(f"{complaint}: {value!r}")
        return parsed

    return BeforeValidator(check)


def _recheck_window(value: object) -> timedelta:
    """`recheck_articles`: a duration, or 0 (also written "0"): re-checks are off."""
    if (value == 0 and not isinstance(value, bool)) or (isinstance(value, str) and value.strip() == "0"):
        return timedelta(0)
    try:
        return _duration(value)
    except ValueError as exc:
        raise ValueError(f'{exc} (or "0" to turn re-checks off)') from None


def _offset(value: object) -> str:
    """A reminder offset: a positive duration, kept as written (`"7d"`), since it names the reminder."""
    if _duration(value) <= timedelta(0):
        raise ValueError(f"reminder offset must be positive: {value!r}")
    return str(value)


def _time_of_day(value: object) -> time:
    """`"09:00"` (or a TOML time) → 09:00."""
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError("not a time of day like '09:00'")
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


# Durations are parsed once, here: the rest of scc-sync sees `timedelta`s.
Duration = Annotated[timedelta, BeforeValidator(_duration)]
NonzeroDuration = Annotated[timedelta, _at_least(timedelta(microseconds=1), "must be longer than 0")]
ServicePeriod = Annotated[timedelta, _at_least(timedelta(seconds=1), "must be at least 1s")]


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http(s) URL")
    return value


def _check_page_url(value: str) -> str:
    """A page people are sent to from every page and mail: an http(s) URL with a host, and nothing in it that
    would end or break a link in a plain-text mail."""
    _check_url(value)
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError(f"{value!r}: a URL has no spaces or control characters (write a space as %20)")
    return value


PageUrl = Annotated[str, AfterValidator(_check_page_url)]


def _check_private_entry(value: str) -> str:
    allow_private_entry(value)  # raises ValueError naming what is wrong
    return value


def _check_link_base(value: str) -> str:
    """Links in mails: https, as mail providers honour one-click unsubscribe only over https; plain http
    only on this machine (the demo, local tests)."""
    host = urlsplit(_check_url(value)).hostname
    if urlsplit(value).scheme == "http" and host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(
            f"{value!r}: links in mails must use https:// (plain http only for 127.0.0.1 or localhost); "
            "put the pages behind an HTTPS reverse proxy and give its address here"
        )
    return value


def _check_cron(value: str) -> str:
    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(f"not a cron expression ({exc})") from None
    return value


_FROM_FORM = "an address like 'digest@example.org' or 'SCC-Digest <digest@example.org>'"


def _check_sender(value: str) -> str:
    """`[delivery] from`: one mailbox, `digest@example.org` or `SCC-Digest <digest@example.org>` (any
    characters in the name), whose address keeps the rule of every address (`normalize_email`); its domain
    may also be `localhost`, the default's (mail into a local Maildir), which that rule calls special-use."""
    try:
        header = HeaderRegistry()("From", value)
    except ValueError as exc:  # a line break, say
        raise ValueError(f"{value!r} is not {_FROM_FORM} ({exc})") from None
    assert isinstance(header, AddressHeader)  # what the registry makes of a From header
    if header.defects or len(header.addresses) != 1:
        why = str(header.defects[0]) if header.defects else "give exactly one"
        raise ValueError(f"{value!r} is not {_FROM_FORM} ({why})")
    local, _, domain = header.addresses[0].addr_spec.rpartition("@")
    try:
        normalize_email(f"{local}@{'example.org' if domain.lower() == 'localhost' else domain}")
    except InvalidEmail as exc:
        raise ValueError(f"{value!r} is not {_FROM_FORM}: {exc}") from None
    return value


def _check_operator(value: str | None) -> str | None:
    """`[delivery] operator`: an address as every address (kept as written)."""
    if value is not None:
        normalize_email(value)
    return value


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StateConfig(Section):
    database: str = "state/scc-sync.db"
    retention_days: int = Field(180, ge=1)

    @property
    def url(self) -> str:
        """A SQLAlchemy URL; a bare path means an SQLite file."""
        if "://" in self.database:
            return self.database
        return f"sqlite:///{Path(self.database).expanduser()}"


class HttpConfig(Section):
    concurrency: int = Field(8, ge=1, le=64)
    per_host: int = Field(2, ge=1, le=16)
    timeout: float = Field(20.0, gt=0)
    max_bytes: int = Field(10_000_000, ge=1024)
    user_agent: str = "scc-sync/0.1 (+https://github.com/scc-sync/scc-sync)"
    # Feeds parsed in this many worker processes (0: in the fetching threads). See bench/bench_sync.py.
    parse_processes: int = Field(0, ge=0, le=64)
    # Hosts and networks that article links, redirects and refreshes may reach although they are not
    # public (a source's own origin always may): see scc_sync.fetch.addresses.
    allow_private: list[Annotated[str, AfterValidator(_check_private_entry)]] = []


class SyncConfig(Section):
    interval: Duration = timedelta(minutes=30)  # unless `cron` is set
    cron: str | None = None
    jitter: Duration = timedelta(minutes=2)
    max_backoff: Duration = timedelta(hours=24)
    # Page sources re-fetch a known article (conditional GET) while it is younger than `recheck_articles`
    # (0: never), at most once per `recheck_every`, to notice later edits. A window, not forever: edits
    # come in the days after publication, and every re-check is a request to someone else's server.
    recheck_articles: Annotated[timedelta, BeforeValidator(_recheck_window)] = timedelta(days=14)
    recheck_every: NonzeroDuration = timedelta(days=1)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else _check_cron(value)


class SourceConfig(Section):
    name: str = Field(min_length=1)
    kind: Literal["feed", "page"]
    url: str
    link_selector: str | None = None
    allow_domains: list[str] = []
    fetch_articles: bool = True  # feeds: also fetch each new item's article page, for its facts
    enabled: bool = True

    _url = field_validator("url")(classmethod(lambda cls, v: _check_url(v)))

    @model_validator(mode="after")
    def _page_needs_selector(self) -> SourceConfig:
        if self.kind == "page" and not self.link_selector:
            raise ValueError("a source of kind 'page' needs link_selector (a CSS selector for article links)")
        return self


class SmtpConfig(Section):
    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    timeout: float = Field(30.0, gt=0)
    # PEM file of the certificate authority that signed the server's certificate (an internal relay); the
    # system's trusted authorities are used as well. Verification itself cannot be switched off.
    ca_file: str | None = None

    @field_validator("ca_file")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"no such file: {value!r}")
        return value

    @model_validator(mode="after")
    def _login_pair(self) -> SmtpConfig:
        # Either alone would be ignored silently and the server would refuse the mail much later.
        if bool(self.username) != bool(self.password_env):
            given, missing = ("username", "password_env") if self.username else ("password_env", "username")
            raise ValueError(f"{given} is set but {missing} is not: set both to log in, or neither")
        return self


class DeliveryConfig(Section):
    transport: Literal["smtp", "maildir"] = "maildir"
    from_: str = Field("scc-sync <scc-sync@localhost>", alias="from")
    maildir: str = "state/maildir"
    operator: str | None = None
    list_id: str = "scc-digest.localhost"
    max_per_second: float | None = Field(None, gt=0)
    max_attempts: int = Field(5, ge=1, le=50)  # 4xx refusals are retried this often, then the row fails
    retry_after: Duration = timedelta(minutes=5)  # first retry delay after a 4xx; doubles each time (max 12h)
    lease: Duration = timedelta(minutes=5)  # how long a worker owns a row it is sending; then another may
    # A message whose SMTP reply never came may or may not have arrived. false (default): mark it
    # `unknown` and never resend it (at most once). true: resend it with the same Message-ID (at least once).
    retry_unknown: bool = False
    smtp: SmtpConfig = SmtpConfig()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    _from = field_validator("from_")(classmethod(lambda cls, v: _check_sender(v)))
    _operator = field_validator("operator")(classmethod(lambda cls, v: _check_operator(v)))

    @property
    def sender(self) -> str:
        return self.from_


class SubscriberConfig(Section):
    email: str
    name: str | None = None
    locale: Literal["de", "en"] = "de"
    frequency: Literal["daily", "weekly"] = "weekly"
    reminders: bool = True
    keywords: list[str] = []
    sources: list[str] = []

    _email = field_validator("email")(classmethod(lambda cls, v: normalize_email(v)))

    def to_subscriber(self) -> Subscriber:
        return Subscriber(
            email=self.email,
            name=self.name,
            locale=self.locale,
            frequency=self.frequency,
            reminders=self.reminders,
            keywords=tuple(self.keywords),
            sources=tuple(self.sources),
        )


class EventConfig(Section):
    name: str = Field(min_length=1)
    start: date
    end: date
    location: str | None = None
    url: str | None = None
    reminders: list[Annotated[str, BeforeValidator(_offset)]] = ["30d", "7d", "1d"]

    @model_validator(mode="after")
    def _ordered(self) -> EventConfig:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def to_event(self) -> Event:
        return Event(
            self.name, self.start, self.end, self.location, self.url, tuple(self.reminders), "config"
        )


class DigestConfig(Section):
    daily: str = "0 7 * * *"
    weekly: str = "0 7 * * mon"
    window: Duration = timedelta(days=7)
    catch_up: Duration = timedelta(
        days=14
    )  # periods skipped while nothing ran go into the next issue, so far
    full_items: int = Field(20, ge=1)  # entries with excerpt and facts; the rest as a compact list of links
    reminder_time: Annotated[time, BeforeValidator(_time_of_day)] = time(9, 0)

    _cron = field_validator("daily", "weekly")(classmethod(lambda cls, v: _check_cron(v)))


class WebConfig(Section):
    base_url: str = "http://127.0.0.1:8080"
    listen: str = "127.0.0.1:8080"
    secret_env: str = "SCC_SYNC_SECRET"
    # Reverse proxies in front of the web listener whose X-Forwarded-* headers are believed (0: none).
    trusted_proxies: int = Field(0, ge=0, le=10)
    # The association's legal notice (Impressum) and privacy policy (Datenschutzerklärung), linked in the
    # footer of every page and every mail to subscribers.
    imprint_url: PageUrl | None = None
    privacy_url: PageUrl | None = None

    _url = field_validator("base_url")(classmethod(lambda cls, v: _check_link_base(v).rstrip("/")))

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("not an address like '127.0.0.1:8080' or '0.0.0.0:8080'")
        return value

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


class ServiceConfig(Section):
    """`scc-sync run`: the long-running service."""

    heartbeat: ServicePeriod = timedelta(
        seconds=30
    )  # how often the heartbeat is written (healthcheck reads it)
    shutdown_grace: ServicePeriod = timedelta(seconds=30)  # after SIGTERM: how long a running job may take
    reminder_check: ServicePeriod = timedelta(minutes=15)  # how often due reminders are looked for
    retry_check: ServicePeriod = timedelta(
        minutes=5
    )  # how often mail due again (deferred, left queued) is sent
    housekeeping: str = "30 3 * * *"  # cron, in `timezone`: prune old raw pages and ledger rows
    alert_after_failures: int = Field(3, ge=1)  # consecutive failures of a source before the operator is told

    _cron = field_validator("housekeeping")(classmethod(lambda cls, v: _check_cron(v)))


class ClusterConfig(Section):
    """`scc-sync worker`: several processes sharing the work through a task queue in PostgreSQL."""

    heartbeat: ServicePeriod = timedelta(seconds=10)  # how often a worker says it is alive
    stalled_after: ServicePeriod = timedelta(seconds=30)  # a worker silent this long is dead: tasks move on
    batch: int = Field(100, ge=1, le=10_000)  # messages per sending task: a mailing goes out in such batches

    @model_validator(mode="after")
    def _silence_longer_than_beat(self) -> ClusterConfig:
        if self.stalled_after < 2 * self.heartbeat:
            raise ValueError(
                f"stalled_after ({self.stalled_after}) must be at least twice heartbeat ({self.heartbeat}), "
                "or a worker that is merely slow to beat would be taken for dead"
            )
        return self


class ExtractConfig(Section):
    gazetteer: dict[str, str] = {}


class Config(Section):
    timezone: str = "Europe/Berlin"
    state: StateConfig = StateConfig()
    http: HttpConfig = HttpConfig()
    sync: SyncConfig = SyncConfig()
    sources: list[SourceConfig] = []
    extract: ExtractConfig = ExtractConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    subscribers: list[SubscriberConfig] = []
    events: list[EventConfig] = []
    digest: DigestConfig = DigestConfig()
    web: WebConfig = WebConfig()
    service: ServiceConfig = ServiceConfig()
    cluster: ClusterConfig = ClusterConfig()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like 'Europe/Berlin')") from None
        return value

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: list[SourceConfig]) -> list[SourceConfig]:
        names = [s.name for s in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"source names must be unique; repeated: {', '.join(duplicates)}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(
            f"no source named {name!r}; known: {', '.join(s.name for s in self.sources) or 'none'}"
        )


def with_listen(config: Config, listen: str | None) -> Config:
    """The config with `[web] listen` replaced (a command's `--listen`), validated like the file's value."""
    if listen is None:
        return config
    data = config.model_dump(by_alias=True)
    data["web"]["listen"] = listen
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(error, "--listen") for error in exc.errors())) from None


def resolve_config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """`--config PATH`, else `$SCC_SYNC_CONFIG`, else `config/scc-sync.toml`."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return DEFAULT_CONFIG_PATH


def load_config(path: str | os.PathLike[str]) -> Config:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (pass --config PATH or set {CONFIG_ENV})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, origin=str(path))


def parse_config(data: Mapping[str, Any], *, origin: str = "<config>") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(error, origin) for error in exc.errors())) from None


def _describe(error: Mapping[str, Any], origin: str) -> str:
    loc = tuple(error["loc"])
    key = _key_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key" + _suggestion(loc)
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "value_error":  # our own validators name the value already
        message = str(error["msg"]).removeprefix("Value error, ")
    else:
        message = f"{error['msg']}; found {error.get('input')!r}"
        if kind.startswith("date"):
            message += " (write dates as YYYY-MM-DD, without quotes: start = 2021-10-26)"
    return f"{origin}: {key}: {message}" if key else f"{origin}: {message}"


def _key_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _suggestion(loc: tuple[Any, ...]) -> str:
    model: Any = Config
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) or _field_by_alias(model, part)
        annotation = field.annotation if field else None
        model = _model_in(annotation)
        if model is None:
            return ""
    names = [f.alias or name for name, f in model.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(names))}"


def _field_by_alias(model: Any, alias: str) -> Any:
    return next((f for f in model.model_fields.values() if f.alias == alias), None)


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
