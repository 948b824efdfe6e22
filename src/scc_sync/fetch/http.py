"""One polite HTTP client for every fetch: limits, conditional GET, manual redirects, clear errors.

Redirects are followed by hand so the result can tell a permanent move (301/308, which the config
should learn) from a temporary one (302/303/307, which it must not), and so loops are caught by URL
rather than by a bare counter; an HTML page that only forwards (<meta http-equiv="refresh">) counts as
a temporary redirect. Bodies are streamed with a size cap, and every request has a total deadline
(connecting, status line, headers and body; see watchdog.py): the read timeout alone would let a
server that drips one byte every few seconds hold a worker forever. A fetch reaches private network
addresses only on the origin it acts for (see addresses.py and `HttpClient.trusting`).
"""

from __future__ import annotations

import contextlib
import contextvars
import http.client
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3.exceptions

from scc_sync.fetch.addresses import (
    AddressPolicy,
    AddressRefused,
    Origin,
    PrivateAllowList,
    current_policy,
    describe,
    enforcing,
    origin_of,
    shown,
)
from scc_sync.fetch.connections import ClientAdapter
from scc_sync.fetch.encoding import decode_html
from scc_sync.fetch.sniff import bot_protection, meta_refresh
from scc_sync.fetch.text import page_title
from scc_sync.fetch.watchdog import Watchdog
from scc_sync.models import FetchResult

if TYPE_CHECKING:
    from scc_sync.config import HttpConfig

FetchErrorKind = Literal[
    "timeout",
    "connection",
    "too_large",
    "redirect_loop",
    "too_many_redirects",
    "http_status",
    "gone",
    "rate_limited",
    "robots",
    "content_type",
    "bad_answer",
    "blocked",
    "private_address",
]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")

_CHUNK = 64 * 1024
_DRAIN_LIMIT = 64 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}

# The origin whose fetches may reach private addresses, while a `with client.trusting(url)` block runs.
_trusted: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("trusted_origin", default=None)


class FetchError(Exception):
    """A fetch that did not produce a usable answer; `kind` says why, the message says what to do."""

    def __init__(
        self,
        url: str,
        kind: FetchErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        protection: str | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.protection = protection  # for kind "blocked": who put up the wall ("Cloudflare", ...)


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    headers: dict[str, str]  # names lowercased
    content: bytes = b""
    location: str | None = None  # where a redirect points, decoded


@dataclass(frozen=True)
class _Environment:
    proxies: dict[str, str]  # scheme -> proxy URL; empty when no proxy applies (no_proxy)
    auth: tuple[str, str] | None  # login and password from ~/.netrc for the host
    proxied: bool  # the request goes through a proxy


class _Session(requests.Session):
    """A Session that leaves redirects to HttpClient.

    Even with allow_redirects=False, requests prepares the next request of a redirect in advance,
    and to do so reads the redirect's whole body first: with no size limit and no deadline, and
    crashing on a Location that is not UTF-8. HttpClient never uses that prepared request.
    """

    def resolve_redirects(self, *args: object, **kwargs: object) -> Iterator[requests.Response]:
        return iter(())


class HttpClient:
    """A `requests.Session` with limits; safe to share between the threads of a pool.

    `timeout` bounds connecting and each read; `deadline` (default 3 × timeout) bounds one whole
    request, from connecting to the last byte of the body. At most `per_host` requests run against
    one host at a time. `allow_private` (see `PrivateAllowList`) lists the hosts and networks that
    redirects and links may reach although they are not public.
    """

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        user_agent: str,
        max_bytes: int = 10_000_000,
        max_redirects: int = 5,
        per_host: int = 2,
        deadline: float | None = None,
        allow_private: Sequence[str] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if timeout <= 0 or max_bytes <= 0 or max_redirects < 0 or per_host < 1:
            raise ValueError(
                "HttpClient needs timeout > 0, max_bytes > 0, max_redirects >= 0 and per_host >= 1; got "
                f"timeout={timeout}, max_bytes={max_bytes}, "
                f"max_redirects={max_redirects}, per_host={per_host}"
            )
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else 3 * timeout
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.per_host = per_host
        self._allow_private = PrivateAllowList.parse(allow_private)
        self._clock = clock
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._hosts_lock = threading.Lock()
        self._session = _Session()
        self._session.headers["User-Agent"] = user_agent
        # requests would read the environment (proxies, no_proxy, ~/.netrc, a CA bundle) on every request,
        # a good part of a small request's CPU: it is read here once, and per origin in `_environment`.
        self._session.trust_env = False
        ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        self._session.verify = ca_bundle or True
        self._environments: dict[str, _Environment] = {}
        # Pools are per host and never need more connections than the per-host limit allows.
        adapter = ClientAdapter(pool_connections=64, pool_maxsize=per_host)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @contextlib.contextmanager
    def trusting(self, url: str) -> Iterator[None]:
        """Fetches in this block (in this thread) act for the configured source at `url`.

        Only its origin may be on a private address; where it leads (article links, their robots.txt,
        redirects, refreshes) must be public, or allowed by `allow_private`. Outside such a block a
        fetch trusts the origin of the URL it was asked for (a URL someone typed).
        """
        token = _trusted.set(origin_of(url))
        try:
            yield
        finally:
            _trusted.reset(token)

    def fetch_source(
        self, url: str, kind: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """A configured source's URL as sync reads it: a feed (any type: the parser decides), or HTML."""
        is_feed = kind == "feed"
        return self.fetch(
            url,
            etag=etag,
            last_modified=last_modified,
            accept=FEED_ACCEPT if is_feed else HTML_ACCEPT,
            content_types=() if is_feed else HTML_TYPES,
        )

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        content_types: Sequence[str] = (),
    ) -> FetchResult:
        """GET `url`, following up to `max_redirects` redirects; raise FetchError for anything unusable.

        `etag`/`last_modified` make the request conditional: an unchanged resource comes back with
        status 304, empty content and the validators to keep. `content_types` (e.g. HTML_TYPES), when
        given, rejects other media types before their body is downloaded.
        """
        headers = _request_headers(etag, last_modified, accept)
        with enforcing(AddressPolicy(_trusted.get() or origin_of(url), self._allow_private)):
            current, answer, permanent = self._follow(url, headers, content_types)
        self._raise_for_status(url, current, answer)
        return FetchResult(
            url=url,
            final_url=current,
            status=answer.status,
            headers=answer.headers,
            content=answer.content,
            etag=answer.headers.get("etag", etag if answer.status == 304 else None),
            last_modified=answer.headers.get(
                "last-modified", last_modified if answer.status == 304 else None
            ),
            permanent_redirect=permanent,
        )

    def _follow(
        self, url: str, headers: dict[str, str], content_types: Sequence[str]
    ) -> tuple[str, _Answer, str | None]:
        """Ask for `url` and follow its redirects: the final URL, its answer, and where `url` moved for
        good (if an unbroken run of permanent redirects from the start says so)."""
        chain = [url]
        permanent: str | None = None
        moved_for_good = True  # still on an unbroken run of permanent redirects from the start
        current = url
        while True:
            answer = self._exchange_for(url, current, headers, content_types)
            if answer.status in _REDIRECTS:
                target = self._redirect_target(url, current, answer, chain)
                moved_for_good = moved_for_good and answer.status in _PERMANENT
            elif refresh := _refresh_location(current, answer):
                # A page that only forwards with <meta http-equiv="refresh"> is a temporary redirect.
                target = self._redirect_target(url, current, replace(answer, location=refresh), chain)
                moved_for_good = False
            else:
                return current, answer, permanent
            if moved_for_good:
                permanent = target
            chain.append(target)
            current = target

    # -- one request/response -------------------------------------------------------------------

    def _exchange_for(
        self, url: str, current: str, headers: dict[str, str], content_types: Sequence[str]
    ) -> _Answer:
        """One hop; a failure after redirects is reported for the URL asked for, naming the hop."""
        try:
            return self._exchange(current, headers, content_types)
        except FetchError as exc:
            if current == url:
                raise
            raise FetchError(
                url,
                exc.kind,
                f"{url} redirected to {current}; there: {exc}",
                status=exc.status,
                retry_after=exc.retry_after,
                protection=exc.protection,
            ) from exc

    def _exchange(self, url: str, headers: dict[str, str], content_types: Sequence[str]) -> _Answer:
        with self._host_slot(url), Watchdog(self.deadline) as watchdog:
            started = time.monotonic()
            response = self._request(url, headers, watchdog)
            with response:
                try:
                    return self._answer(url, response, content_types, started, watchdog)
                finally:
                    watchdog.disarm()  # before `with response` hands the connection back to the pool

    def _request(self, url: str, headers: dict[str, str], watchdog: Watchdog) -> requests.Response:
        """Send the request and read the status line and headers, all before the deadline."""
        environment = self._environment(url)
        try:
            if environment.proxied and (policy := current_policy()) is not None:
                policy.check_written_address(url)  # the proxy resolves names: only an address can be checked
            response = self._session.get(
                url,
                headers=headers,
                stream=True,
                allow_redirects=False,
                timeout=self.timeout,
                proxies=environment.proxies,
                auth=environment.auth,
            )
        except AddressRefused as exc:
            raise private_address_error(url, exc) from exc
        except requests.RequestException as exc:
            if watchdog.expired:
                raise self._headers_too_slow(url) from exc
            raise self._transport_error(url, exc) from exc
        if watchdog.expired:  # a cut-off header block can parse as a complete one: do not trust it
            response.close()
            raise self._headers_too_slow(url)
        return response

    def _answer(
        self,
        url: str,
        response: requests.Response,
        content_types: Sequence[str],
        started: float,
        watchdog: Watchdog,
    ) -> _Answer:
        answer_headers = {name.lower(): value for name, value in response.headers.items()}
        if response.status_code != 200:
            peek = self._drain(url, response, started, watchdog)
            location = _location(answer_headers.get("location"))
            # An error page is kept (up to _DRAIN_LIMIT) to tell a bot wall from a plain refusal.
            content = peek if response.status_code >= 400 else b""
            return _Answer(response.status_code, response.reason or "", answer_headers, content, location)
        _check_content_type(url, answer_headers, content_types)
        _check_content_encoding(url, answer_headers)
        content = self._read_body(url, response, started, watchdog)
        return _Answer(200, response.reason or "", answer_headers, content)

    def _environment(self, url: str) -> _Environment:
        """The proxies and netrc login for `url`, read from the environment as requests reads it, once per
        origin (no_proxy and netrc depend on the host)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        found = self._environments.get(origin)
        if found is None:
            proxies = requests.utils.get_environ_proxies(url)
            proxied = requests.utils.select_proxy(url, proxies) is not None
            found = _Environment(proxies, requests.utils.get_netrc_auth(url), proxied)
            self._environments[origin] = found
        return found

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._hosts_lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = threading.BoundedSemaphore(self.per_host)
            return slot

    def _drain(self, url: str, response: requests.Response, started: float, watchdog: Watchdog) -> bytes:
        """Read what little body a 304, redirect or error has, so its connection is kept alive.

        Unread bytes would make the pool close the connection, and every conditional GET
        would pay a new TCP (and TLS) handshake. Large or unannounced bodies are not worth it,
        except the start of an error page, which may say why the server refused.
        """
        length = response.headers.get("content-length", "")
        small = length.isdigit() and int(length) <= _DRAIN_LIMIT
        if response.status_code in (204, 304) or small or response.status_code >= 400:
            with contextlib.suppress(FetchError):
                return self._read_body(url, response, started, watchdog, cap=_DRAIN_LIMIT)
        return b""

    def _read_body(
        self,
        url: str,
        response: requests.Response,
        started: float,
        watchdog: Watchdog,
        *,
        cap: int | None = None,
    ) -> bytes:
        """The decoded body, within the size limit and the deadline; with `cap`, just its first bytes.

        A body cut off by the watchdog may end like a complete one (no Content-Length: the end of the
        connection is its end), so `watchdog.expired` is checked however the reading stops.
        """
        declared = response.headers.get("content-length", "")
        if cap is None and declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(url, f"announces {int(declared):,} bytes")
        chunks: list[bytes] = []
        size = 0
        try:
            while chunk := response.raw.read1(_CHUNK, decode_content=True):
                size += len(chunk)
                if cap is not None and size >= cap:
                    chunks.append(chunk[: len(chunk) - (size - cap)])
                    break
                if cap is None and size > self.max_bytes:
                    raise self._too_large(url, "sent more than that")
                if time.monotonic() - started > self.deadline:
                    raise self._body_too_slow(url, size)
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError as exc:
            if watchdog.expired:
                raise self._body_too_slow(url, size) from exc
            raise self._timeout(url, received=size) from exc
        except urllib3.exceptions.DecodeError as exc:
            if watchdog.expired:
                raise self._body_too_slow(url, size) from exc
            coding = response.headers.get("content-encoding", "")
            raise FetchError(
                url,
                "bad_answer",
                f"{url} sent its answer as {coding!r}-compressed, but it cannot be unpacked "
                f"({_root_cause(exc)}): the server is misconfigured or the answer was damaged on the "
                "way. It will be tried again on the next run.",
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if watchdog.expired:
                raise self._body_too_slow(url, size) from exc
            raise self._broken_off(url, response, size, exc) from exc
        if watchdog.expired:
            raise self._body_too_slow(url, size)
        return b"".join(chunks)

    def _broken_off(self, url: str, response: requests.Response, size: int, exc: Exception) -> FetchError:
        declared = response.headers.get("content-length", "")
        if declared.isdigit():
            what = f"after {size:,} of the {int(declared):,} bytes it announced"
        elif "chunked" in response.headers.get("transfer-encoding", "").lower():
            what = f"after {size:,} bytes: the connection closed early or the chunked body was malformed"
        else:
            what = f"after {size:,} bytes"
        return FetchError(
            url,
            "connection",
            f"{url} broke off its answer {what} ({_root_cause(exc)}). Nothing of it was used; "
            "it will be tried again on the next run.",
        )

    # -- redirects and status codes ---------------------------------------------------------------

    def _redirect_target(self, url: str, current: str, answer: _Answer, chain: list[str]) -> str:
        location = answer.location
        if not location:
            raise FetchError(
                url,
                "http_status",
                f"{current} answered {answer.status} (redirect) without a Location header, so there is "
                "nowhere to go: check the source URL in a browser and point the config at the real page.",
                status=answer.status,
            )
        target = urlunsplit(urlsplit(urljoin(current, location))._replace(fragment=""))
        route = " -> ".join([*chain, target])
        # A redirect back to a URL already visited is a loop, unless it sets a cookie: some sites
        # send the first visit back to the same page with a session or consent cookie. Once, though.
        sets_cookie = "set-cookie" in answer.headers
        if target in chain and (not sets_cookie or chain.count(target) > 1):
            raise FetchError(
                url,
                "redirect_loop",
                f"{url} redirects in a loop ({route}). The site is misconfigured; "
                "tell its owner, or point the source at a URL that does not loop.",
                status=answer.status,
            )
        if len(chain) > self.max_redirects:
            raise FetchError(
                url,
                "too_many_redirects",
                f"{url} redirected more than {self.max_redirects} times ({route}). "
                "Point the source directly at the final URL.",
                status=answer.status,
            )
        if urlsplit(target).scheme not in ("http", "https"):
            raise FetchError(
                url,
                "http_status",
                f"{current} redirects to {target}, which is not an http(s) URL; "
                "point the source at a web address that serves the content.",
                status=answer.status,
            )
        return target

    def _raise_for_status(self, url: str, final_url: str, answer: _Answer) -> None:
        status = answer.status
        if status in (200, 304):
            return
        where = url if final_url == url else f"{url} (redirected to {final_url})"
        if status == 410:
            raise FetchError(
                url,
                "gone",
                f"{where} answered 410 Gone: the resource was removed for good. "
                "Remove this source from the config or replace its URL.",
                status=status,
            )
        if protection := bot_protection(status, answer.headers, answer.content):
            raise FetchError(
                url,
                "blocked",
                f"{where} refused automated access: HTTP {status} from {protection}"
                f"{_titled(answer)}, a check (captcha or JavaScript challenge) that scc-sync cannot pass. "
                f"Retrying will not help: ask the site owner to let the user agent {self.user_agent!r} "
                "through, or use another address of the site (its RSS feed is often not blocked).",
                status=status,
                protection=protection,
            )
        if status in (429, 503):
            retry_after = parse_retry_after(answer.headers.get("retry-after"), self._clock())
            wait = f"it asks to wait {retry_after:g} s" if retry_after is not None else "it gave no time"
            raise FetchError(
                url,
                "rate_limited",
                f"{where} answered {status} {answer.reason}: the server is busy or rate-limiting us; "
                f"{wait}. The source will be tried again after that.",
                status=status,
                retry_after=retry_after,
            )
        raise FetchError(
            url,
            "http_status",
            f"{where} answered HTTP {status} {answer.reason}{_titled(answer)}: {self._advice(status)}.",
            status=status,
        )

    def _advice(self, status: int) -> str:
        if status >= 500:
            return "the server has a problem; it will be tried again on the next run"
        if status == 401:
            return "it needs a login, which scc-sync does not do; use a public address of the site"
        if status == 403:
            return (
                "the server refuses this request. If the URL works in a browser, the site blocks "
                f"automated clients: ask its owner to let the user agent {self.user_agent!r} through"
            )
        return "check the source URL in the config (does it still exist, does it need a login?)"

    # -- error construction ---------------------------------------------------------------------

    def _transport_error(self, url: str, exc: requests.RequestException) -> FetchError:
        if isinstance(exc, requests.Timeout):
            return self._timeout(url)
        cause = _innermost(exc)
        if isinstance(cause, http.client.RemoteDisconnected):
            return FetchError(
                url,
                "connection",
                f"{url} closed the connection without answering. It will be tried again on the next run; "
                "if this keeps happening, the server is overloaded or refuses clients like this one.",
            )
        if isinstance(exc, requests.exceptions.InvalidHeader) or isinstance(cause, http.client.HTTPException):
            return FetchError(
                url,
                "bad_answer",
                f"{url} sent an answer that is not valid HTTP ({_shortened(cause)}): the server is broken, "
                "or this address is not a web server. It will be tried again on the next run; if it "
                "stays like this, tell the site owner.",
            )
        if isinstance(
            exc,
            requests.exceptions.InvalidURL
            | requests.exceptions.MissingSchema
            | requests.exceptions.InvalidSchema,
        ):
            return FetchError(
                url, "connection", f"{url!r} is not a valid http(s) URL ({exc}): fix it in the config."
            )
        return FetchError(
            url,
            "connection",
            f"could not connect to {url} ({_root_cause(exc)}). Check the host name; if it is right, "
            "the site is down and will be tried again on the next run.",
        )

    def _timeout(self, url: str, *, received: int = 0) -> FetchError:
        stopped = f" (it stopped sending after {received:,} bytes of the answer)" if received else ""
        return FetchError(
            url,
            "timeout",
            f"{url} did not answer within {self.timeout:g} s{stopped}. It will be tried again on the next "
            "run; if it always times out, the server is down or far too slow.",
        )

    def _headers_too_slow(self, url: str) -> FetchError:
        return FetchError(
            url,
            "timeout",
            f"{url} sent its headers too slowly: no complete answer after {self.deadline:g} s. It will be "
            "tried again on the next run; if this keeps happening the server is overloaded or stalling "
            "on purpose.",
        )

    def _body_too_slow(self, url: str, size: int) -> FetchError:
        return FetchError(
            url,
            "timeout",
            f"{url} sent its answer too slowly: not complete after {self.deadline:g} s "
            f"({size:,} bytes so far). It will be tried again on the next run; "
            "if this keeps happening the server is overloaded or stalling on purpose.",
        )

    def _too_large(self, url: str, what: str) -> FetchError:
        return FetchError(
            url,
            "too_large",
            f"{url} is too large: the limit is {self.max_bytes:,} bytes and the server {what}. "
            "Nothing of it was used. If the source really is that big, raise the size limit in the config.",
        )


def private_address_error(url: str, refused: AddressRefused) -> FetchError:
    """The error for a fetch of `url` that `refused` kept from a private address: what, why, what to do."""
    host, address = refused.host, str(refused.address)
    where = f"{host} is {describe(refused.address)}"
    if host != address:
        where = f"{host} is at {address}, {describe(refused.address)}"
    entries = repr(host) if host == address else f"{host!r} or '{address}'"
    return FetchError(
        url,
        "private_address",
        f"not fetching {url}: {where}. Only the trusted origin {shown(refused.trusted)} (a configured "
        "source's, or a URL given on the command line) may be on such an address, not the links, "
        f"redirects and refreshes it leads to. If {host} is yours and meant to be read, add {entries} "
        "to [http] allow_private in the config.",
    )


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _location(value: str | None) -> str | None:
    """A Location header as the server meant it.

    http.client reads header bytes as latin-1, but servers that put non-ASCII into a Location
    (a TYPO3 page called /straße) nearly always send UTF-8, as browsers assume; bytes that are not
    UTF-8 were meant as latin-1 after all. (requests does the same but fails on the latin-1 case.)
    """
    if not value:
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _request_headers(etag: str | None, last_modified: str | None, accept: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    if accept:
        headers["Accept"] = accept
    return headers


def _media_types(headers: dict[str, str]) -> list[str]:
    # A server that sends Content-Type twice reaches us as "text/html, text/html; charset=utf-8".
    values = headers.get("content-type", "").split(",")
    return [media_type for v in values if (media_type := v.split(";", 1)[0].strip().lower())]


def _refresh_location(current: str, answer: _Answer) -> str | None:
    """Where an HTML page forwards with a quick <meta http-equiv="refresh">, if to another web page."""
    if answer.status != 200 or not set(_media_types(answer.headers)) & set(HTML_TYPES):
        return None
    location = meta_refresh(answer.content)
    target = urlsplit(urljoin(current, location or ""))._replace(fragment="")
    if not location or target.scheme not in ("http", "https") or urlunsplit(target) == current.split("#")[0]:
        return None
    return location


def _titled(answer: _Answer) -> str:
    """' (page title: "…")' for an error page that has a title, else ''."""
    if not answer.content:
        return ""
    title = page_title(decode_html(answer.content, answer.headers))
    return f" (page title: {title!r})" if title else ""


def _check_content_type(url: str, headers: dict[str, str], allowed: Sequence[str]) -> None:
    media_types = _media_types(headers)
    if not allowed or not media_types:
        return
    for media_type in media_types:
        if any(media_type == a or (a.endswith("/*") and media_type.startswith(a[:-1])) for a in allowed):
            return
    raise FetchError(
        url,
        "content_type",
        f"{url} sent {', '.join(media_types)}, not {' or '.join(allowed)}; "
        "check that the source URL points to the right kind of document.",
    )


def _check_content_encoding(url: str, headers: dict[str, str]) -> None:
    """Refuse a compression urllib3 cannot unpack (we never ask for one): its bytes would pass as content."""
    codings = [c.strip() for c in headers.get("content-encoding", "").lower().split(",") if c.strip()]
    unknown = [c for c in codings if c != "identity" and c not in urllib3.HTTPResponse.CONTENT_DECODERS]
    if unknown:
        raise FetchError(
            url,
            "bad_answer",
            f"{url} sent its answer compressed as {', '.join(unknown)!r}, which cannot be unpacked here "
            f"(only {', '.join(urllib3.HTTPResponse.CONTENT_DECODERS)} can): the server ignores what "
            "the request asked for. Tell the site owner.",
        )


def _innermost(exc: BaseException) -> BaseException:
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    return exc


def _shortened(exc: BaseException, limit: int = 100) -> str:
    """An exception's message on one short line (a bad status line may be a whole page)."""
    text = " ".join(str(exc).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _root_cause(exc: BaseException) -> str:
    """The innermost reason (e.g. 'Name or service not known'), not requests' nested repr chain."""
    exc = _innermost(exc)
    reason = getattr(exc, "reason", None) or exc
    return str(reason).split(": ", 1)[-1] if ">: " in str(reason) else str(reason)


def client_for(http: HttpConfig) -> HttpClient:
    """The client `[http]` describes: one per run, shared by every fetch."""
    return HttpClient(
        timeout=http.timeout,
        user_agent=http.user_agent,
        max_bytes=http.max_bytes,
        per_host=http.per_host,
        allow_private=http.allow_private,
    )
