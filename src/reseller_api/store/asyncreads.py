"""Hot reads on PostgreSQL without blocking the event loop (``Database.fetch_one_async``).

Loaded only for PostgreSQL: a SQLite server never imports asyncpg.
"""

from __future__ import annotations

import asyncio
from collections import deque

import asyncpg

from reseller_api.eventloops import close_socket
from reseller_api.store.driver import CONNECT_TIMEOUT, Args, DatabaseUnavailable, Row


class AsyncReads:
    """asyncpg connections for hot reads, on one event loop.

    asyncpg, not psycopg's async connections: a point read costs about 20 us of CPU
    against 50 (measured; the hot path makes one or two per request). Statements are
    prepared once per connection (asyncpg's statement cache) and run outside any
    transaction. A pool of its own, not ``asyncpg.create_pool``: that one runs a reset
    query (a round trip) whenever a connection comes back. At most ``size`` connections;
    a read that finds them all busy waits for one. asyncpg reads its sockets from the
    event loop, so a connection the server closed is known closed (``is_closed()``)
    before anyone picks it.
    """

    def __init__(self, url: str, size: int, loop: asyncio.AbstractEventLoop) -> None:
        self.dsn = "postgresql://" + url.split("://", 1)[1]
        self.size = size
        self.loop = loop
        self._idle: list[asyncpg.Connection] = []
        self._open = 0
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()

    async def run(self, sql: str, args: Args) -> list[Row]:
        for attempt in (1, 2):
            conn = await self._acquire()
            try:
                records = await conn.fetch(sql, *args)
            except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError) as exc:
                self._release(conn)
                if not conn.is_closed() or attempt == 2:
                    raise DatabaseUnavailable(str(exc)) from exc
                continue  # the server went away since this connection was made: once more
            except BaseException:
                self._release(conn)
                raise
            self._release(conn)
            return [tuple(record) for record in records]
        raise AssertionError("unreachable")

    async def _acquire(self) -> asyncpg.Connection:
        while self._idle:
            idle = self._idle.pop()
            if not idle.is_closed():
                return idle
            self._open -= 1
        if self._open >= self.size:
            waiter: asyncio.Future[asyncpg.Connection | None] = self.loop.create_future()
            self._waiters.append(waiter)
            try:
                handed = await waiter  # a connection, or None: a slot freed, open one
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # handed over as we were cancelled
                    given = waiter.result()
                    if given is None:
                        self._wake(None)
                    else:
                        self._release(given)
                raise
            if handed is not None:
                return handed
        self._open += 1
        try:
            conn: asyncpg.Connection = await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT)
        except BaseException as exc:
            self._open -= 1
            self._wake(None)
            if isinstance(exc, (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)):
                raise DatabaseUnavailable(f"cannot connect: {exc}") from exc
            raise
        return conn

    def _release(self, conn: asyncpg.Connection) -> None:
        if conn.is_closed() or conn.is_in_transaction():
            self._open -= 1
            conn.terminate()
            self._wake(None)
        elif not self._wake(conn):
            self._idle.append(conn)

    def _wake(self, conn: asyncpg.Connection | None) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return True
        return False

    def close_now(self) -> None:
        """Close the idle connections, from any thread, even once their event loop has ended."""
        while self._idle:
            self._open -= 1
            conn = self._idle.pop()
            try:
                conn.terminate()  # aborts the transport: no round trip, nothing awaited
            except RuntimeError:
                close_socket(conn._transport)  # its loop has ended (see eventloops)
