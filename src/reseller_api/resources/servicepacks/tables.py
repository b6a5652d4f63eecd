"""The servicepacks and the assets each brings (resources/servicepacks).

Defined on the one ``metadata`` of ``store/tables.py`` (its naming convention); the package's
manifest lists them (``TABLES``), so the schema the processes check is complete
(resources/registry.py ``schema``). Migrations under ``store/migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from reseller_api.store.tables import metadata

servicepacks = Table(
    "servicepacks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)

servicepack_assets = Table(
    "servicepack_assets",
    metadata,
    Column("servicepack_id", Integer, ForeignKey("servicepacks.id"), primary_key=True),
    Column("asset_type", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("max_size_mb", Integer, nullable=True),
)

TABLES = (servicepacks, servicepack_assets)
