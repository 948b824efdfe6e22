"""The state store: SQLAlchemy Core on SQLite (default) or PostgreSQL."""

from scc_sync.store.engine import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
