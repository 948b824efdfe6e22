"""The sender of the sign-up mails: a thread of the process that serves the pages (`scc-sync web`, `run`).

A page only promises its mail in the delivery ledger and wakes the sender; the sender sends what is due
(`pipeline.subscriptions.send_signup_mails`) over a mail server connection of its own, opened for each
round and closed after it. So no page waits for a mail server, however slow, and no page waits for
another page's mail. At start it sends what a stopped or killed process left queued, and every
`[service] retry_check` what a server deferred.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import closing
from types import TracebackType

from scc_sync.clock import Clock
from scc_sync.config import Config
from scc_sync.newsletter.transports import Transport
from scc_sync.pipeline.subscriptions import send_signup_mails
from scc_sync.store import Store

log = logging.getLogger(__name__)
# How long a stopping process waits for a message in flight: a sign-up mail is small, and a healthy relay
# answers well within this. One cut off is settled by its lease, as after a crash.
STOP_WAIT = 5.0


class SignUpSender:
    """`wake()` after queueing a sign-up mail; `close()` lets a round in progress finish.

    `config` gives the config current at each round (a reload may change it); `transport` opens the
    transport for a round (the caller's `Effects.transport`)."""

    def __init__(
        self,
        store: Store,
        *,
        config: Callable[[], Config],
        transport: Callable[[Config], Transport],
        now: Clock,
    ) -> None:
        self._store, self._config, self._transport, self._now = store, config, transport, now
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._rounds = threading.Condition()
        self._requested = 0  # wake-ups so far ...
        self._done = 0  # ... and how many of them a finished round has answered
        self._thread = threading.Thread(target=self._run, name="sign-up mails", daemon=True)

    def start(self) -> SignUpSender:
        self.wake()  # the first round sends what an earlier process left queued
        self._thread.start()
        return self

    def wake(self) -> None:
        with self._rounds:
            self._requested += 1
        self._wakeup.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until a round has started and finished since the last `wake()`; False on timeout."""
        with self._rounds:
            target = self._requested
            return self._rounds.wait_for(lambda: self._done >= target, timeout)

    def close(self, timeout: float | None = STOP_WAIT) -> None:
        """Stop after the round in progress and one for any wake-up still waiting; wait `timeout` for it."""
        self._stopping.set()
        self._wakeup.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("sign-up mails: a mail server is still busy with a message; not waiting longer")

    def __enter__(self) -> SignUpSender:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self) -> None:
        while True:
            if not self._stopping.is_set():
                self._wakeup.wait(self._config().service.retry_check.total_seconds())
            self._wakeup.clear()
            with self._rounds:
                target = self._requested
                if self._stopping.is_set() and target == self._done:
                    return
            self._round()
            with self._rounds:
                self._done = target
                self._rounds.notify_all()

    def _round(self) -> None:
        try:
            config = self._config()
            with closing(self._transport(config)) as transport:
                report = send_signup_mails(config, self._store, transport, now=self._now)
        except Exception:  # the thread must outlive a database or template problem; the next round retries
            log.exception("sign-up mails: sending failed; trying again at the next sign-up or retry")
            return
        tried = report.sent + report.problems + report.suppressed
        log.log(logging.INFO if tried else logging.DEBUG, "%s", report.line())
