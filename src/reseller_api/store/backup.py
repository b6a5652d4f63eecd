"""A consistent copy of a live SQLite database (SQLite's online backup API).

The copy is a snapshot of one moment: pages written by other connections while it runs
make SQLite start over, so no half-committed transaction is ever copied, and writers are
not blocked for more than a step. Used by ``reseller-api backup`` and by
``migrate --dry-run`` (which rehearses the migration on a copy).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

PAGES_PER_STEP = 1024  # then the writers get a turn


def copy_sqlite(source: str | Path, target: Path) -> None:
    """Copy the database at ``source`` into a new file ``target`` (mode 0600)."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    # A read-only URI: copying never creates or changes the live file.
    origin = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            origin.backup(copy, pages=PAGES_PER_STEP)
            # One self-contained file: the copy is not left in WAL mode with a -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    finally:
        origin.close()
