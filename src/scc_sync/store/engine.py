"""Opening the state database: engine set-up per dialect, transactions, migrations on start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from scc_sync.errors import SccSyncError

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x5CC5_0000  # PostgreSQL advisory lock key: workers starting together migrate one at a time
SQLITE_BUSY_TIMEOUT_MS = 30_000


class StoreError(SccSyncError):
    """The state database cannot be opened or used; the message names the database."""


class Store:
    """The state database. `write()` and `read()` hand out connections inside a transaction.

    On SQLite every write transaction starts with BEGIN IMMEDIATE: it takes the write lock up front, so two
    processes never deadlock upgrading a read lock to a write lock (they wait up to the busy timeout instead).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _create_engine(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(scc_read_only=True) as conn, conn.begin():
            yield conn

    def migrate(self) -> None:
        """Upgrade the schema in place to the newest version."""
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":  # several workers may start at once
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                cfg = _alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            raise StoreError(
                f"{hide_password(self.url)}: cannot migrate the state database: {exc.orig}"
            ) from None

    def ping(self) -> None:
        """Ask the database for nothing: raises when it does not answer."""
        with self.read() as conn:
            conn.execute(text("SELECT 1"))

    def schema_version(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open (and by default upgrade) the state database at a SQLAlchemy URL."""
    store = Store(url)
    if migrate:
        store.migrate()
    return store


def read_schema_version(url: str) -> str | None:
    """The schema version of the database at `url` (None: no tables yet); creates and upgrades nothing."""
    try:
        with open_store(url, migrate=False) as store:
            return store.schema_version()
    except SQLAlchemyError as exc:
        raise StoreError(str(getattr(exc, "orig", None) or exc)) from None


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def describe_database(url: str) -> str:
    """Where the state lives: a file path, or the URL without its password."""
    file = sqlite_file(url)
    return str(file.resolve()) if file else hide_password(url)


def libpq_url(url: str) -> str:
    """A PostgreSQL SQLAlchemy URL (`postgresql+psycopg://…`) as libpq takes it (`postgresql://…`), with
    its password and options, for a library that connects by itself (the cluster's task queue)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise StoreError(f"{hide_password(url)}: not a PostgreSQL database")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def hide_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"{url}: not a database URL or path") from None
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{parsed.database}: cannot create the state folder {folder}: {exc.strerror}"
            ) from None
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN itself
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    read_only = conn.get_execution_options().get("scc_read_only", False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
