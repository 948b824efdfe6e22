"""Page sources re-check their known articles for a while: edits become revisions, politely and safely."""

from __future__ import annotations

import logging
import mailbox
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from httpserver import Reply, conditional
from scc_sync.config import parse_config
from scc_sync.newsletter.transports import MaildirTransport
from scc_sync.pipeline.digest import run_digest
from scc_sync.pipeline.sync import RECHECKS_PER_SOURCE, due_rechecks
from scc_sync.store import Store
from scc_sync.store.items import KnownArticle, content_hash
from scc_sync.store.schema import items
from tests.pipeline.helpers import SECRET, SECRET_ENV, fixed, mail_kit, parse
from tests.pipeline.sync.conftest import T0, Entry, config, feed, page, rss, run, state
from tests.pipeline.sync.test_feeds_sync import HTML, SEED
from tests.pipeline.sync.test_pages_sync import listing, stored

ARTICLE = "/presse/scc.html"
OLDER_TITLE = "Wie ein älterer Extraktor las"
EDITED = SEED.replace(b"10.600", b"11.200")  # the publisher's final participant numbers
CONSENT_PAGE = (
    "<!doctype html><html lang='de'><head><title>Datenschutzeinstellungen | Presse</title></head><body>"
    "<div class='modal'><h1>Ihre Privatsphäre ist uns wichtig</h1><p>Wir verwenden Cookies und ähnliche "
    "Technologien, um Inhalte zu personalisieren und die Zugriffe auf unsere Website zu analysieren.</p>"
    "<p>Mit einem Klick auf „Alle akzeptieren“ stimmen Sie der Verarbeitung zu. Ihre Einwilligung können "
    "Sie jederzeit widerrufen.</p><button>Alle akzeptieren</button><button>Nur notwendige</button></div>"
    "</body></html>"
).encode()


def serve(http_server, body: bytes = SEED, etag: str | None = '"v1"', **extra: Any) -> str:
    """A listing that answers 304 when unchanged, and one article that honours its validators."""
    http_server.route(ARTICLE, conditional(body, content_type=HTML, etag=etag, last_modified=None, **extra))
    return http_server.route("/presse/", conditional(listing("scc.html"), content_type=HTML))


def first_sync(http_server, store: Store, client, clock, **serve_args: Any):
    cfg = config(page("presse", serve(http_server, **serve_args)))
    [report] = run(cfg, store, client, clock).sources
    assert report.new == 1
    return cfg


def recap(store: Store):
    [item] = stored(store).values()
    return item


def article_row(store: Store):
    with store.read() as conn:
        return conn.execute(select(items)).one()


def read_by_older_extractor(conn, **values: Any) -> None:
    """Make the stored item read as an older extractor would have read the same page."""
    text = conn.scalar(select(items.c.text))
    old = {"title": OLDER_TITLE, "content_hash": content_hash(OLDER_TITLE, text)}
    conn.execute(update(items).values(**old, **values))


def test_an_edited_article_gets_a_new_revision_and_fresh_facts(
    http_server, store: Store, client, clock
) -> None:
    cfg = first_sync(http_server, store, client, clock)
    assert recap(store).summary["event"]["counts"]["participants"]["value"] == 10600
    http_server.route(ARTICLE, conditional(EDITED, content_type=HTML, etag='"v2"', last_modified=None))
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert (report.status, report.new, report.updated, report.rechecked) == ("not_modified", 0, 1, 1)
    assert http_server.last_request(ARTICLE).headers["if-none-match"] == '"v1"'
    item = recap(store)
    assert item.revision == 2 and item.changed == clock.now and "11.200" in item.text
    assert item.summary["event"]["counts"]["participants"]["value"] == 11200
    assert article_row(store).article_etag == '"v2"'


def test_an_unchanged_article_costs_a_304_and_is_asked_again_only_after_recheck_every(
    http_server, store: Store, client, clock
) -> None:
    cfg = first_sync(http_server, store, client, clock)
    clock.advance(hours=23)
    run(cfg, store, client, clock)
    assert http_server.hits(ARTICLE) == 1  # not yet a day since it was read
    clock.advance(hours=1)
    [report] = run(cfg, store, client, clock).sources
    assert http_server.hits(ARTICLE) == 2 and report.rechecked == 1 and report.updated == 0
    assert http_server.last_request(ARTICLE).headers["if-none-match"] == '"v1"'  # answered 304
    assert recap(store).revision == 1 and article_row(store).article_checked_at == clock.now
    clock.advance(hours=12)
    run(cfg, store, client, clock)
    assert http_server.hits(ARTICLE) == 2  # the 304 counts as a check: next one in a day


def test_same_bytes_from_a_server_without_validators_are_not_read_again(
    http_server, store: Store, client, clock
) -> None:
    cfg = first_sync(http_server, store, client, clock, etag=None)
    # What an older extractor stored, and the page's bytes pruned: reading the bytes again would now
    # give a different text, so only skipping them keeps the item as it is.
    with store.write() as conn:
        read_by_older_extractor(conn, raw=None)
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert "if-none-match" not in http_server.last_request(ARTICLE).headers
    assert (report.rechecked, report.updated) == (1, 0)
    assert recap(store).revision == 1 and recap(store).title == OLDER_TITLE


def test_markup_changes_around_an_unchanged_article_are_no_edit(
    http_server, store: Store, client, clock
) -> None:
    cfg = first_sync(http_server, store, client, clock)
    with store.write() as conn:
        read_by_older_extractor(conn)
    restyled = SEED.replace(b"</body>", b"<script>var rendered = '2021-10-20T08:00';</script></body>")
    http_server.route(ARTICLE, conditional(restyled, content_type=HTML, etag='"v2"', last_modified=None))
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert (report.rechecked, report.updated) == (1, 0) and recap(store).revision == 1
    assert article_row(store).raw == restyled and article_row(store).article_etag == '"v2"'
    # a real edit later on is one
    http_server.route(ARTICLE, conditional(EDITED, content_type=HTML, etag='"v3"', last_modified=None))
    clock.advance(days=1)
    assert run(cfg, store, client, clock).sources[0].updated == 1 and recap(store).revision == 2


def test_articles_older_than_the_window_are_not_fetched(http_server, store: Store, client, clock) -> None:
    cfg = first_sync(http_server, store, client, clock)
    for _ in range(14):
        clock.advance(days=1)
        run(cfg, store, client, clock)
    assert http_server.hits(ARTICLE) == 15  # read once, re-checked on days 1 to 14
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert http_server.hits(ARTICLE) == 15 and report.rechecked == 0


def test_rechecks_can_be_turned_off(http_server, store: Store, client, clock) -> None:
    url = serve(http_server)
    cfg = config(page("presse", url), sync={"recheck_articles": "0"})
    run(cfg, store, client, clock)
    clock.advance(days=2)
    [report] = run(cfg, store, client, clock).sources
    assert http_server.hits(ARTICLE) == 1 and report.rechecked == 0


@pytest.mark.parametrize("status", [404, 410])
def test_a_vanished_article_ends_its_rechecks_without_failing_the_source(
    http_server, store: Store, client, clock, caplog, status: int
) -> None:
    cfg = first_sync(http_server, store, client, clock)
    http_server.route(ARTICLE, Reply(status, b"weg"))
    clock.advance(days=1)
    with caplog.at_level(logging.INFO, logger="scc_sync.pipeline.sync"):
        [report] = run(cfg, store, client, clock).sources
    assert not report.failed and report.warnings == () and state(store, "presse").last_error is None
    assert f"answered {status}" in caplog.text and "no longer re-checked" in caplog.text
    assert recap(store).revision == 1 and "10.600" in recap(store).text
    assert article_row(store).article_gone_at == clock.now
    clock.advance(days=1)
    run(cfg, store, client, clock)
    assert http_server.hits(ARTICLE) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(500, b"kaputt"),
        Reply(200, b"<html><body><div>", HTML),  # broken HTML: nothing that reads as an article
        Reply(200, b"%PDF-1.4", "application/pdf"),
        Reply(200, CONSENT_PAGE, HTML),  # reads like an article, but must not replace one
    ],
    ids=["server-error", "broken-html", "not-html", "consent-page"],
)
def test_a_failed_recheck_keeps_the_item_and_the_source_healthy(
    http_server, store: Store, client, clock, reply: Reply
) -> None:
    cfg = first_sync(http_server, store, client, clock)
    http_server.route(ARTICLE, reply)
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert not report.failed and report.rechecked == 1 and report.updated == 0
    item, row = recap(store), article_row(store)
    assert item.revision == 1 and "10.600" in item.text and row.raw == SEED
    assert row.article_etag == '"v1"' and row.article_gone_at is None and row.article_checked_at == clock.now
    http_server.route(ARTICLE, conditional(EDITED, content_type=HTML, etag='"v2"', last_modified=None))
    clock.advance(days=1)  # asked again a day later, and the edit is found
    assert run(cfg, store, client, clock).sources[0].updated == 1


def test_robots_txt_is_honoured_for_rechecks(http_server, store: Store, client, clock) -> None:
    for name in ("intern", "offen"):
        http_server.route(f"/{name}.html", conditional(SEED, content_type=HTML, etag='"v1"'))
    url = http_server.route("/", conditional(listing("/intern.html", "/offen.html"), content_type=HTML))
    cfg = config(page("p", url))
    run(cfg, store, client, clock)
    http_server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /intern\n"))
    for name in ("intern", "offen"):
        http_server.route(f"/{name}.html", conditional(EDITED, content_type=HTML, etag='"v2"'))
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert (http_server.hits("/intern.html"), http_server.hits("/offen.html")) == (1, 2)
    assert not report.failed and report.updated == 1
    revisions = {key.rsplit("/", 1)[1]: item.revision for key, item in stored(store).items()}
    assert revisions == {"intern.html": 1, "offen.html": 2}


def test_rechecks_per_sync_are_bounded_and_the_longest_unchecked_go_first(
    http_server, store: Store, client, clock
) -> None:
    count = RECHECKS_PER_SOURCE + 3
    for n in range(count):
        http_server.route(f"/{n}.html", conditional(SEED, content_type=HTML, etag=f'"{n}"'))
    url = http_server.route(
        "/", conditional(listing(*(f"/{n}.html" for n in range(count))), content_type=HTML)
    )
    cfg = config(page("p", url))
    run(cfg, store, client, clock)
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert report.rechecked == RECHECKS_PER_SOURCE
    clock.advance(minutes=30)
    [report] = run(cfg, store, client, clock).sources
    assert report.rechecked == 3
    assert [http_server.hits(f"/{n}.html") for n in range(count)] == [2] * count


def test_a_struggling_host_stops_the_other_rechecks(http_server, store: Store, client, clock) -> None:
    for name in ("a", "b"):
        http_server.route(f"/{name}.html", conditional(SEED, content_type=HTML, etag=f'"{name}"'))
    url = http_server.route("/", conditional(listing("/a.html", "/b.html"), content_type=HTML))
    cfg = config(page("p", url))
    run(cfg, store, client, clock)
    for name in ("a", "b"):
        http_server.route(f"/{name}.html", Reply(503, b"busy", headers={"Retry-After": "600"}))
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert report.rechecked == 1 and not report.failed
    assert http_server.hits("/a.html") + http_server.hits("/b.html") == 3


def test_feed_items_are_not_rechecked(http_server, store: Store, client, clock) -> None:
    http_server.route(ARTICLE, conditional(SEED, content_type=HTML))
    body = rss(Entry("SCC", link=http_server.url(ARTICLE), guid="scc"))
    url = http_server.route("/feed", conditional(body))
    cfg = config(feed("f", url, fetch_articles=True))
    run(cfg, store, client, clock)
    assert http_server.hits(ARTICLE) == 1
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert http_server.hits(ARTICLE) == 1 and report.rechecked == 0


def test_items_from_before_rechecks_are_rechecked_without_validators(
    http_server, store: Store, client, clock
) -> None:
    cfg = first_sync(http_server, store, client, clock)
    with store.write() as conn:  # as migration 0005 leaves an existing item
        conn.execute(
            update(items).values(
                article_etag=None, article_last_modified=None, article_hash=None, article_checked_at=None
            )
        )
    clock.advance(days=1)
    [report] = run(cfg, store, client, clock).sources
    assert "if-none-match" not in http_server.last_request(ARTICLE).headers
    assert (report.rechecked, report.updated) == (1, 0)  # the same bytes as stored: no revision
    assert article_row(store).article_etag == '"v1"'
    clock.advance(days=1)
    run(cfg, store, client, clock)
    assert http_server.last_request(ARTICLE).headers["if-none-match"] == '"v1"'


def test_the_summary_line_counts_rechecks(http_server, store: Store, client, clock) -> None:
    cfg = first_sync(http_server, store, client, clock)
    clock.advance(days=1)
    line = run(cfg, store, client, clock).line()
    assert line == "sync: 1 sources ok, 0 failed; items: 0 new, 0 updated (1 articles re-checked)"


def known(key: str, first_seen_days: float, checked_days: float | None) -> KnownArticle:
    checked = None if checked_days is None else T0 - timedelta(days=checked_days)
    return KnownArticle(key, T0 - timedelta(days=first_seen_days), checked, None, None, None)


def test_due_rechecks_is_the_window_the_interval_and_the_limit() -> None:
    articles = [
        known("https://a.example/recent", 3, 0.5),  # checked half a day ago: not yet
        known("https://a.example/due", 3, 1),
        known("https://a.example/older-check", 5, 2),
        known("https://a.example/never-checked", 1.5, None),  # from before re-checks: counts from first seen
        known("https://a.example/too-old", 15, 3),
        known("sha256:abc", 3, 2),  # not a URL (a key from when the source was a feed)
    ]
    due = due_rechecks(articles, now=T0, window=timedelta(days=14), every=timedelta(days=1), limit=2)
    assert [a.key for a in due] == ["https://a.example/older-check", "https://a.example/never-checked"]
    due = due_rechecks(articles, now=T0, window=timedelta(days=14), every=timedelta(days=1), limit=10)
    assert len(due) == 3


def test_the_next_digest_marks_a_rechecked_article_as_updated(
    http_server, store: Store, client, clock, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    cfg = parse_config(
        {
            "sources": [page("presse", serve(http_server))],
            "http": {"timeout": 2},
            "web": {"base_url": "https://news.example.org", "secret_env": SECRET_ENV},
            "subscribers": [{"email": "anna@example.org", "frequency": "daily"}],
        }
    )
    box = mailbox.Maildir(tmp_path / "maildir")
    with MaildirTransport(tmp_path / "maildir") as transport:

        def next_daily_digest() -> str:
            before = set(box.keys())
            assert (
                run_digest(
                    cfg, store, transport, mail_kit(cfg), now=fixed(clock.now + timedelta(days=1))
                ).sent
                == 1
            )
            [new] = set(box.keys()) - before
            return parse(box.get_bytes(new)).get_body(("plain",)).get_content()

        run(cfg, store, client, clock)  # Tuesday 19 October: the recap appears
        first = next_daily_digest()
        http_server.route(ARTICLE, conditional(EDITED, content_type=HTML, etag='"v2"', last_modified=None))
        clock.advance(days=1)
        assert run(cfg, store, client, clock).sources[0].updated == 1  # Wednesday: the final numbers
        second = next_daily_digest()
    assert "Aktualisiert" not in first and "10.600" in first
    assert "Aktualisiert" in second and "11.200" in second
