"""Alembic environment: the connection is handed in by ``store.migrate`` (never a URL in a file).

Offline mode (``reseller-api migrate --dry-run``) gets the dialect's name instead and prints
the SQL it would run.
"""

from __future__ import annotations

from alembic import context

from reseller_api.store.tables import metadata

if context.is_offline_mode():
    context.configure(
        dialect_name=context.config.attributes["dialect_name"],
        target_metadata=metadata,
        render_as_batch=True,
        literal_binds=True,
    )
else:
    context.configure(
        connection=context.config.attributes["connection"], target_metadata=metadata, render_as_batch=True
    )
with context.begin_transaction():
    context.run_migrations()
