"""Put rows back as they were when the platform refuses a change we already committed.

In-request changes commit our rows first and then push the whole committed state to the
backend (world steps never run inside our transactions: see jobs/registry.py). When the
push fails, the backend kept its previous state, so our rows must go back to theirs: a
refused or unreachable backend changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, delete, insert, select

from reseller_api.store.database import Database


class RowsSnapshot:
    """The rows of ``table`` matching ``where``, read now, to be restored by :meth:`restore`."""

    def __init__(self, database: Database, table: Table, where: ColumnElement[bool]) -> None:
        self.database, self.table, self.where = database, table, where
        with database.engine.connect() as conn:
            self.rows: list[dict[str, Any]] = [
                dict(r) for r in conn.execute(select(table).where(where)).mappings()
            ]

    def restore(self) -> None:
        with self.database.transaction() as conn:
            conn.execute(delete(self.table).where(self.where))
            if self.rows:
                conn.execute(insert(self.table), self.rows)
