"""The schema, as SQLAlchemy Core tables. Times are unix seconds (float), UTC by definition.

Migrations under ``migrations/versions`` create exactly this; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

resellers = Table(
    "resellers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False, index=True),
    Column("key", String(64), nullable=False, unique=True),
    # Fernet token of the secret: needed in clear to verify HMACs, so encrypted at rest.
    Column("secret_encrypted", Text, nullable=False),
    Column("rate_limit", String(32), nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float, nullable=True),
)

api_key_networks = Table(
    "api_key_networks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("api_key_id", Integer, ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False),
    Column("cidr", String(64), nullable=False),
    UniqueConstraint("api_key_id", "cidr", name="uq_api_key_networks_key_cidr"),
)

# One row, bumped by every change to keys or whitelists, so every API process drops its
# in-memory credential cache at once, even when the change came from another process.
credentials_generation = Table(
    "credentials_generation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", Integer, nullable=False),
)

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

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("identifier", String(253), nullable=False, unique=True),
    Column("servicepack_id", Integer, ForeignKey("servicepacks.id"), nullable=False),
    # provisioning -> active; a failed provisioning deletes the row (nothing half-made).
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_accounts_reseller_status_id", "reseller_id", "status", "id"),
)

provisioning_jobs = Table(
    "provisioning_jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("kind", String(64), nullable=False),
    # JSON; never holds a clear-text password (only hashes), cleared when the job ends.
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("not_before", Float, nullable=False),
    Column("estimate", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("resource_links", Text, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_provisioning_jobs_status_not_before", "status", "not_before"),
)

# Assets an account's servicepack brings; the later resource packages expose them.
linux_hostings = Table(
    "linux_hostings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("ftp_username", String(64), nullable=False),
    Column("ftp_password_hash", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

dns_zones = Table(
    "dns_zones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

mail_zones = Table(
    "mail_zones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

# What the simulated backends have "built": one row per object, upserted, so a retried
# job step leaves exactly one. Tests read it to prove nothing was provisioned twice.
simulated_objects = Table(
    "simulated_objects",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("name", String(253), primary_key=True),
    Column("data", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)
