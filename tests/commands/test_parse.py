"""`scc-sync parse` on a file and on a URL, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from httpserver import LocalServer, redirect
from scc_sync.cli import cli
from scc_sync.demo_site import SEED_PAGE, serve_site
from scc_sync.extract import SUMMARY_SCHEMA_PATH

SCHEMA = json.loads(SUMMARY_SCHEMA_PATH.read_text())


def parse(*args: str, cwd: Path) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)  # no config file here: parse works on the defaults
        patch.delenv("SCC_SYNC_CONFIG", raising=False)
        result = CliRunner().invoke(cli, ["parse", *args])
    return result.exit_code, result.stdout, result.stderr


def test_parse_a_file_prints_schema_valid_json(tmp_path: Path) -> None:
    code, out, _ = parse(str(SEED_PAGE), "--url", "https://www.vku.de/scc-2020/", cwd=tmp_path)
    assert code == 0
    summary = json.loads(out)
    jsonschema.validate(summary, SCHEMA)
    assert summary["url"] == "https://www.vku.de/scc-2020/"
    assert summary["event"]["start"] == "2020-10-27" and summary["next_event"]["start"] == "2021-10-26"


def test_parse_a_url_fetches_it(tmp_path: Path) -> None:
    with serve_site() as base_url:
        url = f"{base_url}/presse/smart-country-convention-digital-erfolgreich.html"
        code, out, _ = parse(url, cwd=tmp_path)
    assert code == 0
    summary = json.loads(out)
    assert summary["url"] == url
    assert summary["event"]["counts"]["participants"] == {"value": 10600, "qualifier": "exact"}


def test_parse_text_format_is_readable(tmp_path: Path) -> None:
    code, out, _ = parse(str(SEED_PAGE), "--format", "text", cwd=tmp_path)
    assert code == 0
    assert "Smart Country Convention" in out and "10600" in out.replace(".", "")


def test_parse_missing_file_and_unreachable_url_fail_with_exit_1(tmp_path: Path) -> None:
    code, _, err = parse(str(tmp_path / "nope.html"), cwd=tmp_path)
    assert code == 1 and "nope.html: cannot read" in err
    with serve_site() as base_url:
        code, _, err = parse(f"{base_url}/missing.html", cwd=tmp_path)
    assert code == 1 and "missing.html" in err and "404" in err


def test_parse_trusts_the_url_given_but_not_a_redirect_to_another_private_origin(tmp_path: Path) -> None:
    with serve_site() as base_url, LocalServer() as typed:
        url = typed.route(
            "/moved", redirect(f"{base_url}/presse/smart-country-convention-digital-erfolgreich.html")
        )
        code, _, err = parse(url, cwd=tmp_path)
    assert code == 1
    assert f"{url} redirected to {base_url}/presse/" in err and "[http] allow_private" in err


def test_parse_with_an_explicit_missing_config_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        result = CliRunner().invoke(cli, ["--config", "absent.toml", "parse", str(SEED_PAGE)])
    assert result.exit_code == 2 and "absent.toml: config file not found" in result.stderr
