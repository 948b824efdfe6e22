"""The one clock: the time now, timezone-aware, in UTC.

Code that needs the time takes a `Clock` (a function returning it) and is handed `utc_now` by the faces,
or a fixed clock by a test, the demo and `--as-of`; nothing else asks the system for the time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
