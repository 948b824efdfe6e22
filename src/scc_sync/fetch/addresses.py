"""Which addresses a fetch may reach: the guard against server-side request forgery (SSRF).

A source URL in the config, or a URL typed for `scc-sync parse`, is trusted: the operator chose it.
What it leads to is not: a feed's author chooses its item links, any server its redirects and meta
refreshes. Such a fetch must not reach loopback, private, link-local, unspecified or other non-public
addresses (where databases, admin pages and cloud metadata services listen), except on the trusted
URL's own origin (scheme, host and port) or where `[http] allow_private` allows it.

The check is made on the address a connection has actually reached, after name resolution and before
anything is sent: a host name that resolves to a public address once and to a private one the next time
(DNS rebinding) gains nothing, and numeric forms (2130706433, 0177.0.0.1, [::ffff:127.0.0.1]) count as
what they resolve to. It is made again before every request on a kept-alive connection, which may have
been opened for a trusted fetch. Through a proxy, which resolves names itself, only an address written
in the URL can be checked.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Origin = tuple[str, str, int]  # scheme, host (as urllib3 connects to it), port

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?")


def origin_of(url: str) -> Origin:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # not a port: the request fails with a clear error of its own
        port = None
    return scheme, _normal_host(parts.hostname or ""), port or _DEFAULT_PORTS.get(scheme, 0)


def shown(origin: Origin) -> str:
    scheme, host, port = origin
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" if _DEFAULT_PORTS.get(scheme) == port else f"{scheme}://{host}:{port}"


def is_public(address: Address) -> bool:
    address = _unmapped(address)
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return False  # fec0::/10: deprecated, but still routed inside some networks
    return address.is_global


def describe(address: Address) -> str:
    """'a loopback address', 'a private address', …"""
    address = _unmapped(address)
    for kind in ("loopback", "link_local", "unspecified", "private"):
        if getattr(address, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    return "not a public address"


def allow_private_entry(entry: str) -> str | Network:
    """One `[http] allow_private` entry: a host name (that host only, any port), or an address or network
    in CIDR notation. Raises ValueError saying what is wrong."""
    text = entry.strip().lower().removeprefix("[").removesuffix("]")
    with contextlib.suppress(ValueError):
        return ipaddress.ip_network(text, strict=False)
    if re.fullmatch(r"[0-9.]+", text):
        raise ValueError(f"{entry!r} is not an address: write four numbers with dots (10.0.0.5)")
    host = _normal_host(text)
    if not _HOST_NAME.fullmatch(host):
        raise ValueError(
            f"{entry!r} is not a host name, an address or a network: write just the host "
            "(intranet.example.org, without scheme, port or path), an address (10.0.0.5, fd00::5) "
            "or a network (10.0.0.0/8, fd00::/8)"
        )
    return host


@dataclass(frozen=True)
class PrivateAllowList:
    """`[http] allow_private`: hosts and networks that links, redirects and refreshes may reach although
    they are not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> PrivateAllowList:
        parsed = [allow_private_entry(entry) for entry in entries]
        hosts = frozenset(entry for entry in parsed if isinstance(entry, str))
        return cls(hosts, tuple(entry for entry in parsed if not isinstance(entry, str)))

    def allows(self, host: str, address: Address) -> bool:
        address = _unmapped(address)
        return host in self.hosts or any(address in network for network in self.networks)


class AddressRefused(Exception):
    """A connection reached an address its fetch may not use.

    Deliberately not an OSError: urllib3 and requests would retry it or wrap it as a connection
    failure; this way it reaches HttpClient as it is.
    """

    def __init__(self, origin: Origin, address: Address, trusted: Origin) -> None:
        super().__init__(f"{origin[1]} is at {address}, {describe(address)}")
        self.host = origin[1]
        self.address = address
        self.trusted = trusted


@dataclass(frozen=True)
class AddressPolicy:
    """What one fetch may reach: anything public; more only on `trusted` or as `allow` says."""

    trusted: Origin  # the configured source's origin, or that of a URL the user typed
    allow: PrivateAllowList = PrivateAllowList()

    def check(self, origin: Origin, address: Address) -> None:
        """Raise AddressRefused if a connection for `origin` may not use `address`."""
        if origin == self.trusted or is_public(address) or self.allow.allows(origin[1], address):
            return
        raise AddressRefused(origin, address, self.trusted)

    def check_written_address(self, url: str) -> None:
        """For a request through a proxy: the address in the URL, if it is one (127.1, 2130706433 too)."""
        origin = origin_of(url)
        address = _literal_address(origin[1])
        if address is not None:
            self.check(origin, address)


_policy: contextvars.ContextVar[AddressPolicy | None] = contextvars.ContextVar("address_policy", default=None)


@contextlib.contextmanager
def enforcing(policy: AddressPolicy) -> Iterator[None]:
    """Connections used in this block (in this thread) are checked against `policy`."""
    token = _policy.set(policy)
    try:
        yield
    finally:
        _policy.reset(token)


def current_policy() -> AddressPolicy | None:
    return _policy.get()


class Guarded:
    """Mixin for urllib3 connections: check the address reached against the policy of the fetch."""

    scheme = "http"
    host: str
    port: int | None
    default_port: int
    proxy: Any
    sock: socket.socket | None
    _peer: Address | None = None  # where the socket is connected; None through a proxy

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        # Through a proxy the peer is the proxy, which the operator chose; HttpClient checks the URL.
        self._peer = None if self.proxy else ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
        try:
            self._check()
        except AddressRefused:
            sock.close()
            raise
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # kept alive: opened for an earlier request, maybe a trusted one
            self._check()
        super().request(*args, **kwargs)  # type: ignore[misc]

    def _check(self) -> None:
        policy = _policy.get()
        if policy is not None and self._peer is not None:
            policy.check((self.scheme, self.host, self.port or self.default_port), self._peer)


def _normal_host(host: str) -> str:
    """A host as urllib3 connects to it: lowercase, no brackets, no trailing dot, IDNA-encoded."""
    host = host.lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _literal_address(host: str) -> Address | None:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    try:  # the forms a resolver reads as IPv4 too: 127.1, 0177.0.0.1, 0x7f000001, 2130706433
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _unmapped(address: Address) -> Address:
    """::ffff:127.0.0.1 is 127.0.0.1."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
