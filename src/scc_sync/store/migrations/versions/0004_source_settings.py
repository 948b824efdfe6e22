"""source settings: a fingerprint of the settings that decide what a source's bytes yield

A changed `link_selector` (or `allow_domains`, `fetch_articles`) must take effect at the next sync even when
the listing itself did not change, so the fingerprint is kept beside the validators that would say "304".

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("settings_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("sources", "settings_hash")
