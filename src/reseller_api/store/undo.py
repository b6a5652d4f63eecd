"""One way to undo: do a step, and if it fails, put back what the step's caller changed before it.

In-request changes commit our rows first and then push the committed state to the backend
(world steps never run inside our transactions: see jobs/registry.py). When the push fails,
the backend kept its previous state, so our rows must go back to theirs: a refused or
unreachable backend changes nothing. :func:`then_or_undo` is that step; what it puts back is
the caller's: a row deleted, a column swapped back (:func:`swap_columns`), rows restored
(:class:`RowsSnapshot`).

Only if nobody changed them since: when another request committed on top of ours, its own
push carried the whole state, ours included, to the backend, and putting our "before" back
would erase its change. Then the rows stay (a compare-and-swap), and for snapshots a warning
says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Table, delete, insert, select, update

from reseller_api.store.database import Database

log = logging.getLogger("reseller_api.store.undo")

Rows = list[dict[str, Any]]
T = TypeVar("T")


def then_or_undo(
    step: Callable[[], T],
    undo: Callable[[], object],
    *,
    on: type[BaseException] | tuple[type[BaseException], ...] = Exception,
) -> T:
    """Run ``step`` and return what it returns; if it raises one of ``on``, run ``undo`` and
    re-raise the step's exception (an exception from ``undo`` itself replaces it)."""
    try:
        return step()
    except on:
        undo()
        raise


@dataclass(frozen=True, slots=True)
class Swap:
    """Columns of one row that :func:`swap_columns` changed, and what they held before."""

    database: Database
    table: Table
    where: ColumnElement[bool]
    previous: Mapping[str, Any]
    expected: Mapping[str, Any]  # what the row must still hold for undo() to put previous back

    def guarding_row(self) -> Swap:
        """The same swap, undone only if the whole row is still as it is now (not just our
        columns): for a row pushed whole, where any later change carried ours with it."""
        with self.database.engine.connect() as conn:
            row = conn.execute(select(self.table).where(self.where)).one()
        return Swap(self.database, self.table, self.where, self.previous, dict(row._mapping))

    def undo(self) -> bool:
        """Put ``previous`` back unless the row no longer holds ``expected`` (a later change was
        committed, and pushed, on top of ours); True if it was put back."""
        unchanged = [self.table.c[name] == value for name, value in self.expected.items()]
        with self.database.transaction() as conn:
            result = conn.execute(update(self.table).where(self.where, *unchanged).values(**self.previous))
        return bool(result.rowcount)


def swap_columns(
    database: Database, table: Table, where: ColumnElement[bool], values: Mapping[str, Any]
) -> Swap | None:
    """Set ``values`` on the one row ``where`` finds, in a transaction of its own; the
    :class:`Swap` that puts them back, or None if there is no such row (deleted meanwhile)."""
    with database.transaction() as conn:
        row = conn.execute(select(*(table.c[name] for name in values)).where(where)).first()
        if row is None:
            return None
        conn.execute(update(table).where(where).values(**values))
    return Swap(database, table, where, dict(zip(values, row, strict=True)), dict(values))


class RowsSnapshot:
    """The rows of each ``(table, where)`` part, read now, to be restored by :meth:`restore`.

    Parts are listed parents first (a site, then its host headers): restored in that order,
    deleted in the reverse one. Call :meth:`mark_committed` once our change is committed,
    then push it with ``then_or_undo(push, snapshot.restore)``.
    """

    def __init__(self, database: Database, *parts: tuple[Table, ColumnElement[bool]]) -> None:
        self.database, self.parts = database, parts
        self.before = self._read_all()
        self.committed: list[Rows] | None = None

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
