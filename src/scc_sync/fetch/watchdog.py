"""A deadline for one whole HTTP request, enforced by shutting its socket down.

Socket timeouts bound each single read, so a server that sends one byte of its status line or headers
just before every timeout can hold a request (and the worker thread running it) for as long as it
likes. A `Watchdog` is armed before the request; the connection that serves the request registers
itself with the watchdog of its thread (connections.py makes the pools use such connections). When
the deadline passes, the watchdog shuts the connection's socket down, which wakes the blocked read at
once; `expired` then tells the caller that whatever it got is incomplete.

One thread (`_Deadlines`) watches the deadlines of all requests, however many run at once: a thread
per request would cost more CPU than the rest of a small request together.

A connection belongs to the watchdog that registered it last, so a watchdog that fires late never
touches a connection that has since gone back to the pool and on to another request; and a connection
that was shut down is closed and opened afresh before it serves another request.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any

_current: contextvars.ContextVar[Watchdog | None] = contextvars.ContextVar("watchdog", default=None)
_lock = threading.Lock()  # guards which watchdog owns which connection, and their shutdowns


class Watchdog:
    """`with Watchdog(seconds):` around one request made in this thread; call `disarm()` when it is done.

    Disarm before the response is closed: closing hands the connection back to the pool.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._seconds = seconds
        self._done = False
        self._connection: Watched | None = None
        self._token: contextvars.Token[Watchdog | None] | None = None

    def __enter__(self) -> Watchdog:
        self._token = _current.set(self)
        _deadlines.watch(self, time.monotonic() + self._seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        self.disarm()
        if self._token is not None:
            _current.reset(self._token)
            self._token = None

    def disarm(self) -> None:
        with _lock:
            self._done = True
            self._connection = None

    def _attach(self, connection: Watched) -> None:
        with _lock:
            if self._done:
                return
            if connection._shot and not self.expired:
                # Shut down by an earlier request's watchdog: open it afresh, never reuse it.
                connection.close()  # type: ignore[attr-defined]
                connection._shot = False
            connection._owner = self
            self._connection = connection
            if self.expired:
                _shut_down(connection)

    def _expire(self) -> None:
        with _lock:
            if self._done:
                return
            self.expired = True
            connection = self._connection
            if connection is not None and connection._owner is self:
                _shut_down(connection)


class _Deadlines:
    """The one thread that expires every armed watchdog when its time has come.

    Watchdogs wait in a heap by deadline. A disarmed one stays there until its time and is then
    dropped: cheaper than searching the heap on every disarm, and most requests end long before.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Watchdog]] = []
        self._order = itertools.count()  # ties by deadline never compare watchdogs
        self._changed = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None

    def watch(self, watchdog: Watchdog, deadline: float) -> None:
        with self._changed:
            heapq.heappush(self._heap, (deadline, next(self._order), watchdog))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is watchdog:  # earlier than what the thread sleeps towards
                self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                due = self._pop_due()
                while not due:
                    self._changed.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                    due = self._pop_due()
            for watchdog in due:  # outside the heap's lock: expiring takes the connections' lock
                watchdog._expire()

    def _pop_due(self) -> list[Watchdog]:
        now = time.monotonic()
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap)[2])
        return due


_deadlines = _Deadlines()


def _after_fork_in_child() -> None:
    """A forked child has no deadlines thread, and must not wait on locks copied while held."""
    global _deadlines, _lock
    _deadlines = _Deadlines()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _shut_down(connection: Watched) -> None:
    """Wake whoever reads from the connection; only the reading thread closes it (closing is not thread-safe).

    Called with _lock held. Without a socket yet (still connecting, or in a TLS handshake, where
    `sock` is the raw socket already handed over to TLS), connect() comes back here when it is done.
    """
    connection._shot = True
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            # socket.socket's own shutdown: SSLSocket.shutdown would also drop its TLS state, which
            # the reading thread is still using.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Watched:
    """Mixin for urllib3 connections: register with the watchdog of the requesting thread."""

    sock: socket.socket | None
    _owner: Watchdog | None = None
    _shot = False

    def _register(self) -> None:
        if (watchdog := _current.get()) is not None:
            watchdog._attach(self)

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self._register()  # the deadline may have passed while connecting

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._register()
        super().request(*args, **kwargs)  # type: ignore[misc]
