"""Shared fixtures. The fetch layer contributes the local HTTP server (see tests/httpserver.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from httpserver import LocalServer


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1 (free port), stopped after the test."""
    with LocalServer() as server:
        yield server
