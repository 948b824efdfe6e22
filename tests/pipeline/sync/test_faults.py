"""One bad source never stops the others: every fault mode in one run."""

from __future__ import annotations

import socket

from httpserver import Reply, conditional, fixture, redirect, retry_after
from scc_sync.fetch.http import HttpClient
from scc_sync.pipeline.sync import sync
from scc_sync.store import Store
from tests.pipeline.sync.conftest import T0, Entry, config, feed, page, rss, state

GOOD = rss(Entry("Gut", "https://example.org/gut", "gut", published=T0))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_mix_of_every_fault_leaves_the_good_sources_synced(http_server, store: Store, clock) -> None:
    routes = {
        "good": conditional(GOOD),
        "malformed": Reply(200, fixture("fetch/rss2_malformed.xml"), "application/rss+xml"),
        "not-found": Reply(404, b"no"),
        "server-error": Reply(500, b"oops"),
        "stalled": Reply(200, GOOD, "application/rss+xml", stall=3),
        "dripping": Reply(200, GOOD * 3, "application/rss+xml", drip=0.2),
        "huge": Reply(200, b"<rss>" + b" " * 5000 + b"</rss>", "application/rss+xml"),
        "loop": redirect("/loop", 301),
        "html": Reply(200, fixture("fetch/not_a_feed.html"), "text/html"),
        "gone": Reply(410, b"gone"),
        "limited": retry_after("600", 429),
        "empty": Reply(200, b"", "application/rss+xml"),
    }
    sources = [feed(name, http_server.route(f"/{name}", reply)) for name, reply in routes.items()]
    sources.append(feed("refused", f"http://127.0.0.1:{closed_port()}/feed"))
    sources.append(
        page(
            "bad-selector",
            http_server.route("/listing", Reply(200, b"<a href='/x'>x</a>", "text/html")),
            "a[[",
        )
    )
    cfg = config(*sources, http={"concurrency": 6, "max_bytes": 2048, "timeout": 0.5})
    with HttpClient(user_agent="t", timeout=0.5, max_bytes=2048, per_host=6, clock=clock) as client:
        report = sync(cfg, store, client, now=clock)
    by_name = {s.name: s for s in report.sources}
    assert len(by_name) == len(sources)
    assert by_name["good"].new == 1 and by_name["malformed"].new >= 1
    assert {n for n, s in by_name.items() if not s.failed} == {"good", "malformed"}
    expected = {
        "not-found": "HTTP 404",
        "server-error": "HTTP 500",
        "stalled": "did not answer within",
        "dripping": "too slowly",
        "huge": "too large",
        "loop": "redirects in a loop",
        "html": "returned an HTML page, not a feed",
        "gone": "410 Gone",
        "limited": "wait 600 s",
        "empty": "nothing parseable",
        "refused": "could not connect",
        "bad-selector": "not valid CSS",
    }
    for name, words in expected.items():
        assert words in (by_name[name].error or ""), (name, by_name[name].error)
        assert state(store, name).last_error == by_name[name].error
        assert state(store, name).next_due is not None or name == "gone"
    assert report.line().startswith(f"sync: 2 sources ok, {len(expected)} failed")
