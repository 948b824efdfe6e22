"""HttpClient and the environment: proxies, no_proxy and ~/.netrc are honoured, read once, not per request."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator, MutableMapping

import pytest

from httpserver import LocalServer, Reply, conditional
from scc_sync.fetch.http import FetchError, HttpClient

UA = "scc-sync-test/1.0"


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever proxies this machine has set do not apply to these tests."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


class CountingEnviron(MutableMapping[str, str]):
    """os.environ as a mapping that counts how often it is read."""

    def __init__(self, values: MutableMapping[str, str]) -> None:
        self._values = dict(values)
        self.reads = 0

    def __getitem__(self, key: str) -> str:
        self.reads += 1
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        self.reads += 1
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __setitem__(self, key: str, value: str) -> None:
        self._values[key] = value

    def __delitem__(self, key: str) -> None:
        del self._values[key]


def test_a_proxy_from_the_environment_is_used(http_server: LocalServer, monkeypatch) -> None:
    # A forward proxy gets the whole URL in its request line; the test server routes by its path.
    http_server.route("/feed", Reply(body=b"via the proxy"))
    monkeypatch.setenv("http_proxy", http_server.base_url)
    with HttpClient(user_agent=UA) as client:
        assert client.fetch("http://feeds.example.invalid/feed").content == b"via the proxy"
    assert http_server.last_request("/feed").headers["host"] == "feeds.example.invalid"


def test_hosts_in_no_proxy_are_asked_directly(http_server: LocalServer, monkeypatch) -> None:
    with LocalServer() as proxy:
        dead_proxy = proxy.base_url
    url = http_server.route("/feed", Reply(body=b"direct"))
    monkeypatch.setenv("http_proxy", dead_proxy)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with HttpClient(user_agent=UA, timeout=2) as client:
        assert client.fetch(url).content == b"direct"
        with pytest.raises(FetchError, match="could not connect"):  # everything else goes to the proxy
            client.fetch(url.replace("127.0.0.1", "localhost"))


def test_a_login_from_netrc_is_sent_to_its_host(http_server: LocalServer, monkeypatch, tmp_path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login verband password geheim\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    url = http_server.route("/intern/feed", Reply(body=b"<rss/>"))
    with HttpClient(user_agent=UA) as client:
        client.fetch(url)
    sent = http_server.last_request("/intern/feed").headers["authorization"]
    assert sent == "Basic " + base64.b64encode(b"verband:geheim").decode()


def test_the_environment_is_not_read_again_for_every_request(http_server: LocalServer, monkeypatch) -> None:
    url = http_server.route("/feed", conditional(b"<rss/>"))
    with HttpClient(user_agent=UA) as client:
        client.fetch(url)
        environ = CountingEnviron(os.environ)
        monkeypatch.setattr(os, "environ", environ)
        for _ in range(3):
            assert client.fetch(url, etag='"v1"').status == 304
    assert environ.reads == 0
