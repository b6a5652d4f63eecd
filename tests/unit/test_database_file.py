"""The SQLite file holds password hashes and encrypted secrets: only its owner may read it."""

from __future__ import annotations

import stat
from pathlib import Path

from reseller_api.store import migrate
from reseller_api.store.database import Database


def test_a_new_sqlite_file_and_its_wal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "reseller-api.db"
    database = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(database)
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    finally:
        database.dispose()
    assert path.exists()
