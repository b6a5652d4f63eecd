"""Alembic environment: the connection is handed in by ``store.migrate`` (never a URL in a file).

Offline mode (``reseller-api migrate --dry-run``) gets the dialect's name instead and prints
the SQL it would run.

No ``target_metadata``: the revisions say what to create, and running them needs no model of
the schema. Comparing a database with the code's schema (tests, a new revision) hands the
complete one in (``resources/registry.py``'s ``schema()``), which the store cannot import.
"""

from __future__ import annotations

from alembic import context

if context.is_offline_mode():
    context.configure(
        dialect_name=context.config.attributes["dialect_name"],
        render_as_batch=True,
        literal_binds=True,
    )
else:
    context.configure(connection=context.config.attributes["connection"], render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
