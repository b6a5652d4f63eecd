"""Put rows back as they were when the platform refuses a change we already committed.

In-request changes commit our rows first and then push the whole committed state to the
backend (world steps never run inside our transactions: see jobs/registry.py). When the
push fails, the backend kept its previous state, so our rows must go back to theirs: a
refused or unreachable backend changes nothing.

Only if nobody changed them since: when another request committed on top of ours, its own
push carried the whole state, ours included, to the backend, and putting our "before" back
would erase its change. Then the rows stay, and a warning says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, delete, insert, select

from reseller_api.store.database import Database

log = logging.getLogger("reseller_api.store.undo")

Rows = list[dict[str, Any]]


class RowsSnapshot:
    """The rows of each ``(table, where)`` part, read now, to be restored by :meth:`restore`.

    Parts are listed parents first (a site, then its host headers): restored in that order,
    deleted in the reverse one.
    """

    def __init__(self, database: Database, *parts: tuple[Table, ColumnElement[bool]]) -> None:
        self.database, self.parts = database, parts
        self.before = self._read_all()
        self.committed: list[Rows] | None = None

    def push(self, apply: Callable[[], object]) -> None:
        """Our change is committed: ``apply`` it to the platform; if that raises, put the rows
        back (see :meth:`restore`) and re-raise."""
        self.mark_committed()
        try:
            apply()
        except Exception:
            self.restore()
            raise

    def mark_committed(self) -> None:
        """Note our change as committed (just before the push): what restore() expects."""
        self.committed = self._read_all()

    def restore(self) -> bool:
        """Put ``before`` back unless the rows moved on since :meth:`mark_committed`."""
        with self.database.transaction() as conn:
            if self.committed is not None and self._read_all(conn) != self.committed:
                log.warning(
                    "not undoing a refused change to %s: another change was committed since",
                    ", ".join(table.name for table, _ in self.parts),
                )
                return False
            for table, where in reversed(self.parts):
                conn.execute(delete(table).where(where))
            for (table, _), rows in zip(self.parts, self.before, strict=True):
                if rows:
                    conn.execute(insert(table), rows)
        return True

    def _read_all(self, conn: Connection | None = None) -> list[Rows]:
        if conn is None:
            with self.database.engine.connect() as own:
                return self._read_all(own)
        return [
            _sorted([dict(row) for row in conn.execute(select(t).where(w)).mappings()]) for t, w in self.parts
        ]


def _sorted(rows: Sequence[dict[str, Any]]) -> Rows:
    return sorted(rows, key=lambda row: repr(sorted(row.items())))
