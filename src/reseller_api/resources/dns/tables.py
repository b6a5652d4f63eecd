"""DNS zones and their records (resources/dns).

Defined on the one ``metadata`` of ``store/tables.py`` (its naming convention); the package's
manifest lists them (``TABLES``), so the schema the processes check is complete
(resources/registry.py ``schema``). Migrations under ``store/migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text

from reseller_api.store.tables import metadata

dns_zones = Table(
    "dns_zones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

# One row per resource record, the zone's SOA and apex NS included (resources/dns/zone.py).
# ``position`` is dense per zone (1..n, insertion order, kept
# dense on delete) so a page is an index range scan ``position > skip LIMIT take``: the last
# page of a 100,000-record zone costs what the first does (SQL OFFSET would be O(skip)).
dns_records = Table(
    "dns_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("zone_id", Integer, ForeignKey("dns_zones.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("type", String(8), nullable=False),
    # Owner relative to the zone, lowercase A-labels; "@" is the apex; SRV: "_service._proto".
    Column("name", String(253), nullable=False),
    Column("ttl", Integer, nullable=False),
    # What the API shows as ``content`` (TXT: the text itself, not its quoted strings).
    Column("content", Text, nullable=False),
    # The rdata in zone-file presentation form, as dnspython writes it: identity and backend input.
    Column("rdata", Text, nullable=False),
    Column("priority", Integer, nullable=True),
    Column("service", String(64), nullable=True),
    Column("protocol", String(8), nullable=True),
    Column("target", String(253), nullable=True),
    Column("port", Integer, nullable=True),
    Column("weight", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    Index("ix_dns_records_zone_position", "zone_id", "position"),
    Index("ix_dns_records_zone_type_name_position", "zone_id", "type", "name", "position"),
    Index("ix_dns_records_zone_name", "zone_id", "name"),
    # Ids are never reused, not even the highest after a delete (a stale id must not reach
    # another record): SQLite's AUTOINCREMENT; PostgreSQL's sequences never go back anyway.
    sqlite_autoincrement=True,
)

TABLES = (dns_zones, dns_records)
