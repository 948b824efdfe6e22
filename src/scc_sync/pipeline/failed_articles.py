"""Article pages that could not be read: what went wrong, when to ask again, what to tell the user.

Feeds with `fetch_articles` and page sources read article pages for their facts. One that fails is
remembered (`store.article_failures`), so that the same failing URL is not asked for on every sync:

- gone: 404/410, or not an HTML page, or too large: not asked for again;
- refused: a bot wall, a cookie consent or login page instead of the article, 401/403 and other
  refusals, redirect loops, a private address: asked again after 1, 2 and 4 days, then no more;
- transient: 5xx, 429, timeouts, broken connections and answers (of the page or of its site's
  robots.txt): asked again after 15 minutes, then 30, 60, 120 and 240, at least as long as a
  Retry-After says (capped at a day), then no more.

A failure for another reason than the last one starts its count afresh; nothing is asked again once
its first failure is GIVE_UP_AFTER old. robots.txt refusals are not remembered: they cost no request.

The item keeps what its feed gave (title and text) and is delivered like any other; a page source,
which has no feed text, stores the listing's link text as the item's title once the article is
refused, or when a transient failure is given up (never for a 404: there is nothing to link to).
Everything here is plain functions on plain data; `sync` does the fetching and storing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from scc_sync.fetch.http import FetchError
from scc_sync.store.article_failures import ArticleFailure

Reason = Literal["gone", "refused", "transient"]


@dataclass(frozen=True)
class Backoff:
    first: timedelta  # the wait after the first failure, doubled after each one that follows
    tries: int  # failures (in a row, for this reason) after which the article is not asked for again


BACKOFF: dict[Reason, Backoff] = {
    "gone": Backoff(timedelta(0), tries=1),
    "refused": Backoff(timedelta(days=1), tries=4),
    "transient": Backoff(timedelta(minutes=15), tries=6),
}
GIVE_UP_AFTER = timedelta(days=7)
MAX_RETRY_AFTER = timedelta(days=1)  # a server's Retry-After is honoured up to this
HOST_TROUBLE = ("rate_limited", "timeout", "connection")  # a host that answers so is struggling

_GONE_KINDS = ("gone", "content_type", "too_large")
_REFUSED_KINDS = ("blocked", "consent", "login", "redirect_loop", "too_many_redirects", "private_address")


@dataclass(frozen=True)
class ArticleProblem:
    """Why one article page could not be read this time."""

    url: str
    kind: str  # a FetchError kind, or "consent" / "login" for a page that is not the article
    message: str  # the whole story, for the log and a single warning
    status: int | None = None
    retry_after: float | None = None
    protection: str | None = None  # blocked: who put up the wall (Cloudflare, …); consent, login: the page

    @classmethod
    def from_error(cls, error: FetchError) -> ArticleProblem:
        return cls(error.url, error.kind, str(error), error.status, error.retry_after, error.protection)

    @classmethod
    def wall(cls, url: str, what: str) -> ArticleProblem:
        """An article page that is `what` ('a cookie consent page (Usercentrics)') instead."""
        kind = "login" if "login" in what else "consent"
        message = f"{url} is {what}, not the article: its text and facts are not stored"
        return cls(url, kind, message, protection=what)

    @property
    def reason(self) -> Reason | None:
        """How the failure is remembered; None: not at all (robots.txt said no, nothing was asked)."""
        if self.kind == "robots":
            return None
        if self.kind in _GONE_KINDS or self.status in (404, 410):
            return "gone"
        status = self.status or 0
        if self.kind in _REFUSED_KINDS or (self.kind == "http_status" and 400 <= status < 500):
            return "refused"
        return "transient"

    @property
    def host_trouble(self) -> bool:
        """The host is overloaded or down: asking it for more pages now would only add to that."""
        return self.kind in HOST_TROUBLE or (self.status or 0) >= 500

    @property
    def summary(self) -> str:
        """What went wrong, to follow "article pages …" in a warning."""
        status = f"HTTP {self.status}"
        if self.kind == "blocked":
            return f"refused automated access ({status} from {self.protection or 'bot protection'})"
        if self.kind in ("consent", "login"):
            return f"showed {self.protection} instead of the article"
        if self.status == 429:
            return f"asked to slow down ({status})"
        if self.kind in ("http_status", "rate_limited", "gone") and self.status:
            return f"answered {status}"
        return _SUMMARIES.get(self.kind, self.kind)


_SUMMARIES = {
    "robots": "are disallowed by robots.txt",
    "content_type": "are not HTML pages",
    "too_large": "are larger than [http] max_bytes",
    "timeout": "did not answer in time",
    "connection": "could not be reached",
    "bad_answer": "sent broken answers",
    "redirect_loop": "redirect in a loop",
    "too_many_redirects": "redirect too often",
    "private_address": "lead to private network addresses, which [http] allow_private does not allow",
}
_CONSEQUENCES: dict[Reason, str] = {
    "gone": "they are not asked for again",
    "refused": "items carry {keeps} only",
    "transient": "asked again later",
}


def after_failure(
    previous: ArticleFailure | None,
    key: str,
    problem: ArticleProblem,
    now: datetime,
    title: str | None = None,
) -> ArticleFailure | None:
    """What to remember after `problem`, given what was remembered before (None: nothing to remember)."""
    reason = problem.reason
    if reason is None:
        return None
    again = previous is not None and previous.reason == reason
    failures = previous.failures + 1 if again and previous else 1
    first = previous.first_failed_at if previous else now
    return ArticleFailure(
        key=key,
        url=problem.url,
        reason=reason,
        kind=problem.kind,
        status=problem.status,
        error=problem.message,
        failures=failures,
        first_failed_at=first,
        last_failed_at=now,
        retry_at=_retry_at(reason, failures, first, now, problem.retry_after),
        title=title or (previous.title if previous else None),
    )


def _retry_at(
    reason: Reason, failures: int, first: datetime, now: datetime, retry_after: float | None
) -> datetime | None:
    backoff = BACKOFF[reason]
    if failures >= backoff.tries or now - first >= GIVE_UP_AFTER:
        return None
    wait = backoff.first * 2 ** (failures - 1)
    if retry_after:
        wait = max(wait, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return now + wait


def due_retries(failures: Iterable[ArticleFailure], *, now: datetime, limit: int) -> list[ArticleFailure]:
    """The remembered failures to ask again now, those waiting longest first, at most `limit`."""
    due = [f for f in failures if f.retry_at is not None and f.retry_at <= now]
    return sorted(due, key=lambda f: (f.retry_at, f.key))[:limit]


def listing_item_allowed(failure: ArticleFailure) -> bool:
    """Whether a page source stores the listing's link as an item without its article: when the article
    is refused, or a transient failure was given up; never when it is gone (a dead link helps no one)."""
    return failure.reason == "refused" or (failure.reason == "transient" and failure.retry_at is None)


def article_warnings(asked: int, problems: list[ArticleProblem], *, keeps: str) -> list[str]:
    """Warnings about one sync's article reads, one per kind of problem: a single failure tells its
    whole story, several are counted ("article pages refused automated access (…); items carry …")."""
    groups: dict[str, list[ArticleProblem]] = {}
    for problem in problems:
        groups.setdefault(problem.summary, []).append(problem)
    return [_warning(summary, group, asked, keeps) for summary, group in groups.items()]


def _warning(summary: str, group: list[ArticleProblem], asked: int, keeps: str) -> str:
    first = group[0]
    if len(group) == 1 and first.reason != "refused":
        return f"article {first.url}: {first.message}"
    share = "article pages" if len(group) >= asked else f"{len(group)} of {asked} article pages"
    example = "" if len(group) >= asked else f", e.g. {first.url}"
    consequence = _CONSEQUENCES.get(first.reason) if first.reason else None
    tail = f"; {consequence.format(keeps=keeps)}" if consequence else ""
    return f"{share} {summary}{example}{tail}"


@dataclass
class ArticleReads:
    """What one source's article reads in one sync came to: failures to remember, articles that recovered,
    problems to report. Filled by the worker that fetches, stored by the one thread that writes."""

    source: str
    now: datetime
    remembered: Mapping[str, ArticleFailure] = field(default_factory=dict)
    asked: int = 0
    problems: list[ArticleProblem] = field(default_factory=list)
    failures: dict[str, ArticleFailure] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)

    def failed(self, key: str, problem: ArticleProblem, title: str | None = None) -> ArticleFailure | None:
        self.asked += 1
        self.problems.append(problem)
        failure = after_failure(self.remembered.get(key), key, problem, self.now, title)
        if failure is not None:
            self.failures[key] = failure
        return failure

    def succeeded(self, key: str) -> None:
        self.asked += 1
        if key in self.remembered:
            self.recovered.append(key)

    def warnings(self, *, keeps: str) -> list[str] | None:
        """This sync's warnings about article pages; None if none was asked for (the last ones still hold)."""
        return article_warnings(self.asked, self.problems, keeps=keeps) if self.asked else None
