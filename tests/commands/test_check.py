"""`scc-sync check` before going live: every part tried for real, problems named, nothing stored."""

from __future__ import annotations

from pathlib import Path

from httpserver import LocalServer, Reply
from smtpserver import SmtpServer
from tests.commands.conftest import SECRET
from tests.conftest import scc

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Verband</title><link>{base}/</link><description>d</description>
<item><title>Neue Förderrichtlinie</title><link>{base}/a.html</link><guid>a</guid></item>
<item><title>Zweite Meldung</title><link>{base}/b.html</link><guid>b</guid></item>
</channel></rss>"""
LISTING = "<html><body><ul class='news'><li><a href='/presse/1.html'>Eins</a></li></ul></body></html>"
HTML = "text/html; charset=utf-8"


def source(name: str, kind: str, url: str, selector: str | None = None) -> str:
    extra = f'link_selector = "{selector}"\n' if selector else "fetch_articles = false\n"
    return f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n{extra}'


def write_config(tmp_path: Path, sources: str, smtp_port: int) -> None:
    (tmp_path / "scc.toml").write_text(
        f'[state]\ndatabase = "{tmp_path / "state.db"}"\n{sources}'
        f'[delivery]\ntransport = "smtp"\nfrom = "SCC <news@example.org>"\n'
        f'[delivery.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\ntimeout = 5\n',
        encoding="utf-8",
    )


def test_check_tries_every_part_and_stores_nothing(
    tmp_path: Path, http_server: LocalServer, smtp_server: SmtpServer
) -> None:
    feed = http_server.route(
        "/feed.xml", Reply(200, RSS.format(base=http_server.url("")).encode(), "application/rss+xml")
    )
    page = http_server.route("/presse/", Reply(200, LISTING.encode(), HTML))
    write_config(
        tmp_path,
        source("verband", "feed", feed) + source("presse", "page", page, "ul.news a"),
        smtp_server.port,
    )
    result = scc("--config", "scc.toml", "check", cwd=tmp_path, env=SECRET)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("database") and "does not exist yet: sync creates it" in line for line in lines
    )
    assert any(line.startswith("secret") and " ok " in line for line in lines)
    assert f"SMTP 127.0.0.1:{smtp_server.port}: connected, no TLS" in result.stdout
    assert "feed: 2 entries, the first: 'Neue Förderrichtlinie'" in result.stdout
    assert f"page: 1 article links, e.g. {http_server.url('/presse/1.html')}" in result.stdout
    assert lines[-1] == "check: 5 ok, 0 problem(s)"
    assert smtp_server.handler.messages == [] and smtp_server.handler.ehlo_count == 1  # a session, no mail
    assert http_server.hits("/presse/1.html") == 0  # articles are not fetched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scc.toml"]  # nothing stored


def test_check_names_each_problem_and_exits_1(tmp_path: Path, http_server: LocalServer) -> None:
    gone = http_server.route("/old-feed.xml", Reply(404, b"not here", HTML))
    page = http_server.route("/presse/", Reply(200, LISTING.encode(), HTML))
    write_config(
        tmp_path,
        source("alt", "feed", gone) + source("relaunch", "page", page, "div.teaser a"),
        smtp_port=9,  # nothing listens there
    )
    result = scc("--config", "scc.toml", "check", cwd=tmp_path, env={})  # and no secret set
    assert result.returncode == 1
    out = result.stdout
    problems = {line.split()[0]: line for line in out.splitlines() if "PROBLEM" in line}
    assert "PROBLEM  web.secret_env: environment variable SCC_SYNC_SECRET is not set" in problems["secret"]
    assert "PROBLEM  SMTP 127.0.0.1:9: ConnectionRefusedError" in problems["mail"]
    assert "source alt" in out and "404" in out
    assert "link_selector 'div.teaser a' matches no article links" in out
    assert out.splitlines()[-1] == "check: 1 ok, 4 problem(s)"
    only = scc("--config", "scc.toml", "check", "--no-mail", "--source", "alt", cwd=tmp_path, env=SECRET)
    assert only.stdout.splitlines()[-1] == "check: 2 ok, 1 problem(s)" and "relaunch" not in only.stdout
    unknown = scc("--config", "scc.toml", "check", "--source", "alte", cwd=tmp_path, env=SECRET)
    assert unknown.returncode == 2 and "--source: " in unknown.stderr and "alt" in unknown.stderr


def test_check_names_article_links_on_another_private_origin(
    tmp_path: Path, http_server: LocalServer
) -> None:
    with LocalServer() as inside:
        listing = (
            f"<html><body><ul class='news'><li><a href='{inside.url('/admin')}'>x</a></li></ul></body></html>"
        )
        page = http_server.route("/presse/", Reply(200, listing.encode(), HTML))
        write_config(tmp_path, source("presse", "page", page, "ul.news a"), smtp_port=9)
        result = scc("--config", "scc.toml", "check", "--no-mail", cwd=tmp_path, env=SECRET)
    assert result.returncode == 1
    assert (
        f"page: 1 article links, but not fetching {inside.url('/admin')}: 127.0.0.1 is a loopback"
        in result.stdout
    )
    assert "add '127.0.0.1' to [http] allow_private" in result.stdout
    assert inside.requests == []


def test_the_database_check_reads_the_schema_and_changes_nothing(store_url: str) -> None:
    from scc_sync.config import parse_config
    from scc_sync.pipeline.preflight import check_database
    from scc_sync.store import open_store
    from scc_sync.store.engine import head_revision

    config = parse_config({"state": {"database": store_url}})
    with open_store(store_url, migrate=False) as empty:
        if empty.engine.dialect.name == "sqlite":  # an SQLite file that is not there yet is fine
            assert "does not exist yet: sync creates it" in check_database(config).detail
            empty.schema_version()  # creates the empty file, as a connection does
        assert check_database(config).detail.endswith(": empty; the first sync creates the tables")
        assert empty.schema_version() is None  # nothing was created by the check
    with open_store(store_url):
        pass
    assert check_database(config).detail.endswith(f"(schema {head_revision()})")


def test_an_unreachable_database_is_a_problem() -> None:
    from scc_sync.config import parse_config
    from scc_sync.pipeline.preflight import check_database

    found = check_database(
        parse_config({"state": {"database": "postgresql+psycopg://nobody@127.0.0.1:9/none"}})
    )
    assert not found.ok and "127.0.0.1" in found.detail and "connect" in found.detail.lower()


def test_a_maildir_must_be_creatable(tmp_path: Path) -> None:
    from scc_sync.config import parse_config
    from scc_sync.effects import Effects
    from scc_sync.pipeline.preflight import check_mail

    fine = check_mail(parse_config({"delivery": {"maildir": str(tmp_path / "new" / "maildir")}}), Effects())
    assert fine.ok and fine.detail == f"Maildir {tmp_path / 'new' / 'maildir'}"
    (tmp_path / "a-file").write_text("")
    blocked = check_mail(
        parse_config({"delivery": {"maildir": str(tmp_path / "a-file" / "maildir")}}), Effects()
    )
    assert not blocked.ok and blocked.detail.endswith("a-file is not a folder")
    assert not (tmp_path / "new").exists()  # the check creates nothing
