"""The cluster's sending rate limit: `[delivery] max_per_second` for all workers together.

Each message takes the next free slot in the store (`store.cluster.reserve_send_slot`, on the database's
clock) and waits for it, so N workers send no faster than one would be allowed to.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from scc_sync.store import Store
from scc_sync.store.cluster import reserve_send_slot

PACE = "smtp"


class SharedPace:
    """A `Limiter` (see `newsletter.transports`) whose slots are shared through the store."""

    def __init__(
        self, store: Store, per_second: float, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"messages per second must be positive, got {per_second}")
        self.store, self.per_second, self._sleep = store, per_second, sleep

    def acquire(self) -> None:
        with self.store.write() as conn:
            wait = reserve_send_slot(conn, PACE, per_second=self.per_second)
        if wait > 0:
            self._sleep(wait)
