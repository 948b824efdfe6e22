"""The Docker build context: what `.dockerignore` keeps out, and that it keeps in what the Dockerfile copies.

No Docker engine runs here, so the rules are read the way the engine reads them (patterns relative to the
context root, `**` for any depth) with `fnmatch`, which covers the plain patterns this file uses.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch

from tests.conftest import REPO


def _patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(path: str) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch(prefix, pattern) for pattern in _patterns() for prefix in prefixes) or any(
        fnmatch(part, pattern) for pattern in _patterns() if "/" not in pattern for part in parts
    )


def _copied_sources() -> list[str]:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    sources = []
    for line in dockerfile.splitlines():
        if match := re.match(r"COPY\s+(?!--from)(.+)\s+\S+$", line.strip()):
            sources += match.group(1).split()
    return sources


def test_local_state_virtualenv_and_history_stay_out_of_the_context() -> None:
    for path in (
        ".venv/bin/python",
        "state/scc-sync.db",
        "state/maildir/new/1",
        ".git/HEAD",
        ".env",
        "src/scc_sync/__pycache__/cli.cpython-311.pyc",
        "src/scc_sync.egg-info/PKG-INFO",
    ):
        assert _ignored(path), f"{path} would be sent to the Docker daemon"


def test_everything_the_dockerfile_copies_is_in_the_context() -> None:
    sources = _copied_sources()
    assert {"pyproject.toml", "README.md", "src", "templates"} <= set(sources)
    for source in sources:
        assert (REPO / source).exists(), source
        assert not _ignored(source), f"the Dockerfile copies {source}, but .dockerignore leaves it out"
