"""cluster: the workers of `scc-sync worker` and the cluster's shared sending pace

`cluster_workers` lists the processes of a cluster (host, pid, heartbeat, current task) for `status` and
for closing the runs of a worker that died; `send_slots` holds the next free sending slot, so
`[delivery] max_per_second` holds for all workers together.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import scc_sync.store.schema

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, scc_sync.store.schema.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "cluster_workers",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("queue_worker", sa.Integer(), nullable=True),
        sa.Column("listen", sa.String(length=100), nullable=True),
        _utc("started_at"),
        _utc("heartbeat_at"),
        _utc("stopped_at", nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=True),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_workers")),
    )
    op.create_table(
        "send_slots",
        sa.Column("name", sa.String(length=40), nullable=False),
        _utc("next_free"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_send_slots")),
    )


def downgrade() -> None:
    op.drop_table("send_slots")
    op.drop_table("cluster_workers")
