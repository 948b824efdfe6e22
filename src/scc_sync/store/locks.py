"""Named leases in the store: one sync (or digest) at a time across processes, on SQLite and PostgreSQL.

`hold` is what jobs use: a short lease (LEASE_TTL), renewed by a thread while the job runs, so a process
killed while holding it blocks the next run for at most LEASE_TTL; a holder on this host whose process is
gone is detected at once by its pid and its lease taken over. Owners are "host:pid:run-id". Leases run on
the wall clock, never on a job's (possibly fixed) business clock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from scc_sync.clock import utc_now
from scc_sync.errors import BusyError
from scc_sync.logs import RUN_ID
from scc_sync.store.engine import Store
from scc_sync.store.runs import abandon_runs
from scc_sync.store.schema import locks

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(minutes=2)
RENEW_EVERY = LEASE_TTL / 4


class LockBusy(BusyError):
    def __init__(self, name: str, owner: str, expires: datetime) -> None:
        super().__init__(
            f"'{name}' is already running (held by {owner} until {expires:%Y-%m-%d %H:%M:%S} UTC)"
        )
        self.name, self.owner, self.expires = name, owner, expires


def acquire(store: Store, name: str, owner: str, *, now: datetime, ttl: timedelta) -> None:
    """Take the lease `name` for `owner`, or raise LockBusy naming the holder."""
    try:
        with store.write() as conn:
            taken = conn.execute(
                update(locks)
                .where(locks.c.name == name, or_(locks.c.expires_at <= now, locks.c.owner == owner))
                .values(owner=owner, acquired_at=now, expires_at=now + ttl)
            ).rowcount
            if not taken:
                conn.execute(
                    insert(locks).values(name=name, owner=owner, acquired_at=now, expires_at=now + ttl)
                )
    except IntegrityError:
        with store.read() as conn:
            row = conn.execute(select(locks).where(locks.c.name == name)).one()
        raise LockBusy(name, row.owner, row.expires_at) from None


def renew(store: Store, name: str, owner: str, *, now: datetime, ttl: timedelta) -> bool:
    with store.write() as conn:
        return bool(
            conn.execute(
                update(locks).where(locks.c.name == name, locks.c.owner == owner).values(expires_at=now + ttl)
            ).rowcount
        )


def take_over(store: Store, name: str, old_owner: str, owner: str, *, now: datetime, ttl: timedelta) -> bool:
    """Take the lease from `old_owner` (known to be dead); False if someone else got there first."""
    with store.write() as conn:
        return bool(
            conn.execute(
                update(locks)
                .where(locks.c.name == name, locks.c.owner == old_owner)
                .values(owner=owner, acquired_at=now, expires_at=now + ttl)
            ).rowcount
        )


def release(store: Store, name: str, owner: str) -> None:
    with store.write() as conn:
        conn.execute(delete(locks).where(locks.c.name == name, locks.c.owner == owner))


def release_all(conn: Connection, owner: str) -> None:
    """Give up every lease `owner` holds (a shutdown that stops waiting for its jobs)."""
    conn.execute(delete(locks).where(locks.c.owner == owner))


@contextmanager
def hold(store: Store, name: str, owner: str, *, renew_every: timedelta = RENEW_EVERY) -> Iterator[None]:
    """Hold the lease `name` while the block runs (renewed in the background); raise LockBusy if taken."""
    take(store, name, owner)
    keeper = _Keeper(store, name, owner, renew_every)
    try:
        yield
    finally:
        keeper.stop()
        release(store, name, owner)


def take(store: Store, name: str, owner: str, *, ttl: timedelta = LEASE_TTL) -> None:
    """Acquire the lease, taking it over from a holder on this host whose process has died."""
    try:
        acquire(store, name, owner, now=utc_now(), ttl=ttl)
    except LockBusy as busy:
        if not holder_is_dead(busy.owner) or not take_over(
            store, name, busy.owner, owner, now=utc_now(), ttl=ttl
        ):
            raise
        log.warning(
            "%s: took over the lease of %s, a process on this host that no longer runs", name, busy.owner
        )
        _mark_abandoned(store, name)


def holder_is_dead(owner: str) -> bool:
    """True when `owner` ran on this host and that process is gone (or is this pid in an earlier life)."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or parts[0] != socket.gethostname():
        return False  # another host: only the lease's expiry can tell
    pid = int(parts[1])
    if pid == os.getpid():
        return not owner_is_me(owner)  # a restarted container reuses pids
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def owner_is_me(owner: str) -> bool:
    return owner == f"{socket.gethostname()}:{os.getpid()}:{RUN_ID}"


def _mark_abandoned(store: Store, name: str) -> None:
    """The dead holder's job_runs row would say "running" forever: close it."""
    with store.write() as conn:
        abandon_runs(conn, name, now=utc_now())


class _Keeper:
    """Renews a lease every `every` until stopped."""

    def __init__(self, store: Store, name: str, owner: str, every: timedelta) -> None:
        self._store, self._name, self._owner, self._every = store, name, owner, every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopped.wait(self._every.total_seconds()):
            try:
                if not renew(self._store, self._name, self._owner, now=utc_now(), ttl=LEASE_TTL):
                    log.error("%s: lost the lease (it expired and was taken); finishing this run", self._name)
            except Exception:  # a database hiccup: try again next time; the lease has slack
                log.exception("%s: renewing the lease failed", self._name)
