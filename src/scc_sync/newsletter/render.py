"""Render digests and reminders to subject, plain text and HTML from the same view data.

Templates come from a user directory first and the package's `scc_sync/templates` second. Web text is
untrusted: excerpts are reduced to plain text with nh3, links are kept only for http(s) URLs, and
Jinja2 autoescapes everything that goes into HTML. CSS is inlined with css-inline; `@media` rules stay
in a `<style>` block for clients that honour them.
"""

from __future__ import annotations

import html
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import css_inline
import nh3
from babel.dates import format_date
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)

from scc_sync.errors import InputError
from scc_sync.models import Event, EventFacts, Locale, Person, Subscriber, Summary
from scc_sync.newsletter import mail_text

EXCERPT_CHARS = 400
PREHEADER_CHARS = 140
# Entries shown in full (excerpt, facts); the rest as a compact list of links. Gmail clips a message's
# HTML beyond about 100 KB (and with it the unsubscribe link); a full entry is about 1.1 KB, a compact one
# a fifth of that.
FULL_ITEMS = 20
CACHED_MAILS = 64  # distinct (content, locale) renderings kept for the subscribers of a mailing
MAX_PEOPLE = 5
COUNT_ORDER = ("participants", "speakers", "exhibitors", "partners")

_BLOCK_END = re.compile(r"<\s*(?:br|hr|/p|/div|/li|/h[1-6]|/tr|/blockquote)\b[^>]*>", re.IGNORECASE)


MAIL_TEMPLATES = tuple(f"{kind}.{ext}" for kind in ("digest", "reminder") for ext in ("txt", "html"))


class RenderError(InputError, ValueError):
    """A mail template is broken or failed for some data: names the template file and line."""


def _template_error(template: Template | None, name: str, exc: TemplateError) -> RenderError:
    """`exc` with the template's file and line: `templates/digest.txt, line 3: 'x' is undefined`."""
    path, line = (template.filename if template else None) or name, None
    if isinstance(exc, TemplateSyntaxError):
        path, line = exc.filename or path, exc.lineno
    else:  # Jinja2 rewrites tracebacks so that template frames carry the template's file and line
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == path:
                line = tb.tb_lineno
            tb = tb.tb_next
    where = f"{path}, line {line}" if line else path
    return RenderError(f"mail template {where}: {exc.message or type(exc).__name__}")


@dataclass(frozen=True)
class DigestEntry:
    title: str
    url: str
    source: str
    published: datetime | None
    excerpt: str  # may contain HTML from the web; rendered as plain text
    updated: bool = False
    revision: int = 1
    summary: Summary | None = None


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class MailLinks:
    unsubscribe_url: str
    preferences_url: str | None = None


def plain_text(fragment: str, limit: int | None = None) -> str:
    """Untrusted HTML (or text) → one line of plain text, cut at a word boundary."""
    text = html.unescape(nh3.clean(_BLOCK_END.sub(" ", fragment), tags=set()))
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.-") + " …"
    return text


def safe_url(url: str | None) -> str | None:
    """Keep only absolute http(s) URLs: a `javascript:` link must not become clickable."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not re.search(r"\s", url):
        return url
    return None


def _one_line(value: str | None) -> str:
    return " ".join((value or "").split())


def _person(person: Person) -> str:
    name = " ".join(part for part in (person.title, person.name) if part)
    detail = ", ".join(part for part in (person.role, person.organization) if part)
    return f"{name} ({detail})" if detail else name


def _counts(facts: EventFacts, locale: str) -> str:
    kinds = [k for k in COUNT_ORDER if k in facts.counts] + sorted(set(facts.counts) - set(COUNT_ORDER))
    return ", ".join(mail_text.count_phrase(kind, facts.counts[kind], locale) for kind in kinds)


def facts_rows(summary: Summary, locale: str) -> list[tuple[str, str]]:
    """The facts box of a recap as (label, value) rows; empty when the summary describes no event."""
    event = summary.event
    if event is None:
        return []
    words = mail_text.strings(locale)
    rows: list[tuple[str, str]] = []
    if event.start:
        rows.append((words["facts_dates"], mail_text.date_range(event.start, event.end, locale)))
    if event.format:
        rows.append((words["facts_format"], words.get(f"format_{event.format}", event.format)))
    if event.location:
        rows.append((words["facts_location"], event.location))
    if event.counts:
        rows.append((words["facts_counts"], _counts(event, locale)))
    if summary.people:
        rows.append((words["facts_people"], "; ".join(_person(p) for p in summary.people[:MAX_PEOPLE])))
    nxt = summary.next_event
    if nxt is not None and (nxt.start or nxt.format or nxt.location):
        line = mail_text.event_line(nxt, locale)
        rows.append((words["facts_next"], f"{nxt.name}: {line}" if nxt.name else line))
    return [(_one_line(label), _one_line(value)) for label, value in rows]


class Renderer:
    def __init__(
        self,
        templates_dir: Path | None = None,
        *,
        timezone: str = "Europe/Berlin",
        list_name: str = "scc-sync",
        digest_title: str = "SCC-Digest",
        full_items: int = FULL_ITEMS,
        imprint_url: str | None = None,
        privacy_url: str | None = None,
    ) -> None:
        loaders: list[Any] = []
        if templates_dir is not None:
            loaders.append(FileSystemLoader(templates_dir))
        loaders.append(PackageLoader("scc_sync", "templates"))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(["html"], default_for_string=False, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.zone = ZoneInfo(timezone)
        self.list_name = list_name
        self.digest_title = digest_title
        self.full_items = full_items
        self.imprint_url, self.privacy_url = imprint_url, privacy_url  # in every mail's footer
        self._inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
        # Placeholders for personal fields: letters and digits only, so escaping and inlining keep them
        # intact, and a per-renderer nonce so web content cannot spell them.
        nonce = secrets.token_hex(8)
        self._slots = {slot: f"sccslot{nonce}{slot}" for slot in ("greeting", "unsubscribe", "preferences")}
        self._cache: OrderedDict[tuple[Any, ...], RenderedMail] = OrderedDict()
        self._lock = threading.Lock()

    # -- public API -------------------------------------------------------------------------------

    def digest(
        self,
        subscriber: Subscriber,
        entries: list[DigestEntry],
        *,
        period_start: datetime,
        period_end: datetime,
        links: MailLinks,
    ) -> RenderedMail:
        if not entries:
            raise ValueError(f"digest for {subscriber.email}: no entries to render")
        locale = subscriber.locale
        key = ("digest", locale, links.preferences_url is not None, period_start, period_end, repr(entries))
        shared = self._shared(
            key, lambda: self._digest_shared(locale, entries, period_start, period_end, links)
        )
        return self._personalize(shared, subscriber, links)

    def _digest_shared(
        self,
        locale: Locale,
        entries: list[DigestEntry],
        period_start: datetime,
        period_end: datetime,
        links: MailLinks,
    ) -> RenderedMail:
        words = mail_text.strings(locale)
        first_day = self._local_date(period_start)
        last_day = self._local_date(period_end - timedelta(microseconds=1))  # period_end is exclusive
        views = [self._entry_view(entry, locale) for entry in entries]
        for n, view in enumerate(views[self.full_items :]):  # a compact list of links: see FULL_ITEMS
            view.update(compact=True, first_compact=n == 0)
        context = self._common(locale, links) | {
            "subject": self._digest_subject(entries, first_day, last_day, locale),
            "preheader": plain_text(" · ".join(v["title"] for v in views), PREHEADER_CHARS),
            "intro": words["digest_intro_day"].format(day=mail_text.long_date(last_day, locale))
            if first_day == last_day
            else words["digest_intro"].format(
                start=mail_text.long_date(first_day, locale), end=mail_text.long_date(last_day, locale)
            ),
            "entries": views,
        }
        return self._render("digest", context)

    def reminder(
        self, subscriber: Subscriber, event: Event, *, days_before: int, links: MailLinks
    ) -> RenderedMail:
        locale = subscriber.locale
        key = ("reminder", locale, links.preferences_url is not None, days_before, repr(event))
        shared = self._shared(key, lambda: self._reminder_shared(locale, event, days_before, links))
        return self._personalize(shared, subscriber, links)

    def _reminder_shared(
        self, locale: Locale, event: Event, days_before: int, links: MailLinks
    ) -> RenderedMail:
        words = mail_text.strings(locale)
        name = _one_line(event.name)
        when = (
            words["today"]
            if days_before <= 0
            else words["tomorrow"]
            if days_before == 1
            else words["in_days"].format(n=days_before)
        )
        if event.end == event.start:
            dates = mail_text.full_date(event.start, locale)
        else:
            dates = f"{mail_text.full_date(event.start, locale)} – {mail_text.full_date(event.end, locale)}"
        intro = words["reminder_intro"].format(event=name, when=when)
        context = self._common(locale, links) | {
            "subject": words["reminder_subject"].format(event=name, when=when),
            "preheader": f"{intro} {dates}",
            "intro": intro,
            "event": {
                "name": name,
                "dates": dates,
                "location": _one_line(event.location) or None,
                "url": safe_url(event.url),
            },
        }
        return self._render("reminder", context)

    # -- helpers ----------------------------------------------------------------------------------

    def _local_date(self, moment: datetime) -> date:
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment.isoformat()}: period bounds must be timezone-aware")
        return moment.astimezone(self.zone).date()

    def _common(self, locale: Locale, links: MailLinks) -> dict[str, Any]:
        """Context shared by all mails; personal fields are slots filled in by `_personalize`."""
        words = mail_text.strings(locale)
        return {
            "t": words,
            "locale": locale,
            "list_name": self.list_name,
            "greeting": self._slots["greeting"],
            "footer_why": words["footer_why"].format(list=self.list_name),
            "unsubscribe_url": self._slots["unsubscribe"],
            "preferences_url": self._slots["preferences"] if links.preferences_url else None,
            "imprint_url": self.imprint_url,
            "privacy_url": self.privacy_url,
        }

    def _shared(self, key: tuple[Any, ...], render: Callable[[], RenderedMail]) -> RenderedMail:
        """Render once per distinct mail content; every subscriber of a mailing then costs a replace."""
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        mail = render()
        with self._lock:
            self._cache[key] = mail
            while len(self._cache) > CACHED_MAILS:
                self._cache.popitem(last=False)
        return mail

    def _personalize(self, shared: RenderedMail, subscriber: Subscriber, links: MailLinks) -> RenderedMail:
        words = mail_text.strings(subscriber.locale)
        name = _one_line(subscriber.name)
        values = {
            "greeting": words["greeting_named"].format(name=name) if name else words["greeting"],
            "unsubscribe": links.unsubscribe_url,
            "preferences": links.preferences_url or "",
        }
        text, html_body = shared.text, shared.html
        for slot, value in values.items():
            placeholder = self._slots[slot]
            text = text.replace(placeholder, _one_line(value))
            html_body = html_body.replace(placeholder, html.escape(_one_line(value), quote=True))
        return RenderedMail(subject=shared.subject, text=text, html=html_body)

    def _entry_view(self, entry: DigestEntry, locale: str) -> dict[str, Any]:
        words = mail_text.strings(locale)
        summary = entry.summary
        rows = facts_rows(summary, locale) if summary is not None else []
        return {
            "compact": False,
            "first_compact": False,
            "title": _one_line(entry.title),
            "url": safe_url(entry.url),
            "source": _one_line(entry.source),
            "published": mail_text.long_date(self._local_date(entry.published), locale)
            if entry.published
            else None,
            "excerpt": plain_text(entry.excerpt, EXCERPT_CHARS),
            "updated": entry.updated,
            "revision": entry.revision,
            "facts": rows,
            "facts_title": f"{words['facts']}: {_one_line(summary.event.name)}"
            if rows and summary and summary.event and summary.event.name
            else words["facts"],
        }

    def _digest_subject(self, entries: list[DigestEntry], first: date, last: date, locale: str) -> str:
        words = mail_text.strings(locale)
        updated = sum(1 for e in entries if e.updated)
        new = len(entries) - updated
        parts = []
        if new:
            parts.append(words["new_one"] if new == 1 else words["new_many"].format(n=new))
        if updated:
            parts.append(words["updated_one"] if updated == 1 else words["updated_many"].format(n=updated))
        count = ", ".join(parts)
        if first == last:
            day = format_date(last, "medium", locale=locale)
            return words["digest_subject_daily"].format(title=self.digest_title, count=count, day=day)
        if first.isoweekday() == 1 and (last - first).days == 6:  # one ISO week
            week = last.isocalendar().week
            return words["digest_subject"].format(title=self.digest_title, count=count, week=week)
        first_day, last_day = (format_date(d, "medium", locale=locale) for d in (first, last))
        return words["digest_subject_range"].format(  # a catch-up issue after skipped periods
            title=self.digest_title, count=count, first=first_day, last=last_day
        )

    def check_templates(self) -> None:
        """Load every mail template once: a syntax error stops a run before anything is queued."""
        for name in MAIL_TEMPLATES:
            self._template(name)

    def _template(self, name: str) -> Template:
        try:
            return self.env.get_template(name)
        except TemplateError as exc:
            raise _template_error(None, name, exc) from exc

    def _render(self, kind: str, context: dict[str, Any]) -> RenderedMail:
        text, raw_html = (self._render_one(f"{kind}.{ext}", context) for ext in ("txt", "html"))
        return RenderedMail(subject=context["subject"], text=text, html=self._inliner.inline(raw_html))

    def _render_one(self, name: str, context: dict[str, Any]) -> str:
        template = self._template(name)
        try:
            return template.render(context)
        except TemplateError as exc:
            raise _template_error(template, name, exc) from exc
