"""Initial schema: resellers and keys, servicepacks, accounts, provisioning jobs, assets.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The starter catalogue, so a newcomer has something to order. (asset, count, max MB)
CATALOGUE: list[tuple[int, str, list[tuple[str, int, int | None]]]] = [
    (
        1,
        "Linux hosting Starter",
        [
            ("linux_hosting", 1, 10240),
            ("domain", 1, None),
            ("dns", 1, None),
            ("mailbox", 10, 2048),
            ("mysql", 2, 1024),
        ],
    ),
    (
        2,
        "Linux hosting Pro",
        [
            ("linux_hosting", 1, 51200),
            ("domain", 1, None),
            ("dns", 1, None),
            ("mailbox", 50, 5120),
            ("mysql", 10, 2048),
        ],
    ),
    (3, "Mail only", [("domain", 1, None), ("dns", 1, None), ("mailbox", 5, 2048)]),
    (4, "Domain only", [("domain", 1, None), ("dns", 1, None)]),
]


def upgrade() -> None:
    op.create_table(
        "resellers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("name", name="uq_resellers_name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "reseller_id",
            sa.Integer,
            sa.ForeignKey("resellers.id", name="fk_api_keys_reseller_id_resellers"),
            nullable=False,
        ),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("secret_encrypted", sa.Text, nullable=False),
        sa.Column("rate_limit", sa.String(32), nullable=True),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_used_at", sa.Float, nullable=True),
        sa.UniqueConstraint("key", name="uq_api_keys_key"),
    )
    op.create_index("ix_api_keys_reseller_id", "api_keys", ["reseller_id"])
    op.create_table(
        "api_key_networks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "api_key_id",
            sa.Integer,
            sa.ForeignKey("api_keys.id", ondelete="CASCADE", name="fk_api_key_networks_api_key_id_api_keys"),
            nullable=False,
        ),
        sa.Column("cidr", sa.String(64), nullable=False),
        sa.UniqueConstraint("api_key_id", "cidr", name="uq_api_key_networks_key_cidr"),
    )
    op.create_table(
        "credentials_generation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False),
    )
    op.bulk_insert(
        sa.table(
            "credentials_generation",
            sa.column("id", sa.Integer),
            sa.column("generation", sa.Integer),
        ),
        [{"id": 1, "generation": 1}],
    )
    op.create_table(
        "servicepacks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.UniqueConstraint("name", name="uq_servicepacks_name"),
    )
    op.create_table(
        "servicepack_assets",
        sa.Column(
            "servicepack_id",
            sa.Integer,
            sa.ForeignKey("servicepacks.id", name="fk_servicepack_assets_servicepack_id_servicepacks"),
            primary_key=True,
        ),
        sa.Column("asset_type", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("max_size_mb", sa.Integer, nullable=True),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "reseller_id",
            sa.Integer,
            sa.ForeignKey("resellers.id", name="fk_accounts_reseller_id_resellers"),
            nullable=False,
        ),
        sa.Column("identifier", sa.String(253), nullable=False),
        sa.Column(
            "servicepack_id",
            sa.Integer,
            sa.ForeignKey("servicepacks.id", name="fk_accounts_servicepack_id_servicepacks"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("identifier", name="uq_accounts_identifier"),
    )
    op.create_index("ix_accounts_reseller_status_id", "accounts", ["reseller_id", "status", "id"])
    op.create_table(
        "provisioning_jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "reseller_id",
            sa.Integer,
            sa.ForeignKey("resellers.id", name="fk_provisioning_jobs_reseller_id_resellers"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("not_before", sa.Float, nullable=False),
        sa.Column("estimate", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_until", sa.Float, nullable=True),
        sa.Column("finished_at", sa.Float, nullable=True),
        sa.Column("resource_links", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_provisioning_jobs_status_not_before", "provisioning_jobs", ["status", "not_before"])
    for name in ("linux_hostings", "dns_zones", "mail_zones"):
        columns: list[sa.schema.SchemaItem] = [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "reseller_id",
                sa.Integer,
                sa.ForeignKey("resellers.id", name=f"fk_{name}_reseller_id_resellers"),
                nullable=False,
            ),
            sa.Column(
                "account_id",
                sa.Integer,
                sa.ForeignKey("accounts.id", name=f"fk_{name}_account_id_accounts"),
                nullable=name == "dns_zones",
            ),
            sa.Column("domain_name", sa.String(253), nullable=False),
        ]
        if name == "linux_hostings":
            columns += [
                sa.Column("ftp_username", sa.String(64), nullable=False),
                sa.Column("ftp_password_hash", sa.Text, nullable=False),
            ]
        columns += [
            sa.Column("created_at", sa.Float, nullable=False),
            sa.UniqueConstraint("domain_name", name=f"uq_{name}_domain_name"),
        ]
        op.create_table(name, *columns)
    op.create_index("ix_linux_hostings_account_id", "linux_hostings", ["account_id"])
    op.create_table(
        "simulated_objects",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(253), primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )

    packs = sa.table("servicepacks", sa.column("id", sa.Integer), sa.column("name", sa.String))
    assets = sa.table(
        "servicepack_assets",
        sa.column("servicepack_id", sa.Integer),
        sa.column("asset_type", sa.String),
        sa.column("count", sa.Integer),
        sa.column("max_size_mb", sa.Integer),
    )
    op.bulk_insert(packs, [{"id": pid, "name": name} for pid, name, _ in CATALOGUE])
    op.bulk_insert(
        assets,
        [
            {"servicepack_id": pid, "asset_type": a, "count": c, "max_size_mb": m}
            for pid, _, items in CATALOGUE
            for a, c, m in items
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids above leave the sequence behind; the next pack must not collide.
        op.execute("SELECT setval('servicepacks_id_seq', (SELECT max(id) FROM servicepacks))")


def downgrade() -> None:
    for name in (
        "simulated_objects",
        "mail_zones",
        "dns_zones",
        "linux_hostings",
        "provisioning_jobs",
        "accounts",
        "servicepack_assets",
        "servicepacks",
        "credentials_generation",
        "api_key_networks",
        "api_keys",
        "resellers",
    ):
        op.drop_table(name)
