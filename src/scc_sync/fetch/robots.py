"""robots.txt, fetched once per host and run, read with urllib.robotparser.

RFC 9309: a missing robots.txt (any 4xx) allows everything; a server error or an unreachable host
means "assume nothing is allowed" for now, so this run leaves the host alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from scc_sync.fetch.encoding import decode_text
from scc_sync.fetch.http import FetchError, HttpClient


@dataclass(frozen=True)
class _Rules:
    parser: RobotFileParser | None  # None: nothing is allowed (see `reason`)
    reason: str = ""


class RobotsCache:
    """Answers "may we fetch this URL?" for the client's user agent; thread-safe."""

    def __init__(self, client: HttpClient) -> None:
        self._client = client
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def allowed(self, url: str) -> bool:
        rules = self._rules_for(url)
        return rules.parser is not None and rules.parser.can_fetch(self._client.user_agent, url)

    def check(self, url: str) -> None:
        """Raise FetchError(kind="robots") with the reason if `url` may not be fetched."""
        if self.allowed(url):
            return
        rules = self._rules_for(url)
        why = rules.reason or f"its robots.txt disallows this path for {self._client.user_agent!r}"
        raise FetchError(
            url,
            "robots",
            f"not fetching {url}: {why}. "
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
            if exc.kind == "blocked":  # a bot wall in front of robots.txt stands in front of the rest too
                return _Rules(None, str(exc).rstrip("."))
            if exc.status is not None and 400 <= exc.status < 500 and exc.kind != "rate_limited":
                parser.allow_all = True  # no robots.txt: everything is allowed
                return _Rules(parser)
            return _Rules(
                None,
                f"{robots_url} could not be read ({exc.kind}), so the site counts as closed for this run",
            )
        parser.parse(decode_text(result.content, result.headers).splitlines())
        return _Rules(parser)


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
