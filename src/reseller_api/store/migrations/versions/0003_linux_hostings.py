"""Linux hosting details: settings, SSH keys, sites and host headers, scheduled tasks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Server defaults, so hostings that exist already (and the account job's insert) get them.
SETTINGS: list[tuple[str, Any, Any]] = [
    ("php_version", sa.String(16), "8.3"),
    ("php_memory_limit", sa.Integer, "128"),
    ("apcu_enabled", sa.Boolean, sa.false()),
    ("apcu_size", sa.Integer, "32"),
    ("gzip_enabled", sa.Boolean, sa.true()),
    ("ftp_enabled", sa.Boolean, sa.true()),
    ("ssh_enabled", sa.Boolean, sa.false()),
]


def _fk(table: str, column: str, target: str, cascade: bool = True) -> sa.ForeignKey:
    return sa.ForeignKey(
        f"{target}.id", name=f"fk_{table}_{column}_{target}", ondelete="CASCADE" if cascade else None
    )


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER a table's columns in place, Alembic rebuilds it.
    with op.batch_alter_table("linux_hostings") as batch:
        for name, type_, default in SETTINGS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=default))
    op.create_table(
        "linux_sites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "hosting_id", sa.Integer, _fk("linux_sites", "hosting_id", "linux_hostings"), nullable=False
        ),
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("http2_enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("name", name="uq_linux_sites_name"),
    )
    op.create_index("ix_linux_sites_hosting_id", "linux_sites", ["hosting_id"])
    op.create_table(
        "linux_host_headers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, _fk("linux_host_headers", "site_id", "linux_sites"), nullable=False),
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("letsencrypt_enabled", sa.Boolean, nullable=False),
        sa.Column("auto_redirect_enabled", sa.Boolean, nullable=False),
        sa.UniqueConstraint("name", name="uq_linux_host_headers_name"),
    )
    op.create_index("ix_linux_host_headers_site_id", "linux_host_headers", ["site_id"])
    op.create_table(
        "linux_ssh_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "hosting_id", sa.Integer, _fk("linux_ssh_keys", "hosting_id", "linux_hostings"), nullable=False
        ),
        sa.Column(
            "reseller_id",
            sa.Integer,
            _fk("linux_ssh_keys", "reseller_id", "resellers", cascade=False),
            nullable=False,
        ),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("hosting_id", "fingerprint", name="uq_linux_ssh_keys_hosting_fingerprint"),
    )
    op.create_index("ix_linux_ssh_keys_reseller_id", "linux_ssh_keys", ["reseller_id"])
    op.create_table(
        "linux_scheduled_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "hosting_id",
            sa.Integer,
            _fk("linux_scheduled_tasks", "hosting_id", "linux_hostings"),
            nullable=False,
        ),
        sa.Column("cron_expression", sa.String(100), nullable=False),
        sa.Column("script_location", sa.String(255), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_linux_scheduled_tasks_hosting_id", "linux_scheduled_tasks", ["hosting_id"])


def downgrade() -> None:
    for table in ("linux_scheduled_tasks", "linux_ssh_keys", "linux_host_headers", "linux_sites"):
        op.drop_table(table)
    with op.batch_alter_table("linux_hostings") as batch:
        for name, _type, _default in reversed(SETTINGS):
            batch.drop_column(name)
