"""The state store: SQLAlchemy Core on SQLite (default) or PostgreSQL. All SQL of scc-sync lives here.

`Connection` is the transaction `Store.read()` and `Store.write()` hand out, for code outside the store
that passes one from function to function without touching SQLAlchemy itself.
"""

from sqlalchemy import Connection

from scc_sync.store.engine import Store, StoreError, open_store

__all__ = ["Connection", "Store", "StoreError", "open_store"]
