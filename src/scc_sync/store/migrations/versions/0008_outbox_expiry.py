"""outbox expiry: a message is not sent once its time is past; it becomes `expired`

A reminder is worth sending only on the day it was queued (its text counts the days from then) and never once
its event has started; mail queued by a run with `--as-of` only for a day after that time. `expires_at` holds
that moment; the send loop settles a row past it as `expired` instead of sending it.

Reminders queued before this revision and still waiting get their event's start as the limit, at the
earliest local midnight anywhere (00:00 at UTC+14): the zone of the config is unknown here, and such a
reminder must not arrive after its event began.

Revision ID: 0008
Revises: 0007
"""

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

import scc_sync.store.schema

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

EARLIEST_ZONE = timedelta(hours=14)
WAITING = ("queued", "sending", "deferred", "unknown")


def upgrade() -> None:
    op.add_column("outbox", sa.Column("expires_at", scc_sync.store.schema.UtcDateTime(), nullable=True))
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("ref", sa.String),
        sa.column("state", sa.String),
        sa.column("expires_at", scc_sync.store.schema.UtcDateTime()),
    )
    events = sa.table("events", sa.column("key", sa.String), sa.column("start_date", sa.Date))
    conn = op.get_bind()
    starts = dict(conn.execute(sa.select(events.c.key, events.c.start_date)).all())
    waiting = conn.execute(
        sa.select(outbox.c.id, outbox.c.ref).where(outbox.c.kind == "reminder", outbox.c.state.in_(WAITING))
    ).all()
    for row_id, ref in waiting:
        start = starts.get(ref.rpartition(":")[0])  # the ref is "{event key}:{offset}"
        if start is not None:
            limit = datetime.combine(start, time(0), tzinfo=UTC) - EARLIEST_ZONE
            conn.execute(sa.update(outbox).where(outbox.c.id == row_id).values(expires_at=limit))


def downgrade() -> None:
    op.drop_column("outbox", "expires_at")
