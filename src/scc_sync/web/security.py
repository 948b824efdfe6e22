"""Protections of the subscriber pages: response headers, CSRF tokens, rate limits."""

from __future__ import annotations

import math
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from werkzeug import Request, Response

from scc_sync.newsletter.tokens import InvalidToken, TokenSigner

SECURITY_HEADERS = {
    # No script at all, styles only from our own stylesheet, forms only to ourselves, never framed.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # page URLs carry tokens: never leak them to another site
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # Pages with tokens in their URL and answers to forms must not sit in shared or browser caches.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# -- CSRF: a signed double submit ---------------------------------------------------------------------

CSRF_COOKIE = "scc_csrf"
CSRF_FIELD = "csrf"
CSRF_TTL = timedelta(hours=12)
_NONCE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


class Csrf:
    """A random nonce lives in a cookie; each form carries an HMAC-signed copy bound to its own path.

    A cross-site page can neither read our cookie nor sign a field for it, so it cannot forge a form
    post; a field copied from one form does not work for another (the path is signed), and it expires.
    """

    def __init__(self, signer: TokenSigner, now: Callable[[], datetime]) -> None:
        self._signer = signer
        self._now = now

    def nonce(self, request: Request) -> tuple[str, bool]:
        """The browser's nonce, or a new one (True: the response must set the cookie)."""
        current = request.cookies.get(CSRF_COOKIE, "")
        if _NONCE.match(current):
            return current, False
        return secrets.token_urlsafe(24), True

    def field(self, nonce: str, path: str) -> str:
        return self._signer.sign("csrf", f"{nonce} {path}", expires=self._now() + CSRF_TTL)

    def valid(self, request: Request) -> bool:
        nonce = request.cookies.get(CSRF_COOKIE, "")
        token = request.form.get(CSRF_FIELD, "")
        if not _NONCE.match(nonce) or not token:
            return False
        try:
            subject = self._signer.verify(token, "csrf", now=self._now())
        except InvalidToken:
            return False
        return secrets.compare_digest(subject, f"{nonce} {request.path}")


def set_csrf_cookie(response: Response, request: Request, nonce: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        httponly=True,
        secure=request.is_secure,
        samesite="Lax",
        path=request.script_root or "/",
    )


# -- rate limits ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    burst: int  # how many at once
    per_seconds: float  # one more allowed after this many seconds


class TokenBuckets:
    """One token bucket per key (a client IP, an address), in memory, thread-safe.

    `clock` returns seconds; tests pass their own. Full buckets are forgotten when the table grows, so
    memory stays bounded by the keys active within one refill period.
    """

    MAX_KEYS = 50_000

    def __init__(self, limit: RateLimit, clock: Callable[[], float]) -> None:
        if limit.burst < 1 or limit.per_seconds <= 0:
            raise ValueError(f"rate limit needs burst >= 1 and per_seconds > 0, got {limit}")
        self.limit = limit
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token: 0.0 when allowed, else the seconds until one is available again."""
        with self._lock:
            now = self._clock()
            tokens = self._tokens(key, now)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) * self.limit.per_seconds

    def _tokens(self, key: str, now: float) -> float:
        if key not in self._buckets and len(self._buckets) >= self.MAX_KEYS:
            self._forget_full(now)
        tokens, at = self._buckets.get(key, (float(self.limit.burst), now))
        return min(float(self.limit.burst), tokens + max(0.0, now - at) / self.limit.per_seconds)

    def _forget_full(self, now: float) -> None:
        rate, burst = self.limit.per_seconds, self.limit.burst
        full = [k for k, (tokens, at) in self._buckets.items() if tokens + (now - at) / rate >= burst]
        for key in full:
            del self._buckets[key]
        # Still full (a flood of distinct keys): forget the oldest half rather than grow without bound.
        for key in list(self._buckets)[: len(self._buckets) // 2 if not full else 0]:
            del self._buckets[key]


def retry_minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))
