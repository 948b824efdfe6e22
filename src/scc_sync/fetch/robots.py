"""robots.txt, fetched once per host and run, read with urllib.robotparser.

As RFC 9309 says and well-behaved crawlers do: a robots.txt that is missing (4xx other than 429) or
redirects too often allows everything. One that cannot be read (a timeout, a refused connection, 5xx,
429, a bot wall) means "assume nothing is allowed for now": this run leaves the site's articles alone,
and the error says what happened (not that robots.txt disallows them), so that they are asked for again
later like any article whose server had trouble.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from scc_sync.fetch.addresses import AddressRefused
from scc_sync.fetch.encoding import decode_text
from scc_sync.fetch.http import FetchError, HttpClient, private_address_error


@dataclass(frozen=True)
class _Rules:
    parser: RobotFileParser | None  # None: nothing is allowed for now, because of `problem`
    problem: FetchError | None = None  # why robots.txt could not be read


class RobotsCache:
    """Answers "may we fetch this URL?" for the client's user agent; thread-safe."""

    def __init__(self, client: HttpClient) -> None:
        self._client = client
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def allowed(self, url: str) -> bool:
        """Raises FetchError(kind="private_address") if the site is on an address the fetch may not reach."""
        rules = self._rules_for(url)
        return rules.parser is not None and rules.parser.can_fetch(self._client.user_agent, url)

    def check(self, url: str) -> None:
        """Raise FetchError if `url` may not be fetched: kind "robots" if robots.txt disallows it, else the
        kind (and status, Retry-After) of the failure that kept robots.txt from being read."""
        try:
            if self.allowed(url):
                return
        except FetchError as exc:
            if isinstance(exc.__cause__, AddressRefused):  # so is the page, next to its robots.txt
                raise private_address_error(url, exc.__cause__) from exc.__cause__
            raise
        problem = self._rules_for(url).problem
        if problem is not None:
            raise FetchError(
                url,
                problem.kind,
                f"not fetching {url} for now: the site's robots.txt could not be read, and until it can "
                f"the site counts as closed (RFC 9309). {problem}",
                status=problem.status,
                retry_after=problem.retry_after,
                protection=problem.protection,
            )
        raise FetchError(
            url,
            "robots",
            f"not fetching {url}: its robots.txt disallows this path for {self._client.user_agent!r}. "
            "Ask the site owner to allow it, or remove the source from the config.",
        )

    def crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay the site asks of our user agent, in seconds, if any."""
        parser = self._rules_for(url).parser
        delay = parser.crawl_delay(self._client.user_agent) if parser else None
        return float(delay) if delay is not None else None

    def _rules_for(self, url: str) -> _Rules:
        origin = _origin(url)
        with self._lock:
            host_lock = self._locks.setdefault(origin, threading.Lock())
        with host_lock:  # one fetch per host even when many workers ask at once
            if origin not in self._rules:
                self._rules[origin] = self._load(origin)
            return self._rules[origin]

    def _load(self, origin: str) -> _Rules:
        robots_url = origin + "/robots.txt"
        parser = RobotFileParser(robots_url)
        try:
            result = self._client.fetch(robots_url, accept="text/plain")
        except FetchError as exc:
            if exc.kind == "private_address":  # says nothing about the site: not kept for other sources
                raise
            if _missing(exc):
                parser.allow_all = True
                return _Rules(parser)
            return _Rules(None, exc)  # a bot wall in front of robots.txt stands in front of the rest too
        parser.parse(decode_text(result.content, result.headers).splitlines())
        return _Rules(parser)


def _missing(error: FetchError) -> bool:
    """No robots.txt to obey: a 4xx (but 429, which asks to wait), or redirects that lead nowhere."""
    if error.kind in ("redirect_loop", "too_many_redirects"):
        return True
    status = error.status or 0
    return 400 <= status < 500 and error.kind not in ("rate_limited", "blocked")


MAX_CRAWL_DELAY = 10.0  # seconds; a site asking for more still gets its articles, only slower than asked


class HostPacer:
    """Spaces requests to one host at least its robots.txt Crawl-delay apart (capped), across all workers.

    Each caller reserves the next free slot for its host under a lock and sleeps outside it, so
    workers for other hosts never wait. `clock` and `sleep` are test hooks.
    """

    def __init__(
        self,
        robots: RobotsCache,
        *,
        max_delay: float = MAX_CRAWL_DELAY,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._robots = robots
        self._max_delay = max_delay
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> float:
        """Block until `url`'s host may be asked again; return the seconds waited."""
        delay = min(self._robots.crawl_delay(url) or 0.0, self._max_delay)
        if delay <= 0:
            return 0.0
        origin = _origin(url)
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(origin, now))
            self._next[origin] = slot + delay
        pause = slot - now
        if pause > 0:
            self._sleep(pause)
        return pause


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
