"""The database itself: the engine and its connection settings, the schema's revision and
migrations, and what to say when the database cannot be used."""

from __future__ import annotations

import ast
import functools
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    NoSuchModuleError,
    OperationalError,
)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@functools.cache
def head_revision() -> str:
    """The newest migration's revision, read from the files in migrations/versions/ (the one no
    other migration names as its ``down_revision``), without importing Alembic."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found: dict[str, str | None] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                value = node.value.value
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                        found[target.id] = value if isinstance(value, str) else None
        if isinstance(found.get("revision"), str):
            revisions[str(found["revision"])] = found.get("down_revision")
    heads = set(revisions) - {down for down in revisions.values() if down}
    if len(heads) != 1:
        raise RuntimeError(f"migrations must form one line, found heads {sorted(heads)}")
    return heads.pop()


class StoreError(Exception):
    """The database cannot be reached or used; the message says which and what to do."""


def normalize_url(url: str) -> str:
    """postgres:// and postgresql:// use the psycopg 3 driver; sqlite URLs are kept."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
    # let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: writers queue instead of deadlocking
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


# the execution option that marks a connection that only reads (``Store.reader``)
READ_ONLY = "declaration_read_only"


def _sqlite_begin(conn: Any) -> None:
    # A reader must not take the write lock: BEGIN IMMEDIATE would queue it behind every writer
    # (and SQLite's busy handler sleeps between tries). It begins nothing: each of its statements
    # reads one consistent snapshot on its own (WAL), and rolling back nothing costs nothing.
    if not conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        engine = create_engine(
            url,
            pool_size=10,
            max_overflow=10,
            # a server that never answers is reported after 10 s instead of hanging the start
            connect_args={"connect_timeout": 10},
        )
        _ping_when_idle(engine)
        return engine
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StoreError(
            f"DATABASE_URL cannot be used ({_first_line(exc)}): use "
            "sqlite:///declaration-bot.sqlite3 or postgresql://user:password@host/dbname"
        ) from None


# A pooled PostgreSQL connection unused for this long is pinged before it is handed out: one
# idle all night may have been closed by the server, a restart or a proxy in between
IDLE_PING_SECONDS = 5.0
_CHECKED_IN = "declaration_checked_in"


def _ping_when_idle(engine: Engine) -> None:
    """Like ``pool_pre_ping``, but only for connections that have been idle: a busy bot reuses its
    connections within milliseconds, and a ping before each use costs a round trip and about
    100 µs of CPU per transaction. A connection found dead is replaced (the pool tries again);
    after a server restart, the pool drops all its connections at the first error."""
    dialect = engine.dialect

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_CHECKED_IN)
        if last is not None and time.monotonic() - last < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError(f"idle connection found closed: {_first_line(exc)}") from exc

    def checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else exc).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(exc).__name__


def _database_problem(engine: Engine, exc: Exception) -> str:
    """One line: what is wrong with the database DATABASE_URL names, and what to do."""
    url = engine.url
    reason = _first_line(exc)
    if not isinstance(exc, DBAPIError):  # Alembic's CommandError: a revision we do not know
        return (
            f"the database at DATABASE_URL ({url.render_as_string()}) was set up by another "
            f"program or a newer declaration-bot ({reason}); point DATABASE_URL at the bot's own "
            "database or a new one"
        )
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.parent.is_dir():
            return (
                f"DATABASE_URL names a file in a folder that does not exist ({path.parent}): "
                "create the folder or point DATABASE_URL at another file"
            )
        if "not a database" in reason:
            return (
                f"DATABASE_URL names {path}, which is not a SQLite database: point it at the "
                "bot's database file or at a new file, e.g. sqlite:///declaration-bot.sqlite3"
            )
        return (
            f"cannot use the SQLite file DATABASE_URL names ({path}): {reason}; check that the "
            "file and its folder are writable, or point DATABASE_URL at another file"
        )
    if isinstance(exc, OperationalError):
        return (
            f"cannot connect to the database at DATABASE_URL ({url.render_as_string()}): "
            f"{reason}; check that the server is running and the URL's host, port, user, "
            "password and database name"
        )
    return f"cannot use the database at DATABASE_URL ({url.render_as_string()}): {reason}"


class Database:
    """One database: its writing transactions (:meth:`write`), the connections that only read,
    and its schema. Each store method is one transaction of SQLAlchemy Core
    statements (no ORM) and returns plain frozen values."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        # connections that only read, one statement at a time: on SQLite they never wait for the
        # write lock, on PostgreSQL they skip BEGIN and ROLLBACK (two round trips)
        options: dict[str, Any] = {READ_ONLY: True}
        if self.is_postgres:
            options["isolation_level"] = "AUTOCOMMIT"
        self.reader = engine.execution_options(**options)
        # writes that are one statement, atomic on their own: on PostgreSQL without BEGIN and
        # COMMIT around them (two round trips); on SQLite a transaction as any write
        self.one_statement = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if self.is_postgres else None
        )
        # SQLite takes one writer at a time; this process's writers queue here, where the next
        # one starts as soon as the last has committed, instead of in SQLite's busy handler,
        # which sleeps 1 to 100 ms between tries (the ack of a channel command waits for it)
        self._writers = None if self.is_postgres else threading.Lock()
        # who holds a lease: unique per store, so two clocks in one process fence each other too
        self.worker = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One writing transaction: committed when the block ends, rolled back if it raises."""
        if self._writers is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._writers, self.engine.begin() as conn:
            yield conn

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Self:
        store = cls(make_engine(url))
        if migrate:
            try:
                store.migrate()
            except BaseException:
                store.close()
                raise
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest revision (Alembic); safe to run at every start.

        A current schema is recognised with one query, without loading Alembic (a third of a
        second of imports at every start of every command)."""
        if self.schema_revision() == head_revision():
            return
        from alembic import command
        from alembic.config import Config
        from alembic.util.exc import CommandError

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                if self.is_postgres:
                    # two processes starting at once must not migrate concurrently
                    conn.execute(text("SELECT pg_advisory_xact_lock(7243619)"))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except (DBAPIError, CommandError) as exc:
            raise StoreError(_database_problem(self.engine, exc)) from None

    def require_current(self) -> None:
        """Raise StoreError unless the schema is this version's (for starts without migrating)."""
        found = self.schema_revision()
        if found != head_revision():
            raise StoreError(
                f"the database at DATABASE_URL is at schema revision {found or 'none'}, this "
                f"version needs {head_revision()}: run `declaration-bot migrate` first (or start "
                "without --no-migrate)"
            )

    def ping(self) -> None:
        """Raise unless the database answers a query (readiness probes)."""
        with self.reader.connect() as conn:
            conn.execute(text("SELECT 1"))

    def schema_revision(self) -> str | None:
        """The revision the database is at, or None (no schema yet, or no database)."""
        try:
            with self.reader.connect() as conn:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None

    def close(self) -> None:
        self.engine.dispose()
