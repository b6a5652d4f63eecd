"""Registered or transferred-in domains (resources/domains).

Defined on the one ``metadata`` of ``store/tables.py`` (its naming convention); the package's
manifest lists them (``TABLES``), so the schema the processes check is complete
(resources/registry.py ``schema``). Migrations under ``store/migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from reseller_api.store.tables import metadata

# Registered or transferred-in domains. A row exists from the order on (status
# "registering"/"transferring", invisible) and becomes "active" when its job finishes.
domains = Table(
    "domains",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("name_servers", Text, nullable=False),  # JSON list of host names
    Column("expiration_date", Float, nullable=True),
    Column("will_renew", Boolean, nullable=False),
    Column("registrant", Text, nullable=True),  # JSON Registrant, when the order gave one
    Column("created_at", Float, nullable=False),
    Index("ix_domains_reseller_status_name", "reseller_id", "status", "domain_name"),
)

TABLES = (domains,)
