"""Data steps under ``reseller-api migrate --dry-run`` on PostgreSQL.

Offline mode prints SQL without a database, so a step that first reads rows (and decides
what to write from them) cannot be printed; it is shown as a comment saying what it does.
"""

from __future__ import annotations

from alembic import context, op


def printing(step: str) -> bool:
    """True under ``--dry-run`` (offline): *step* is then shown as a comment and not run."""
    if not context.is_offline_mode():
        return False
    op.execute(f"-- data step, run by `reseller-api migrate` (it reads the rows first): {step}")
    return True
