"""The database: one engine for writes (transactions) and a lean path for hot point reads.

SQLite: WAL journal, a busy timeout, and write transactions opened with ``BEGIN
IMMEDIATE`` (a plain deferred ``BEGIN`` upgrades its lock at the first write and loses
concurrent writers to SQLITE_BUSY). PostgreSQL: psycopg 3 through SQLAlchemy's pool.

Hot reads (``fetch_one``/``fetch_all``) skip SQLAlchemy's execution layer: each
:class:`Query` is compiled once per dialect and run on a raw DBAPI cursor, about six
times cheaper than ``Connection.execute`` for a point read.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import ClauseElement

Row = tuple[Any, ...]


class Query:
    """A SQLAlchemy statement compiled once per dialect to a DBAPI string."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        """SQL text, positional parameter order (None for named styles), literal values."""
        cached = self._compiled.get(dialect.name)
        if cached is None:
            compiled = self.statement.compile(dialect=dialect)
            order = getattr(compiled, "positiontup", None)  # set by positional (qmark) dialects
            positions = tuple(order) if order else None
            # Literals in the statement (status == 'active') are bind parameters too.
            literals = {k: v for k, v in compiled.params.items() if v is not None}
            cached = (str(compiled), positions, literals)
            self._compiled[dialect.name] = cached
        return cached


class Database:
    """Owns the engine; hands out write transactions and fast read cursors."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.split(":///", 1)[1]
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if path != ":memory:":
                # Created 0600 before SQLite opens it (its -wal and -shm files take the same
                # mode): it holds password hashes and encrypted secrets, for us alone.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self.sqlite_path: str | None = path
            self.engine: Engine = create_engine(
                url,
                connect_args={"isolation_level": None, "check_same_thread": False, "timeout": 30},
                poolclass=NullPool if path == ":memory:" else None,
            )
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
        else:
            self.sqlite_path = None
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.dialect = self.engine.dialect
        self._local = threading.local()
        self._watches: list[ChangeWatch] = []
        # Write transactions committed through this object (this process), counted after
        # the commit: caches compare it to notice this process's own changes at once.
        self.commits = 0

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction; commits on success, rolls back on any exception."""
        with self.engine.begin() as conn:
            yield conn
        self.commits += 1

    # -- hot reads -------------------------------------------------------------------

    def _sqlite_reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "reader", None)
        if conn is None:
            assert self.sqlite_path is not None
            conn = sqlite3.connect(self.sqlite_path, isolation_level=None, check_same_thread=False)
            _sqlite_on_connect(conn, None)
            self._local.reader = conn
        return conn

    def _run(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        sql, positions, literals = query.compiled(self.dialect)
        args: Sequence[Any] | Mapping[str, Any]
        if positions is not None:
            # Caller's values first, the statement's own literals for the rest (a list
            # comprehension: this runs on every hot read, and a generator costs more).
            args = [params[name] if name in params else literals[name] for name in positions]
        else:
            args = {**literals, **params} if literals else params
        if self.is_sqlite:
            return self._sqlite_reader().execute(sql, args).fetchall()
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql, args)
            rows = [tuple(r) for r in cursor.fetchall()]
            raw.commit()
            return rows
        finally:
            raw.close()

    def change_watch(self) -> ChangeWatch | None:
        """A cheap "did anyone commit since?" for caches; None when the engine has none (PostgreSQL)."""
        if self.sqlite_path is None:
            return None
        watch = ChangeWatch(self.sqlite_path)
        self._watches.append(watch)
        return watch

    def fetch_one(self, query: Query, **params: Any) -> Row | None:
        rows = self._run(query, params)
        return rows[0] if rows else None

    def fetch_all(self, query: Query, **params: Any) -> list[Row]:
        return self._run(query, params)

    def dispose(self) -> None:
        reader = getattr(self._local, "reader", None)
        if reader is not None:
            reader.close()
            self._local.reader = None
        for watch in self._watches:
            watch.close()
        self.engine.dispose()


class ChangeWatch:
    """SQLite's ``PRAGMA data_version`` on a connection of its own.

    The number changes whenever another connection, in this process or any other,
    commits to the database file; this connection never writes, so every write counts.
    It costs about as much as the SQL call itself (1-2 us): much less than a query
    through our read path. Used by the credentials cache to notice revocations.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def version(self) -> int:
        conn = self._conn
        if conn is None:
            # Opened on first use: the file may be created (migrated) after we are made.
            conn = self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            _sqlite_on_connect(conn, None)
        row = conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
