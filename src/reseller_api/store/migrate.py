"""Run Alembic migrations programmatically: no alembic.ini, the package carries its scripts."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from reseller_api.store.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start (a no-op when current)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()
