"""The test clock: freeze, advance, resume. The server reads it through ``reseller_api.clock``.

Sandbox time is ``frozen_at`` while frozen, else the wall clock plus ``clock_offset``. Each
change is one statement on the state row, so changes from two processes add up instead of
overwriting each other. Time only moves forward: what the API stored (expiries, estimates,
leases) never finds itself in the future of a clock that went back.
"""

from __future__ import annotations

import re
import time

from sqlalchemy import update

from reseller_api.sandbox import SandboxError
from reseller_api.sandbox.state import ROW_ID, State, read
from reseller_api.store.database import Database
from reseller_api.store.tables import sandbox_state as table

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_ADVANCE = 100 * 366 * 86400  # a century: enough for any expiry, well inside a float's precision


def parse_duration(text: str) -> float:
    """``366d``, ``12h``, ``90m``, ``30s``, ``2w``, or plain seconds; several parts add up (``1d12h``)."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        seconds = float(text)
    else:
        parts = re.findall(r"(\d+)([smhdw])", text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise SandboxError(f"not a duration: {text!r} (such as 366d, 12h, 90m, 30s or seconds)")
        seconds = float(sum(int(n) * _UNITS[u] for n, u in parts))
    if not 0 < seconds <= MAX_ADVANCE:
        raise SandboxError("a duration of more than 0 seconds and at most a century")
    return seconds


def freeze(database: Database) -> State:
    """Stop the clock at the sandbox's current time (a frozen clock stays frozen)."""
    wall = time.time()
    with database.transaction() as conn:
        conn.execute(
            update(table)
            .where(table.c.id == ROW_ID, table.c.frozen_at.is_(None))
            .values(frozen_at=table.c.clock_offset + wall, version=table.c.version + 1)
        )
    return read(database)


def advance(database: Database, seconds: float) -> State:
    """Move the sandbox's time forward, frozen or running."""
    if not 0 < seconds <= MAX_ADVANCE:
        raise SandboxError("a duration of more than 0 seconds and at most a century")
    with database.transaction() as conn:
        conn.execute(
            update(table)
            .where(table.c.id == ROW_ID)
            .values(
                clock_offset=table.c.clock_offset + seconds,
                frozen_at=table.c.frozen_at + seconds,  # NULL stays NULL
                version=table.c.version + 1,
            )
        )
    return read(database)


def resume(database: Database) -> State:
    """Let a frozen clock run again from where it stands."""
    wall = time.time()
    with database.transaction() as conn:
        conn.execute(
            update(table)
            .where(table.c.id == ROW_ID, table.c.frozen_at.is_not(None))
            .values(clock_offset=table.c.frozen_at - wall, frozen_at=None, version=table.c.version + 1)
        )
    return read(database)


def describe(state: State) -> dict[str, object]:
    """What ``sandbox clock show`` and ``GET /sandbox/clock`` say."""
    from reseller_api.jobs.service import iso

    now = state.now(time.time())
    return {
        "now": iso(now),
        "unix": round(now, 3),
        "frozen": state.frozen_at is not None,
        "offset_seconds": round(now - time.time(), 3),
    }


__all__ = ["advance", "describe", "freeze", "parse_duration", "resume"]
