"""store.undo: a step that fails runs its undo; a swapped column goes back unless changed since."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import ColumnElement, insert, select, update

from reseller_api.store.database import Database
from reseller_api.store.tables import resellers
from reseller_api.store.undo import RowsSnapshot, swap_columns, then_or_undo

ROW = resellers.c.name == "undo-a"


class Refused(Exception):
    pass


def created_at(database: Database) -> float:
    with database.engine.connect() as conn:
        return float(conn.execute(select(resellers.c.created_at).where(ROW)).scalar_one())


def add_row(database: Database) -> None:
    with database.transaction() as conn:
        conn.execute(insert(resellers).values(name="undo-a", created_at=1.0))


# -- then_or_undo ---------------------------------------------------------------------------


def test_a_step_that_succeeds_returns_its_value_and_is_not_undone() -> None:
    undone: list[str] = []
    assert then_or_undo(lambda: 42, lambda: undone.append("undo")) == 42
    assert undone == []


def test_a_step_that_fails_is_undone_and_its_error_raised() -> None:
    undone: list[str] = []

    def step() -> None:
        raise Refused("no")

    with pytest.raises(Refused, match="no"):
        then_or_undo(step, lambda: undone.append("undo"))
    assert undone == ["undo"]


def test_only_the_errors_named_in_on_are_undone() -> None:
    undone: list[str] = []

    def step() -> None:
        raise KeyError("a bug, not a refusal")

    with pytest.raises(KeyError):
        then_or_undo(step, lambda: undone.append("undo"), on=(Refused, TimeoutError))
    assert undone == []


def test_an_undo_that_fails_raises_its_own_error() -> None:
    def step() -> None:
        raise Refused("no")

    def undo() -> None:
        raise RuntimeError("undo failed")

    with pytest.raises(RuntimeError, match="undo failed") as caught:
        then_or_undo(step, undo)
    assert isinstance(caught.value.__context__, Refused)


# -- swap_columns -----------------------------------------------------------------------------


def test_a_swap_sets_the_columns_and_its_undo_puts_them_back(database: Database) -> None:
    add_row(database)
    swap = swap_columns(database, resellers, ROW, {"created_at": 2.0})
    assert swap is not None
    assert swap.previous == {"created_at": 1.0}
    assert created_at(database) == 2.0
    assert swap.undo() is True
    assert created_at(database) == 1.0


def test_a_swap_of_a_missing_row_is_none(database: Database) -> None:
    assert swap_columns(database, resellers, ROW, {"created_at": 2.0}) is None


def test_a_swap_is_not_undone_over_a_later_change(database: Database) -> None:
    add_row(database)
    swap = swap_columns(database, resellers, ROW, {"created_at": 2.0})
    assert swap is not None
    with database.transaction() as conn:  # another request's change, pushed with ours included
        conn.execute(update(resellers).where(ROW).values(created_at=3.0))
    assert swap.undo() is False
    assert created_at(database) == 3.0


def rename(database: Database) -> None:
    """Another request's change to another column of the row."""
    with database.transaction() as conn:
        conn.execute(update(resellers).where(ROW).values(name="undo-renamed"))


def by_id(database: Database) -> tuple[ColumnElement[bool], Any]:
    with database.engine.connect() as conn:
        pk = conn.execute(select(resellers.c.id).where(ROW)).scalar_one()
    return resellers.c.id == pk, pk


def test_a_swap_is_undone_over_a_change_to_another_column(database: Database) -> None:
    add_row(database)
    where, _ = by_id(database)
    swap = swap_columns(database, resellers, where, {"created_at": 2.0})
    assert swap is not None
    rename(database)
    assert swap.undo() is True
    with database.engine.connect() as conn:
        assert conn.execute(select(resellers.c.name, resellers.c.created_at).where(where)).one() == (
            "undo-renamed",
            1.0,
        )


def test_a_swap_guarding_its_row_keeps_a_change_to_another_column(database: Database) -> None:
    """For a row pushed whole: the other change's push carried ours, so ours stays."""
    add_row(database)
    where, pk = by_id(database)
    swap = swap_columns(database, resellers, where, {"created_at": 2.0})
    assert swap is not None
    guarded = swap.guarding_row()
    assert guarded.previous == {"created_at": 1.0}
    assert dict(guarded.expected) == {"id": pk, "name": "undo-a", "created_at": 2.0}
    rename(database)
    assert guarded.undo() is False
    with database.engine.connect() as conn:
        assert conn.execute(select(resellers.c.name, resellers.c.created_at).where(where)).one() == (
            "undo-renamed",
            2.0,
        )


def test_a_swap_guarding_its_row_is_undone_when_the_row_did_not_move(database: Database) -> None:
    add_row(database)
    where, _ = by_id(database)
    swap = swap_columns(database, resellers, where, {"created_at": 2.0})
    assert swap is not None
    assert swap.guarding_row().undo() is True
    assert created_at(database) == 1.0


# -- RowsSnapshot with then_or_undo ---------------------------------------------------------------


def test_a_snapshot_is_restored_when_the_push_fails(database: Database) -> None:
    add_row(database)
    before = RowsSnapshot(database, (resellers, ROW))
    with database.transaction() as conn:  # our change
        conn.execute(update(resellers).where(ROW).values(created_at=5.0))
    before.mark_committed()

    def push() -> None:
        raise Refused("no")

    with pytest.raises(Refused):
        then_or_undo(push, before.restore)
    assert created_at(database) == 1.0
