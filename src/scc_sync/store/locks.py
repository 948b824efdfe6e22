"""Named leases in the store: one sync (or digest) at a time across processes, on SQLite and PostgreSQL.

A lease expires, so a process killed while holding it does not block the next run forever; holders renew
it while they work (see `pipeline.job`), which also lets a short lease outlive a long job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from scc_sync.store.engine import Store
from scc_sync.store.schema import locks


class LockBusy(Exception):
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
