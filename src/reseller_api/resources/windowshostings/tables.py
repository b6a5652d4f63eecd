"""Windows hostings (resources/windowshostings).

Defined on the one ``metadata`` of ``store/tables.py`` (its naming convention); the package's
manifest lists them (``TABLES``), so the schema the processes check is complete
(resources/registry.py ``schema``). Migrations under ``store/migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text

from reseller_api.store.tables import metadata

windows_hostings = Table(
    "windows_hostings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, unique=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("servicepack_id", Integer, nullable=False),
    Column("ftp_username", String(64), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("ip_type", String(16), nullable=False),
    Column("max_size_mb", Integer, nullable=False),
    Column("actual_size_mb", Integer, nullable=False),
    Column("application_pool", Text, nullable=False),  # JSON ApplicationPool
    Column("sites", Text, nullable=False),  # JSON [WindowsSite]
    Column("created_at", Float, nullable=False),
    Index("ix_windows_hostings_reseller_id_domain_name", "reseller_id", "domain_name"),
)

TABLES = (windows_hostings,)
