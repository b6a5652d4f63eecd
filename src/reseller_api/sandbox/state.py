"""The sandbox's state: one row every process reads, through a cache of a tenth of a second.

The test clock is read on almost every request and job step (``reseller_api.clock``), so
it cannot cost a database read each time; and a change made by ``reseller-api sandbox``
(another process) must reach the server soon. A cache that is re-read when older than
``TTL`` gives both: a change is seen everywhere within 0.1 s, at once in the process that
made it (it drops its own cache). Nothing runs in the background: the cache is refreshed
by the caller that finds it stale, so there is no thread or task to stop at shutdown.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from reseller_api.sandbox.faults import Fault, active_request_faults
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import sandbox_state as table

TTL = 0.1
ROW_ID = 1
ESTIMATE, INSTANT, MANUAL = "estimate", "instant", "manual"
JOB_MODES = (ESTIMATE, INSTANT, MANUAL)


@dataclass(frozen=True, slots=True)
class State:
    clock_offset: float
    frozen_at: float | None
    job_mode: str
    version: int
    fixture_loaded: bool
    request_faults: tuple[Fault, ...]

    def now(self, wall: float) -> float:
        """The sandbox's time for a wall-clock reading."""
        return self.frozen_at if self.frozen_at is not None else wall + self.clock_offset


def ensure(database: Database) -> None:
    """Create the state row if it is missing (two processes may race: one insert wins)."""
    with database.engine.connect() as conn:
        exists = conn.execute(select(table.c.id).where(table.c.id == ROW_ID)).first()
    if exists is not None:
        return
    try:
        with database.transaction() as conn:
            conn.execute(
                insert(table).values(
                    id=ROW_ID, clock_offset=0.0, frozen_at=None, job_mode=ESTIMATE, version=1
                )
            )
    except IntegrityError:
        with database.engine.connect() as conn:  # another process inserted it first
            if conn.execute(select(table.c.id).where(table.c.id == ROW_ID)).first() is None:
                raise


_READ = Query(
    select(
        table.c.clock_offset,
        table.c.frozen_at,
        table.c.job_mode,
        table.c.version,
        table.c.snapshot.is_not(None),
    ).where(table.c.id == ROW_ID)
)


def read(database: Database) -> State:
    """On the read cursors (``fetch_one``): the clock is read inside write transactions too,
    and on SQLite a second transaction there would wait for the first's lock."""
    row = database.fetch_one(_READ)
    faults = active_request_faults(database)
    if row is None:
        return State(0.0, None, ESTIMATE, 0, False, faults)
    offset, frozen, mode, version, loaded = row
    return State(
        float(offset), None if frozen is None else float(frozen), mode, int(version), bool(loaded), faults
    )


def change(database: Database, **values: object) -> None:
    """Update the state row (its version moves on, so every cache sees a change)."""
    with database.transaction() as conn:
        conn.execute(update(table).where(table.c.id == ROW_ID).values(version=table.c.version + 1, **values))


class StateCache:
    """The state as last read, re-read when older than ``TTL`` (safe from any thread)."""

    def __init__(self, database: Database, ttl: float = TTL) -> None:
        self.database = database
        self.ttl = ttl
        self._lock = threading.Lock()
        self._state: State | None = None
        self._read_at = 0.0

    def get(self) -> State:
        state = self._state
        if state is not None and time.monotonic() - self._read_at < self.ttl:
            return state
        with self._lock:
            # Another thread may have refreshed it while this one waited.
            if self._state is not None and time.monotonic() - self._read_at < self.ttl:
                return self._state
            state = read(self.database)
            self._state, self._read_at = state, time.monotonic()
            return state

    def invalidate(self) -> None:
        """This process changed the state: the next read sees it."""
        self._state = None

    def time(self) -> float:
        """The sandbox's "now" (what :func:`reseller_api.clock.use` is given)."""
        return self.get().now(time.time())
