"""A new page source whose link_selector matches nothing says so at once (the commonest set-up mistake)."""

from __future__ import annotations

import json
from pathlib import Path

from httpserver import LocalServer, Reply
from tests.conftest import scc

LISTING = b"""<html><body><main>
<article><a class="teaser" href="/a.html">A</a></article>
</main></body></html>"""
ARTICLE = b"<html lang=de><body><main><h1>Artikel A</h1><p>Ein Text.</p></main></body></html>"


def config(tmp_path: Path, listing: str, selector: str) -> str:
    path = tmp_path / "scc.toml"
    path.write_text(
        f'[state]\ndatabase = "{tmp_path / "state.db"}"\n'
        f'[[sources]]\nname = "seite"\nkind = "page"\nurl = "{listing}"\nlink_selector = "{selector}"\n'
    )
    return str(path)


def source_warning(tmp_path: Path, path: str) -> str | None:
    status = json.loads(scc("--config", path, "status", "--format", "json", cwd=tmp_path).stdout)
    return status["sources"][0]["warning"]


def test_a_selector_that_never_matched_is_reported_then_clears(
    tmp_path: Path, http_server: LocalServer
) -> None:
    listing = http_server.route("/news/", Reply(body=LISTING, content_type="text/html"))
    http_server.route("/a.html", Reply(body=ARTICLE, content_type="text/html"))

    wrong = config(tmp_path, listing, "a.teaser-link")
    result = scc("--config", wrong, "sync", cwd=tmp_path)
    assert result.returncode == 0
    expected = f"link_selector 'a.teaser-link' matches no article links on {listing}"
    assert expected in result.stderr
    assert expected in (source_warning(tmp_path, wrong) or "")

    right = config(tmp_path, listing, "a.teaser")
    fixed = scc("--config", right, "sync", cwd=tmp_path)
    assert "items: 1 new" in fixed.stdout, fixed.stderr
    assert source_warning(tmp_path, right) is None
