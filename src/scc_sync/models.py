"""The domain's plain data.

Everything that crosses a module boundary is one of these frozen dataclasses (or a list of them):
fetch produces `FetchResult`s and `Item`s, extract produces `Summary`s, the store persists them,
the newsletter turns `Subscriber`s and stored items into `OutgoingMessage`s.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

SourceKind = Literal["feed", "page"]
Locale = Literal["de", "en"]
Frequency = Literal["daily", "weekly"]
LOCALES: tuple[Locale, ...] = ("de", "en")
FREQUENCIES: tuple[Frequency, ...] = ("daily", "weekly")
EventFormat = Literal["online", "in-person", "hybrid"]
CountQualifier = Literal["exact", "more_than", "about", "at_least", "up_to"]
SubscriberStatus = Literal["pending", "confirmed", "unsubscribed", "bounced"]
DeliveryState = Literal["queued", "sending", "sent", "deferred", "failed", "unknown", "suppressed"]


# An item date outside these bounds is a publisher's or a CMS's fault (0001-01-01, 1970-01-01, a year
# typed as 2202), never news: such a date counts as unknown. A date up to FUTURE_DATE_SLACK ahead is a
# wrong time zone or a post scheduled a little early, and is taken as now.
EARLIEST_ITEM_DATE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_DATE_SLACK = timedelta(days=2)


def plausible_item_date(when: datetime, now: datetime | None = None) -> bool:
    """Whether `when` can be an item's publication date (fetched at `now`, if known)."""
    return when >= EARLIEST_ITEM_DATE and (now is None or when <= now + FUTURE_DATE_SLACK)


@dataclass(frozen=True)
class FetchResult:
    """One HTTP answer for one URL, after redirects, decoded only as far as bytes."""

    url: str  # the URL asked for
    final_url: str  # where the body actually came from
    status: int  # 304 means "not modified": content is empty
    headers: dict[str, str]
    content: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None  # target of a 301/308 on the first hop, if any

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class Item:
    """One news item as a source delivers it (a feed entry, or an article linked from a page)."""

    source: str
    key: str  # stable identity within the source: GUID, canonical link, or content hash
    url: str
    title: str
    published: datetime | None = None  # timezone-aware; None when the source gives no date
    text: str = ""  # plain text (feed summary/content or article body)
    html: str | None = None  # the article page, when one was fetched (for extraction)
    author: str | None = None


@dataclass(frozen=True)
class Count:
    value: int
    qualifier: CountQualifier = "exact"


@dataclass(frozen=True)
class Person:
    name: str
    title: str | None = None  # academic title: "Dr.", "Prof. Dr."
    role: str | None = None
    organization: str | None = None


@dataclass(frozen=True)
class Session:
    title: str
    date: date | None = None


@dataclass(frozen=True)
class EventFacts:
    name: str
    start: date | None = None
    end: date | None = None
    format: EventFormat | None = None
    location: str | None = None
    counts: dict[str, Count] = field(default_factory=dict)  # participants, speakers, exhibitors, partners


@dataclass(frozen=True)
class Section:
    heading: str | None
    text: str


@dataclass(frozen=True)
class Summary:
    """The structured summary of one article (see the JSON Schema in `schema/summary.schema.json`)."""

    url: str | None = None
    title: str | None = None
    kicker: str | None = None
    published: date | None = None
    language: str | None = None
    lead: str | None = None
    sections: list[Section] = field(default_factory=list)
    event: EventFacts | None = None
    people: list[Person] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    next_event: EventFacts | None = None
    links: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        def facts(raw: dict[str, Any] | None) -> EventFacts | None:
            if not raw:
                return None
            counts = {
                k: Count(int(v["value"]), v.get("qualifier", "exact"))
                for k, v in (raw.get("counts") or {}).items()
            }
            return EventFacts(
                name=raw.get("name") or "",
                start=_date_or_none(raw.get("start")),
                end=_date_or_none(raw.get("end")),
                format=raw.get("format"),
                location=raw.get("location"),
                counts=counts,
            )

        return cls(
            url=data.get("url"),
            title=data.get("title"),
            kicker=data.get("kicker"),
            published=_date_or_none(data.get("published")),
            language=data.get("language"),
            lead=data.get("lead"),
            sections=[Section(s.get("heading"), s.get("text", "")) for s in data.get("sections") or []],
            event=facts(data.get("event")),
            people=[Person(**p) for p in data.get("people") or []],
            organizations=list(data.get("organizations") or []),
            sessions=[Session(s["title"], _date_or_none(s.get("date"))) for s in data.get("sessions") or []],
            next_event=facts(data.get("next_event")),
            links=list(data.get("links") or []),
            warnings=list(data.get("warnings") or []),
        )


@dataclass(frozen=True)
class Event:
    """An event people are reminded of: from config, or found as the next edition in a recap."""

    name: str
    start: date
    end: date
    location: str | None = None
    url: str | None = None
    reminders: tuple[str, ...] = ("30d", "7d", "1d")
    origin: Literal["config", "extracted"] = "config"

    @property
    def key(self) -> str:
        """Identity across sources: the name and the year (`smart-country-convention-2021`)."""
        return event_key(self.name, self.start.year)


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str | None = None
    locale: Locale = "de"
    frequency: Frequency = "weekly"
    status: SubscriberStatus = "confirmed"
    reminders: bool = True
    keywords: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    id: int | None = None
    subscribed_at: datetime | None = None


def event_key(name: str, year: int) -> str:
    import re
    import unicodedata

    base = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"\b(19|20)\d\d\b", "", base)
    slug = re.sub(r"[^a-z0-9]+", "-", base).strip("-")
    return f"{slug}-{year}"


def _date_or_none(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
