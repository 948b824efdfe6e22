"""outbox payloads: the message bytes move from `outbox` to their own table

The per-attempt state and lease updates of a ledger row then rewrite a small record instead of ~12 KiB of
mail (SQLite rewrites a whole record, overflow pages included, on any UPDATE).

The column is dropped with a plain ALTER TABLE … DROP COLUMN (SQLite >= 3.35), not a batch rebuild: a
rebuild drops the old `outbox` table, and with PRAGMA foreign_keys on (the store sets it, and it cannot be
switched inside the migration's transaction) that DROP deletes every row and cascades into
`digest_deliveries` and the new `outbox_payloads`.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_payloads",
        sa.Column("outbox_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_outbox_payloads_outbox_id_outbox"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_outbox_payloads")),
    )
    # rows without bytes (none are written so) have nothing to move; claiming one fails it with a reason
    op.execute(
        "INSERT INTO outbox_payloads (outbox_id, payload)"
        " SELECT id, payload FROM outbox WHERE payload IS NOT NULL"
    )
    op.drop_column("outbox", "payload")


def downgrade() -> None:
    op.add_column("outbox", sa.Column("payload", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE outbox SET payload = (SELECT p.payload FROM outbox_payloads p WHERE p.outbox_id = outbox.id)"
    )
    op.drop_table("outbox_payloads")
