"""`scc-sync parse` on things that are not web pages: a PDF, an image, a URL serving one."""

from __future__ import annotations

from pathlib import Path

import pytest

from httpserver import LocalServer, Reply
from tests.conftest import scc

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


@pytest.mark.parametrize(
    ("name", "content", "kind"), [("a.pdf", PDF, "a PDF document"), ("b.png", PNG, "a PNG image")]
)
def test_parse_a_non_html_file_says_what_it_is(tmp_path: Path, name: str, content: bytes, kind: str) -> None:
    (tmp_path / name).write_bytes(content)
    result = scc("parse", name, cwd=tmp_path)
    assert result.returncode == 1
    assert f"{name}: this is {kind}, not an HTML page" in result.stderr
    assert result.stdout == ""


def test_parse_a_url_serving_a_pdf_names_the_media_type(tmp_path: Path, http_server: LocalServer) -> None:
    url = http_server.route("/report.pdf", Reply(body=PDF, content_type="application/pdf"))
    result = scc("parse", url, cwd=tmp_path)
    assert result.returncode == 1
    assert f"{url}: the server sent application/pdf, not an HTML page" in result.stderr


def test_parse_a_url_serving_an_image_without_content_type_is_sniffed(
    tmp_path: Path, http_server: LocalServer
) -> None:
    url = http_server.route("/pic", Reply(body=PNG, content_type=None))
    result = scc("parse", url, cwd=tmp_path)
    assert result.returncode == 1
    assert "this is a PNG image, not an HTML page" in result.stderr


def test_parse_a_real_page_still_works(tmp_path: Path, http_server: LocalServer) -> None:
    html = "<html lang=de><body><main><h1>Hallo</h1><p>Ein Text über den Verband.</p></main></body></html>"
    url = http_server.route("/a.html", Reply(body=html.encode(), content_type="text/html; charset=utf-8"))
    result = scc("parse", url, "--format", "text", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Hallo" in result.stdout
