"""Alembic environment: runs on the connection the store hands in (never from an ini file)."""

from alembic import context

from scc_sync.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds for ALTER
)
with context.begin_transaction():
    context.run_migrations()
