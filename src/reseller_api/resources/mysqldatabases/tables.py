"""MySQL databases and their users (resources/mysqldatabases).

Defined on the one ``metadata`` of ``store/tables.py`` (its naming convention); the package's
manifest lists them (``TABLES``), so the schema the processes check is complete
(resources/registry.py ``schema``). Migrations under ``store/migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table

from reseller_api.store.tables import metadata

mysql_databases = Table(
    "mysql_databases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(64), nullable=False, unique=True),  # the provisioned, prefixed name
    Column("max_size_mb", Integer, nullable=False),
    Column("actual_size_mb", Integer, nullable=False),
    # provisioning -> active; a failed provisioning deletes the row.
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_mysql_databases_reseller_status_id", "reseller_id", "status", "id"),
)

# No password column: the server keeps the hash; a job carries it and drops it.
mysql_users = Table(
    "mysql_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("database_id", Integer, ForeignKey("mysql_databases.id"), nullable=False, index=True),
    Column("name", String(32), nullable=False, unique=True),  # MariaDB user names are server-wide
    Column("rights", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
)

TABLES = (mysql_databases, mysql_users)
