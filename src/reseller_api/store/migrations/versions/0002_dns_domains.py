"""DNS records, domains and the simulated registry.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dns_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "zone_id",
            sa.Integer,
            sa.ForeignKey("dns_zones.id", ondelete="CASCADE", name="fk_dns_records_zone_id_dns_zones"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("ttl", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("rdata", sa.Text, nullable=False),
        sa.Column("priority", sa.Integer, nullable=True),
        sa.Column("service", sa.String(64), nullable=True),
        sa.Column("protocol", sa.String(8), nullable=True),
        sa.Column("target", sa.String(253), nullable=True),
        sa.Column("port", sa.Integer, nullable=True),
        sa.Column("weight", sa.Integer, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_dns_records_zone_position", "dns_records", ["zone_id", "position"])
    op.create_index(
        "ix_dns_records_zone_type_name_position", "dns_records", ["zone_id", "type", "name", "position"]
    )
    op.create_index("ix_dns_records_zone_name", "dns_records", ["zone_id", "name"])
    op.create_table(
        "domains",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "reseller_id",
            sa.Integer,
            sa.ForeignKey("resellers.id", name="fk_domains_reseller_id_resellers"),
            nullable=False,
        ),
        sa.Column("domain_name", sa.String(253), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("name_servers", sa.Text, nullable=False),
        sa.Column("expiration_date", sa.Float, nullable=True),
        sa.Column("will_renew", sa.Boolean, nullable=False),
        sa.Column("registrant", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("domain_name", name="uq_domains_domain_name"),
    )
    op.create_index("ix_domains_reseller_status_name", "domains", ["reseller_id", "status", "domain_name"])


def downgrade() -> None:
    op.drop_table("domains")
    op.drop_table("dns_records")
