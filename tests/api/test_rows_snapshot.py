"""store.undo.RowsSnapshot: a refused change is put back, unless another change came on top of it."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from reseller_api.store.database import Database
from reseller_api.store.tables import resellers
from reseller_api.store.undo import RowsSnapshot

MINE = resellers.c.name.like("snap-%")


def names(database: Database) -> list[str]:
    with database.engine.connect() as conn:
        return sorted(conn.execute(select(resellers.c.name).where(MINE)).scalars())


def test_restore_puts_the_rows_back(database: Database) -> None:
    with database.transaction() as conn:
        conn.execute(insert(resellers).values(name="snap-a", created_at=1.0))
    before = RowsSnapshot(database, (resellers, MINE))
    with database.transaction() as conn:  # our change
        conn.execute(insert(resellers).values(name="snap-b", created_at=2.0))
        conn.execute(update(resellers).where(resellers.c.name == "snap-a").values(created_at=9.0))
    before.mark_committed()
    assert before.restore() is True
    assert names(database) == ["snap-a"]
    with database.engine.connect() as conn:
        assert conn.execute(select(resellers.c.created_at).where(MINE)).scalar_one() == 1.0


def test_restore_leaves_rows_another_change_committed_on_top(database: Database) -> None:
    before = RowsSnapshot(database, (resellers, MINE))
    with database.transaction() as conn:  # our change
        conn.execute(insert(resellers).values(name="snap-ours", created_at=1.0))
    before.mark_committed()
    with database.transaction() as conn:  # someone else's, pushed with ours included
        conn.execute(insert(resellers).values(name="snap-theirs", created_at=2.0))
    assert before.restore() is False
    assert names(database) == ["snap-ours", "snap-theirs"]
