"""article re-checks: per-item validators and check times, so page sources notice later edits

A page source re-fetches its known articles for a while after first seeing them (`[sync] recheck_articles`),
at most once per `[sync] recheck_every`, with a conditional GET. Each item keeps its article's ETag and
Last-Modified, a hash of the bytes last read, when it was last fetched, and when it answered 404/410.

All columns may be empty: items from before this migration are re-checked with a plain GET once (counted
from their first-seen time), and feed items never use them.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import scc_sync.store.schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("article_etag", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("article_last_modified", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("article_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "items",
        sa.Column("article_checked_at", scc_sync.store.schema.UtcDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "items", sa.Column("article_gone_at", scc_sync.store.schema.UtcDateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    for name in (
        "article_gone_at",
        "article_checked_at",
        "article_hash",
        "article_last_modified",
        "article_etag",
    ):
        op.drop_column("items", name)
