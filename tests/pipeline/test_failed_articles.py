"""When a failed article page is asked for again, and what the warnings say: plain functions, no server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scc_sync.fetch.http import FetchError
from scc_sync.pipeline.failed_articles import (
    ArticleProblem,
    after_failure,
    article_warnings,
    due_retries,
    listing_item_allowed,
)
from tests.pipeline.sync.conftest import T0

URL = "https://presse.example.org/a.html"


def problem(kind: str = "http_status", status: int | None = None, **extra) -> ArticleProblem:
    return ArticleProblem(URL, kind, f"{URL}: {kind} {status}", status, **extra)


def failures_over(problems: list[ArticleProblem], every: timedelta):
    """Each problem one after the other, `every` apart (or when due, if later): the remembered states."""
    states, previous, now = [], None, T0
    for p in problems:
        previous = after_failure(previous, URL, p, now)
        states.append(previous)
        if previous is None or previous.retry_at is None:
            break
        now = max(now + every, previous.retry_at)
    return states


@pytest.mark.parametrize(
    ("the_problem", "reason"),
    [
        (problem(status=404), "gone"),
        (problem("gone", 410), "gone"),
        (problem("content_type"), "gone"),
        (problem("too_large"), "gone"),
        (problem("blocked", 403, protection="Cloudflare"), "refused"),
        (problem("http_status", 401), "refused"),
        (problem("http_status", 403), "refused"),
        (problem("http_status", 451), "refused"),
        (ArticleProblem.wall(URL, "a cookie consent page (Usercentrics)"), "refused"),
        (ArticleProblem.wall(URL, "a login page"), "refused"),
        (problem("redirect_loop", 302), "refused"),
        (problem("http_status", 500), "transient"),
        (problem("rate_limited", 503), "transient"),
        (problem("rate_limited", 429), "transient"),
        (problem("timeout"), "transient"),
        (problem("connection"), "transient"),
        (problem("bad_answer"), "transient"),
        (problem("robots"), None),  # nothing was asked: nothing to remember
    ],
)
def test_each_problem_has_its_reason(the_problem: ArticleProblem, reason: str | None) -> None:
    assert the_problem.reason == reason


def test_a_gone_article_is_not_asked_again() -> None:
    [failure] = failures_over([problem(status=404)], timedelta(minutes=30))
    assert (failure.reason, failure.failures, failure.retry_at) == ("gone", 1, None)


def test_a_refused_article_waits_one_two_four_days_then_is_given_up() -> None:
    states = failures_over([problem("blocked", 403)] * 10, timedelta(minutes=30))
    waits = [s.retry_at - s.last_failed_at if s.retry_at else None for s in states]
    assert waits == [timedelta(days=1), timedelta(days=2), timedelta(days=4), None]


def test_a_transient_failure_is_asked_again_soon_then_less_often_then_given_up() -> None:
    states = failures_over([problem("timeout")] * 10, timedelta(minutes=30))
    waits = [s.retry_at - s.last_failed_at if s.retry_at else None for s in states]
    assert waits == [timedelta(minutes=m) for m in (15, 30, 60, 120, 240)] + [None]


def test_retry_after_is_honoured_up_to_a_day() -> None:
    first = after_failure(None, URL, problem("rate_limited", 429, retry_after=3600), T0)
    assert first.retry_at == T0 + timedelta(hours=1)
    silly = after_failure(None, URL, problem("rate_limited", 429, retry_after=10**9), T0)
    assert silly.retry_at == T0 + timedelta(days=1)


def test_another_reason_starts_the_count_afresh_but_a_week_is_the_limit() -> None:
    transient = after_failure(None, URL, problem("timeout"), T0)
    refused = after_failure(transient, URL, problem("blocked", 403), T0 + timedelta(hours=1))
    assert (refused.reason, refused.failures, refused.first_failed_at) == ("refused", 1, T0)
    assert refused.retry_at == T0 + timedelta(hours=1, days=1)
    late = after_failure(refused, URL, problem("timeout"), T0 + timedelta(days=7))
    assert (late.failures, late.retry_at) == (1, None)


def test_the_listing_text_is_kept_across_failures() -> None:
    first = after_failure(None, URL, problem("timeout"), T0, title="Rückblick SCC")
    again = after_failure(first, URL, problem("timeout"), T0 + timedelta(minutes=15))
    assert again.title == "Rückblick SCC"


def test_a_listing_item_only_for_a_refused_article_or_a_transient_one_given_up() -> None:
    refused = after_failure(None, URL, problem("blocked", 403), T0)
    gone = after_failure(None, URL, problem(status=404), T0)
    transient = after_failure(None, URL, problem("timeout"), T0)
    given_up = after_failure(transient, URL, problem("timeout"), T0 + timedelta(days=8))
    assert [listing_item_allowed(f) for f in (refused, gone, transient, given_up)] == [
        True,
        False,
        False,
        True,
    ]


def test_due_retries_are_those_waiting_longest_first_and_bounded() -> None:
    states = {
        key: after_failure(None, key, problem("timeout"), T0 + timedelta(minutes=minutes))
        for key, minutes in (("c", 0), ("a", 5), ("b", 5), ("later", 60))
    }
    never = after_failure(None, "gone", problem(status=404), T0)
    found = due_retries([*states.values(), never], now=T0 + timedelta(minutes=25), limit=10)
    assert [f.key for f in found] == ["c", "a", "b"]
    assert [f.key for f in due_retries(states.values(), now=T0 + timedelta(days=1), limit=2)] == ["c", "a"]


def test_warnings_count_problems_of_a_kind_and_tell_a_single_one_whole() -> None:
    wall = ArticleProblem.from_error(
        FetchError(URL, "blocked", "refused automated access …", status=403, protection="Cloudflare")
    )
    timeout = problem("timeout")
    assert article_warnings(1, [wall], keeps="the feed text") == [
        "article pages refused automated access (HTTP 403 from Cloudflare); items carry the feed text only"
    ]
    assert article_warnings(5, [wall, wall], keeps="the feed text") == [
        f"2 of 5 article pages refused automated access (HTTP 403 from Cloudflare), e.g. {URL}; "
        "items carry the feed text only"
    ]
    assert article_warnings(3, [timeout], keeps="the feed text") == [f"article {URL}: {timeout.message}"]
    assert article_warnings(2, [timeout, timeout], keeps="x") == [
        "article pages did not answer in time; asked again later"
    ]
    assert article_warnings(4, [], keeps="x") == []
