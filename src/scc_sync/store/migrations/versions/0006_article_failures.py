"""article failures: a memory of article pages that could not be read, so they are not asked for on every sync

An article page that answers 404/410 is not asked for again; one behind a bot wall, a cookie consent page or a
login (401/403) is asked again after a day, two, four, then no more; a server error or timeout a few times
within hours. The item keeps what its feed (or listing) gave. A successful read deletes the row.
`sources.article_warning` says what a source's article pages did wrong when any was last asked for.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import scc_sync.store.schema

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, scc_sync.store.schema.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("sources", sa.Column("article_warning", sa.Text(), nullable=True))
    op.create_table(
        "article_failures",
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        _utc("first_failed_at"),
        _utc("last_failed_at"),
        _utc("retry_at", nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source"],
            ["sources.name"],
            name=op.f("fk_article_failures_source_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source", "key", name=op.f("pk_article_failures")),
    )


def downgrade() -> None:
    op.drop_table("article_failures")
    op.drop_column("sources", "article_warning")
