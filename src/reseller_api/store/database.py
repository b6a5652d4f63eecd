"""The database: one engine for writes (transactions) and a lean path for hot point reads.

SQLite: WAL journal, a busy timeout, and write transactions opened with ``BEGIN
IMMEDIATE`` (a plain deferred ``BEGIN`` upgrades its lock at the first write and loses
concurrent writers to SQLITE_BUSY). PostgreSQL: psycopg 3 through SQLAlchemy's pool.

Hot reads (``fetch_one``/``fetch_all``) skip SQLAlchemy's execution layer: each
:class:`Query` is compiled once per dialect and run on a raw DBAPI cursor, about six
times cheaper than ``Connection.execute`` for a point read.

On PostgreSQL a read is one round trip: the connection is in autocommit for it (no
BEGIN, no COMMIT), psycopg prepares the statements it runs repeatedly, and no
connection is pinged when it leaves a pool (``SELECT 1`` was a round trip of its own on
every checkout). Instead a pooled connection whose socket has something to read while
idle (the server closed it, or said why before closing) is discarded at checkout, a
syscall; connections are recycled after :data:`RECYCLE_SECONDS`; and a read that finds
its connection dead anyway (the server went away since) is retried once on a new one.
``fetch_one_async``/``fetch_all_async`` do the same on asyncpg connections
(:class:`AsyncReads`), so the event loop serves other requests during the round trip.
"""

from __future__ import annotations

import asyncio
import os
import select
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from sqlalchemy import Connection, Engine, RootTransaction, create_engine, event
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import ClauseElement

from reseller_api.store.driver import CONNECT_TIMEOUT, Args, DatabaseUnavailable, Row

if TYPE_CHECKING:
    from reseller_api.store.asyncreads import AsyncReads

# Compiles statements for asyncpg ($1 parameters).
_ASYNCPG: Dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
# A pooled PostgreSQL connection older than this is replaced at checkout (firewalls and
# proxies drop idle connections silently; this bounds how old one can get).
RECYCLE_SECONDS = 1800


class Query:
    """A SQLAlchemy statement compiled once per dialect to a DBAPI string."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        """SQL text, positional parameter order (None for named styles), literal values."""
        name = f"{dialect.name}+{dialect.driver}"  # psycopg's named parameters, asyncpg's $1
        cached = self._compiled.get(name)
        if cached is None:
            compiled = self.statement.compile(dialect=dialect)
            order = getattr(compiled, "positiontup", None)  # set by positional (qmark) dialects
            positions = tuple(order) if order else None
            # Literals in the statement (status == 'active') are bind parameters too.
            literals = {k: v for k, v in compiled.params.items() if v is not None}
            cached = (str(compiled), positions, literals)
            self._compiled[name] = cached
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
            self.engine = create_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_recycle=RECYCLE_SECONDS,
                connect_args={"connect_timeout": CONNECT_TIMEOUT},
            )
            event.listen(self.engine, "checkout", _discard_if_closed)
        event.listen(self.engine, "checkout", _flush_held_on_checkout)
        self.pool_size = pool_size
        self._async_reads: AsyncReads | None = None  # PostgreSQL: asyncpg, on the app's event loop
        self.dialect = self.engine.dialect
        self._local = threading.local()
        self._watches: list[ChangeWatch] = []
        # Write transactions committed through this object (this process), counted after
        # the commit: caches compare it to notice this process's own changes at once.
        self.commits = 0

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction; commits on success, rolls back on any exception.

        Inside a request that holds its commit (:class:`HeldCommit`), the first transaction
        stays open when its block ends and later ones join it as savepoints: the request's
        layer commits them all, with its own record, once the response is known.
        """
        held = HELD_COMMIT.get()
        if held is not None and held.database is self:
            with held.join() as conn:
                yield conn
            return
        with self.engine.begin() as conn:
            yield conn
            if COMMIT_HOOKS.get():
                run_commit_hooks(conn)
        self.commits += 1

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """For statements that each stand alone (reads, single-statement upserts).

        PostgreSQL: in autocommit, so no BEGIN and no COMMIT round trips around them.
        SQLite: a :meth:`transaction` (the same, for one statement).
        """
        if self.is_sqlite or HELD_COMMIT.get() is not None:
            # (A held commit: the statement joins it, so it commits with the request's record.)
            with self.transaction() as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")

    # -- hot reads -------------------------------------------------------------------

    def _sqlite_reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "reader", None)
        if conn is None:
            assert self.sqlite_path is not None
            conn = sqlite3.connect(self.sqlite_path, isolation_level=None, check_same_thread=False)
            _sqlite_on_connect(conn, None)
            self._local.reader = conn
        return conn

    @staticmethod
    def _arguments_for(dialect: Dialect, query: Query, params: Mapping[str, Any]) -> tuple[str, Args]:
        sql, positions, literals = query.compiled(dialect)
        if positions is not None:
            # Caller's values first, the statement's own literals for the rest (a list
            # comprehension: this runs on every hot read, and a generator costs more).
            return sql, [params[name] if name in params else literals[name] for name in positions]
        return sql, ({**literals, **params} if literals else params)

    def _run(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        sql, args = self._arguments_for(self.dialect, query, params)
        if self.is_sqlite:
            if HELD_COMMIT.get() is not None:  # (a contextvar read: the hot path pays ~30 ns)
                _flush_held()  # our reader is a connection of its own: it must see the request's writes
            return self._sqlite_reader().execute(sql, args).fetchall()
        for attempt in (1, 2):
            raw = self.engine.raw_connection()
            driver: psycopg.Connection[Any] = raw.driver_connection  # type: ignore[assignment]
            try:
                # Autocommit for the read alone: no BEGIN and no COMMIT round trips. The
                # pool's reset on return is then a no-op; writes get it back as they left it.
                driver.autocommit = True
                try:
                    return driver.execute(sql, args).fetchall()
                finally:
                    if not driver.broken:
                        driver.autocommit = False
            except psycopg.OperationalError as exc:
                if not driver.broken:
                    raise
                raw.invalidate()  # and the pool drops every connection made before it
                if attempt == 2:
                    raise DatabaseUnavailable(str(exc)) from exc
            finally:
                raw.close()
        raise AssertionError("unreachable")

    async def fetch_one_async(self, query: Query, **params: Any) -> Row | None:
        """``fetch_one`` without blocking the event loop on PostgreSQL (SQLite: inline, microseconds)."""
        rows = self._run(query, params) if self.is_sqlite else await self._run_async(query, params)
        return rows[0] if rows else None

    async def fetch_all_async(self, query: Query, **params: Any) -> list[Row]:
        return self._run(query, params) if self.is_sqlite else await self._run_async(query, params)

    async def _run_async(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        if HELD_COMMIT.get() is not None:
            _flush_held()
        reads = self._async_reads
        loop = asyncio.get_running_loop()
        if reads is None or reads.loop is not loop:
            from reseller_api.store.asyncreads import AsyncReads  # asyncpg: loaded for PostgreSQL only

            if reads is not None:
                reads.close_now()  # a loop that has ended (tests run one loop per app)
            reads = self._async_reads = AsyncReads(self.url, self.pool_size, loop)
        sql, args = self._arguments_for(_ASYNCPG, query, params)
        return await reads.run(sql, args)

    async def close_async(self) -> None:
        """Close the async read connections of this event loop (the app's shutdown)."""
        if self._async_reads is not None and self._async_reads.loop is asyncio.get_running_loop():
            self._async_reads.close_now()
            self._async_reads = None

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
        if self._async_reads is not None:
            self._async_reads.close_now()
            self._async_reads = None
        reader = getattr(self._local, "reader", None)
        if reader is not None:
            reader.close()
            self._local.reader = None
        for watch in self._watches:
            watch.close()
        self.engine.dispose()


class HeldCommit:
    r"""One request's writes, committed together at a moment its owner chooses.

    Set in :data:`HELD_COMMIT` by a layer that must write a record in the same transaction
    as whatever the request changes (conventions/idempotency.py: the stored response, so a
    crash between the commit and the answer still replays it). A block that raises rolls
    back its own changes only (a savepoint after the first); a block that ends keeps them
    for :meth:`commit`. The handler's thread and the layer use the connection one after
    the other, never at once.

    A request that goes on to read or write through another connection after its first
    transaction (an in-request push to a backend reads the committed state; SQLite would
    wait on our own lock) must see its changes committed: the first such use
    :meth:`flush`\ es the held transaction, with ``on_flush`` run in it, and the rest of the
    request commits as usual.
    """

    __slots__ = ("_outer", "connection", "database", "flushed", "on_flush")

    def __init__(self, database: Database, on_flush: Callable[[Connection], None] | None = None) -> None:
        self.database = database
        self.on_flush = on_flush
        self.connection: Connection | None = None
        self._outer: RootTransaction | None = None
        self.flushed = False

    @contextmanager
    def join(self) -> Iterator[Connection]:
        if self.flushed:  # committed early: the request's later transactions are ordinary
            with self.database.engine.begin() as conn:
                yield conn
                run_commit_hooks(conn)
            self.database.commits += 1
            return
        if self.connection is None:
            conn = self.database.engine.connect()
            outer = conn.begin()
            try:
                yield conn
                run_commit_hooks(conn)
            except BaseException:
                outer.rollback()
                conn.close()
                raise
            self.connection, self._outer = conn, outer
            return
        savepoint = self.connection.begin_nested()
        try:
            yield self.connection
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()

    def flush(self) -> None:
        """Commit what is held now (``on_flush`` first, in the same transaction)."""
        conn, outer = self.connection, self._outer
        if conn is None or outer is None:
            return
        self.connection = self._outer = None
        self.flushed = True
        try:
            if self.on_flush is not None:
                self.on_flush(conn)
            outer.commit()
        finally:
            conn.close()
        self.database.commits += 1

    def commit(self, last: Callable[[Connection], bool]) -> bool:
        """Run ``last`` in the held transaction (a new one if none is held), then commit;
        when ``last`` answers False that transaction is rolled back instead."""
        if self.connection is None:
            with self.database.engine.connect() as fresh, fresh.begin() as first:
                if not last(fresh):
                    first.rollback()
                    return False
            self.database.commits += 1
            return True
        conn, outer = self.connection, self._outer
        assert outer is not None
        self.connection = self._outer = None
        try:
            if not last(conn):
                outer.rollback()
                return False
            outer.commit()
        except BaseException:
            if outer.is_active:
                outer.rollback()
            raise
        finally:
            conn.close()
        self.database.commits += 1
        return True

    def abandon(self) -> None:
        """Roll back whatever is held (the request could not finish)."""
        if self.connection is not None and self._outer is not None:
            self._outer.rollback()
            self.connection.close()
        self.connection = self._outer = None

    @property
    def holds(self) -> bool:
        return self.connection is not None

    @property
    def wrote(self) -> bool:
        """Whether the request changed anything (held, or committed early)."""
        return self.connection is not None or self.flushed


# Writes that belong in the first transaction a request commits, whatever code commits it
# (the webhook outbox's event for a synchronous write: resources/webhooks/layer.py). Each
# runs once, inside that transaction, just before its commit.
COMMIT_HOOKS: ContextVar[list[Callable[[Connection], None]] | None] = ContextVar(
    "reseller_api_commit_hooks", default=None
)


def run_commit_hooks(conn: Connection) -> None:
    hooks = COMMIT_HOOKS.get()
    if hooks:
        pending = list(hooks)
        hooks.clear()  # the list is shared with the request's other threads: once per request
        for hook in pending:
            hook(conn)


def _flush_held() -> None:
    """Another connection is about to be used: a held transaction of this request commits first."""
    held = HELD_COMMIT.get()
    if held is not None and held.connection is not None:
        held.flush()


def _flush_held_on_checkout(_dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    _flush_held()


# The held commit of the request being handled, if it holds one (a ContextVar: it follows
# the request into the worker thread its handler runs in).
HELD_COMMIT: ContextVar[HeldCommit | None] = ContextVar("reseller_api_held_commit", default=None)


def _socket_closed(conn: psycopg.Connection[Any]) -> bool:
    """An idle connection with something to read was closed by the server (or told why): one syscall."""
    if conn.closed:
        return True
    try:
        readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.OperationalError):
        return True
    return bool(readable)


def _discard_if_closed(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """SQLAlchemy's checkout hook: a dead connection is replaced (the pool tries another)."""
    if _socket_closed(dbapi_conn):
        raise DisconnectionError("the server closed this connection")


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
