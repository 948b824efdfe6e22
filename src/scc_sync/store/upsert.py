"""INSERT … ON CONFLICT DO NOTHING on both dialects (a failed INSERT would abort a PostgreSQL transaction)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(
    conn: Connection, table: Table, values: Mapping[str, Any], conflict: Sequence[str]
) -> Any | None:
    """Insert one row unless it conflicts on `conflict`; returns the new primary key, or None."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    pk = next(iter(table.primary_key.columns))
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    return conn.execute(stmt.returning(pk)).scalar()
