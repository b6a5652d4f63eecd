"""Alembic, run programmatically (no alembic.ini: the package carries its scripts).

- :func:`upgrade` runs every pending migration in one transaction that first takes the
  migration lock (PostgreSQL: an advisory lock; SQLite: the write lock, ``BEGIN
  IMMEDIATE``), so processes started together (``serve`` and ``worker`` on an empty
  database) migrate one after the other: the second finds nothing left to do.
- :func:`status` and :func:`sql` answer ``reseller-api migrate --status`` and ``--dry-run``.
- :func:`prepare` is what ``serve`` and ``worker`` do at start: migrate, or refuse with one
  line to run on a schema that does not match the code. The code's schema is handed in
  (``resources/registry.py``'s ``schema()``): the resource packages define their own tables,
  and the store imports none of them.
- Migrations once released are never edited; a change is a new revision.
"""

from __future__ import annotations

import io
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util.exc import CommandError
from sqlalchemy import MetaData, event, inspect, text

from reseller_api.store.backup import copy_sqlite
from reseller_api.store.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key of our migrations (procrastinate's schema takes 74207301).
LOCK_KEY = 74207302
log = logging.getLogger("reseller_api.migrate")


class SchemaMismatch(Exception):
    """The database's schema is not one this release can serve on."""


@dataclass(frozen=True, slots=True)
class Revision:
    id: str
    message: str


@dataclass(frozen=True, slots=True)
class Status:
    current: str | None  # None: no migration ever ran (an empty database)
    head: str
    pending: tuple[Revision, ...]  # oldest first
    known: bool  # False: a revision this release does not have (written by a newer one)

    @property
    def up_to_date(self) -> bool:
        return self.known and not self.pending


def _config(output: io.StringIO | None = None) -> Config:
    config = Config(output_buffer=output)
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start (a no-op when current)."""
    config = _config()
    with database.engine.connect() as connection, connection.begin():
        # On SQLite the transaction opened with BEGIN IMMEDIATE: the write lock is ours from
        # here to the commit. Alembic reads the current revision inside it, after the lock.
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head() -> str:
    """The newest revision this version knows."""
    found = _script().get_current_head()
    assert found is not None
    return found


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def status(database: Database) -> Status:
    script = _script()
    head = script.get_current_head()
    assert head is not None
    current = current_revision(database)
    try:
        found = list(script.iterate_revisions(head, current))
    except (CommandError, ResolutionError):  # "Can't locate revision": a newer release's
        return Status(current, head, (), known=False)
    pending = tuple(Revision(r.revision, (r.doc or "").strip()) for r in reversed(found))
    return Status(current, head, pending, known=True)


def sql(database: Database) -> str:
    """The SQL ``upgrade`` would run now; changes nothing.

    PostgreSQL: Alembic's offline mode. SQLite: Alembic cannot print a batch migration
    (a table rebuild) without reading the table, so the upgrade is rehearsed on a copy of
    the database (an online backup) and the statements it ran are shown: the exact SQL,
    and a proof that the migration goes through on this data.
    """
    state = status(database)
    if not state.known:
        raise SchemaMismatch(_unknown(state))
    if not state.pending:
        return ""
    if database.sqlite_path is not None:
        return _rehearse(database.sqlite_path)
    output = io.StringIO()
    config = _config(output)
    config.attributes["dialect_name"] = database.dialect.name
    command.upgrade(config, f"{state.current or 'base'}:head", sql=True)
    return output.getvalue()


def _rehearse(path: str) -> str:
    statements: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "PRAGMA", "BEGIN")):
            return  # the transaction, and Alembic's reading (the revision, the tables it rebuilds)
        shown = statement.strip()
        if parameters:
            shown += f"  -- parameters: {parameters!r}"
        statements.append(shown + ";")

    with tempfile.TemporaryDirectory(prefix="reseller-api-rehearsal-") as folder:
        copy = Path(folder) / "rehearsal.db"
        copy_sqlite(path, copy)
        rehearsal = Database(f"sqlite:///{copy}")
        event.listen(rehearsal.engine, "before_cursor_execute", capture)
        try:
            upgrade(rehearsal)
        finally:
            rehearsal.dispose()
    return "\n\n".join(statements) + "\n"


def missing(database: Database, schema: MetaData) -> list[str]:
    """Tables and columns of ``schema`` (every table the code uses) that the database lacks
    (extra ones are fine)."""
    with database.engine.connect() as connection:
        inspector = inspect(connection)
        tables = set(inspector.get_table_names())
        lacking = []
        for table in schema.sorted_tables:
            if table.name not in tables:
                lacking.append(f"table {table.name}")
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            lacking.extend(f"column {table.name}.{c.name}" for c in table.columns if c.name not in present)
    return lacking


def prepare(database: Database, schema: MetaData) -> None:
    """``serve`` and ``worker`` at start: migrate, then make sure the schema fits the code.

    A database migrated by a newer release (a revision we do not have) is served as long
    as every table and column we use is there: migrations are additive, so a rolled-back
    or not-yet-upgraded process keeps working during a rolling upgrade. Anything else that
    does not fit (a partial restore, a hand-dropped table) refuses to start with one line,
    instead of answering every request with an error.
    """
    state = status(database)
    if state.known:
        upgrade(database)
    lacking = missing(database, schema)
    if lacking:
        shown = ", ".join(lacking[:3]) + (f" and {len(lacking) - 3} more" if len(lacking) > 3 else "")
        where = f"{_unknown(state)}, and lacks" if not state.known else "the database lacks"
        raise SchemaMismatch(f"{where} {shown}: restore a complete backup or run `reseller-api migrate`")
    if not state.known:
        log.warning("%s; it has every table and column this release uses: serving on it", _unknown(state))


def _unknown(state: Status) -> str:
    return (
        f"the database is at revision {state.current}, which this release does not know "
        f"(it knows up to {state.head}; a newer release migrated it)"
    )
