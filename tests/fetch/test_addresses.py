"""The SSRF guard against real servers on 127.0.0.1: a fetch reaches private addresses only on the origin it
trusts, or where `allow_private` says; checked on the address connected to, kept-alive connections too."""

from __future__ import annotations

import ipaddress
import os

import pytest

from httpserver import LocalServer, Reply, redirect
from scc_sync.fetch.addresses import PrivateAllowList, allow_private_entry, is_public
from scc_sync.fetch.http import FetchError, HttpClient

UA = "scc-sync-test/1.0"


@pytest.fixture
def inside():
    """A second server on 127.0.0.1, another origin: what a hostile feed would point at."""
    with LocalServer() as server:
        server.route("/secret", Reply(body=b"internal"))
        yield server


@pytest.fixture
def client():
    with HttpClient(user_agent=UA, timeout=2) as c:
        yield c


def refused(client: HttpClient, url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        client.fetch(url)
    assert info.value.kind == "private_address"
    assert url in str(info.value) and "[http] allow_private" in str(info.value)
    return info.value


def test_a_redirect_to_another_local_port_is_refused_before_anything_is_sent(
    http_server: LocalServer, inside: LocalServer, client
) -> None:
    url = http_server.route("/feed", redirect(inside.url("/secret")))
    error = refused(client, url)
    assert f"redirected to {inside.url('/secret')}" in str(error)
    assert "127.0.0.1 is a loopback address" in str(error)
    assert f"trusted origin {http_server.base_url}" in str(error)
    assert inside.requests == []


def test_the_trusted_origin_itself_may_be_private(http_server: LocalServer, client) -> None:
    http_server.route("/new", Reply(body=b"here"))
    url = http_server.route("/old", redirect("/new"))
    assert client.fetch(url).content == b"here"


def test_a_meta_refresh_to_a_private_address_is_refused(http_server, inside, client) -> None:
    page = f'<html><head><meta http-equiv="refresh" content="0; url={inside.url("/secret")}"></head></html>'
    url = http_server.route("/page", Reply(body=page.encode(), content_type="text/html"))
    refused(client, url)
    assert inside.requests == []


def test_a_host_name_is_judged_by_the_address_it_resolves_to(http_server, inside, client) -> None:
    target = inside.url("/secret").replace("127.0.0.1", "localhost")
    error = refused(client, http_server.route("/feed", redirect(target)))
    assert "localhost is at 127.0.0.1, a loopback address" in str(error)
    assert "add 'localhost' or '127.0.0.1' to [http] allow_private" in str(error)


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "127.1", "0.0.0.0", "[::ffff:127.0.0.1]"])
def test_other_spellings_of_a_private_address_are_refused(http_server, inside, client, host) -> None:
    target = inside.url("/secret").replace("127.0.0.1", host)
    refused(client, http_server.route("/feed", redirect(target)))
    assert inside.requests == []


@pytest.mark.parametrize(
    ("allowed", "host"), [("127.0.0.1", "127.0.0.1"), ("127.0.0.0/8", "127.1"), ("localhost", "localhost")]
)
def test_allow_private_lets_a_host_or_network_through(http_server, inside, allowed, host) -> None:
    url = http_server.route("/feed", redirect(inside.url("/secret").replace("127.0.0.1", host)))
    with HttpClient(user_agent=UA, allow_private=[allowed]) as client:
        assert client.fetch(url).content == b"internal"


def test_a_host_name_in_allow_private_allows_that_host_only(http_server, inside) -> None:
    url = http_server.route("/feed", redirect(inside.url("/secret")))  # 127.0.0.1, not localhost
    with HttpClient(user_agent=UA, allow_private=["localhost"]) as client:
        refused(client, url)


def test_fetches_for_a_source_trust_only_its_origin(http_server, inside, client) -> None:
    article = inside.url("/secret")
    with client.trusting(http_server.url("/feed")):
        refused(client, article)
        http_server.route("/a", Reply(body=b"own article"))
        assert client.fetch(http_server.url("/a")).content == b"own article"
    assert client.fetch(article).content == b"internal"  # typed by hand: trusted


def test_a_kept_alive_connection_is_checked_again_for_each_fetch(inside, client) -> None:
    secret = inside.url("/secret")
    with client.trusting(secret):
        assert client.fetch(secret).content == b"internal"  # leaves a connection in the pool
    with client.trusting("http://feeds.example.org/"):
        refused(client, secret)
    assert len(inside.requests) == 1


def test_through_a_proxy_an_address_in_the_url_is_checked(http_server, inside, monkeypatch) -> None:
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("http_proxy", http_server.base_url)  # a proxy on 127.0.0.1 is the operator's choice
    http_server.route("/feed", redirect("http://2130706433:5432/"))
    http_server.route("/ok", Reply(body=b"via the proxy"))
    with HttpClient(user_agent=UA) as client:
        assert client.fetch("http://feeds.example.invalid/ok").content == b"via the proxy"
        error = refused(client, "http://feeds.example.invalid/feed")
    assert "2130706433 is at 127.0.0.1" in str(error)
    assert http_server.hits("/") == 0


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1",
     "::1", "::", "fe80::1", "fd00::1", "fec0::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1"],
)  # fmt: skip
def test_non_public_addresses(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "2a00:1450:4001::200e", "::ffff:8.8.8.8"])
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_allow_private_entries() -> None:
    allowed = PrivateAllowList.parse(["Intranet.Example.ORG.", "10.0.0.0/8", "[fd00::5]"])
    assert allowed.hosts == {"intranet.example.org"}
    assert allowed.allows("intranet.example.org", ipaddress.ip_address("192.168.1.1"))
    assert allowed.allows("other", ipaddress.ip_address("::ffff:10.9.9.9"))
    assert allowed.allows("other", ipaddress.ip_address("fd00::5"))
    assert not allowed.allows("other", ipaddress.ip_address("192.168.1.1"))


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("http://intranet/", "without scheme, port or path"),
        ("intranet:8080", "without scheme, port or path"),
        ("10.0.0.300", "is not an address: write four numbers with dots"),
        ("10.0.0.0/33", "is not a host name, an address or a network"),
        ("", "is not a host name"),
    ],
)
def test_malformed_allow_private_entries_say_what_is_wrong(entry: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        allow_private_entry(entry)
