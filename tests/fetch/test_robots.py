"""RobotsCache against a real server: fetched once per host, RFC 9309 failure rules."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from httpserver import LocalServer, Reply
from scc_sync.fetch.http import FetchError, HttpClient
from scc_sync.fetch.robots import RobotsCache

ROBOTS = b"""# Beispiel
User-agent: *
Disallow: /intern/

User-agent: scc-sync
Disallow: /presse/entwurf/
Crawl-delay: 2

User-agent: BadBot
Disallow: /
"""


@pytest.fixture
def client():
    with HttpClient(user_agent="scc-sync/0.1 (+https://example.org/bot)", timeout=2.0) as c:
        yield c


def test_rules_for_our_user_agent(http_server: LocalServer, client: HttpClient) -> None:
    http_server.route("/robots.txt", Reply(body=ROBOTS))
    robots = RobotsCache(client)
    assert robots.allowed(http_server.url("/presse/artikel"))
    assert not robots.allowed(http_server.url("/presse/entwurf/1"))
    assert robots.allowed(http_server.url("/intern/x"))  # our own group replaces the * group
    assert robots.crawl_delay(http_server.url("/")) == 2.0
    assert http_server.hits("/robots.txt") == 1
    assert http_server.last_request("/robots.txt").headers["user-agent"].startswith("scc-sync/0.1")


def test_fetched_once_per_host_even_from_many_threads(http_server, client) -> None:
    http_server.route("/robots.txt", Reply(body=ROBOTS, delay=0.05))
    robots = RobotsCache(client)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(robots.allowed, [http_server.url(f"/presse/{i}") for i in range(16)]))
    assert all(answers)
    assert http_server.hits("/robots.txt") == 1


def test_hosts_are_cached_separately(client) -> None:
    with LocalServer() as open_site, LocalServer() as closed_site:
        open_site.route("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n"))
        closed_site.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /\n"))
        robots = RobotsCache(client)
        assert robots.allowed(open_site.url("/a"))
        assert not robots.allowed(closed_site.url("/a"))


@pytest.mark.parametrize("status", [404, 410, 403])
def test_missing_robots_allows_everything(http_server, client, status) -> None:
    http_server.route("/robots.txt", Reply(status, b""))
    assert RobotsCache(client).allowed(http_server.url("/anything"))


def test_robots_that_redirects_in_a_loop_counts_as_missing(http_server, client) -> None:
    http_server.route("/robots.txt", Reply(302, b"", headers={"Location": "/robots.txt"}))
    assert RobotsCache(client).allowed(http_server.url("/anything"))


@pytest.mark.parametrize(
    ("reply", "kind"),
    [(Reply(500, b""), "http_status"), (Reply(503, b""), "rate_limited"), (Reply(429, b""), "rate_limited")],
)
def test_server_error_closes_the_site_for_this_run_and_says_so(http_server, client, reply, kind) -> None:
    http_server.route("/robots.txt", reply)
    robots = RobotsCache(client)
    url = http_server.url("/presse/a")
    assert not robots.allowed(url)
    error = robots_error(robots, url)
    # The failure's own kind and status, so the article is asked for again like one whose server failed.
    assert (error.kind, error.status) == (kind, reply.status)
    assert f"HTTP {reply.status}" in str(error) or f"answered {reply.status}" in str(error)
    assert http_server.hits("/robots.txt") == 1  # not asked again this run


def test_unreachable_robots_is_reported_as_unreachable(client) -> None:
    with LocalServer() as gone:
        url = gone.url("/presse/a")
    error = robots_error(RobotsCache(client), url)
    assert error.kind == "connection"
    assert "could not connect" in str(error)


def test_robots_that_never_answers_is_reported_as_a_timeout(http_server) -> None:
    http_server.route("/robots.txt", Reply(body=b"User-agent: *\n", delay=1.0))
    with HttpClient(user_agent="scc-sync/0.1", timeout=0.2) as client:
        error = robots_error(RobotsCache(client), http_server.url("/presse/a"))
    assert error.kind == "timeout"


def robots_error(robots: RobotsCache, url: str) -> FetchError:
    """What `check` says about a site whose robots.txt could not be read."""
    with pytest.raises(FetchError) as info:
        robots.check(url)
    message = str(info.value)
    assert f"not fetching {url} for now: the site's robots.txt could not be read" in message
    assert "disallow" not in message
    return info.value


def test_check_names_the_rule(http_server, client) -> None:
    http_server.route("/robots.txt", Reply(body=ROBOTS))
    robots = RobotsCache(client)
    robots.check(http_server.url("/presse/ok"))  # allowed: no error
    with pytest.raises(FetchError, match=r"robots\.txt disallows") as info:
        robots.check(http_server.url("/presse/entwurf/x"))
    assert info.value.kind == "robots"


def test_redirected_robots_is_followed(http_server, client) -> None:
    http_server.route("/robots.txt", Reply(301, b"", headers={"Location": "/real-robots.txt"}))
    http_server.route("/real-robots.txt", Reply(body=b"User-agent: *\nDisallow: /geheim\n"))
    robots = RobotsCache(client)
    assert not robots.allowed(http_server.url("/geheim/1"))
    assert robots.allowed(http_server.url("/offen"))


def test_bot_wall_in_front_of_robots_closes_the_site_and_says_why(http_server, client) -> None:
    page = b"<html><head><title>Just a moment...</title></head></html>"
    http_server.route("/robots.txt", Reply(403, page, "text/html", {"cf-mitigated": "challenge"}))
    robots = RobotsCache(client)
    url = http_server.url("/presse/a")
    error = robots_error(robots, url)
    assert (error.kind, error.protection) == ("blocked", "Cloudflare")
    assert "refused automated access" in str(error)
    assert http_server.hits("/presse/a") == 0
