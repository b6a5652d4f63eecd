"""SSL certificate requests and their validations, certificates, the installation's CA, and
Windows hostings.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}", ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "ssl_certificate_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "reseller_id",
            sa.Integer,
            _fk("ssl_certificate_requests", "reseller_id", "resellers"),
            nullable=False,
        ),
        sa.Column("order_code", sa.String(32), nullable=False),
        sa.Column("common_name", sa.String(253), nullable=False),
        sa.Column("certificate_type", sa.String(16), nullable=False),
        sa.Column("validation_level", sa.String(32), nullable=False),
        sa.Column("csr_pem", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("job_id", sa.String(36), nullable=True),
        sa.Column("rejection_reason", sa.Text, nullable=True),
        sa.Column("validation_attributes", sa.Text, nullable=True),
        sa.Column("approved_at", sa.Float, nullable=True),
        sa.Column("certificate_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.UniqueConstraint("order_code", name="uq_ssl_certificate_requests_order_code"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_ssl_certificate_requests_reseller_id_id", "ssl_certificate_requests", ["reseller_id", "id"]
    )
    op.create_table(
        "ssl_certificate_validations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey(
                "ssl_certificate_requests.id", name="fk_ssl_validations_request_id", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("dns_name", sa.String(253), nullable=False),
        sa.Column("auto_validated", sa.Boolean, nullable=False),
        sa.Column("validated_by", sa.String(8), nullable=True),
        sa.Column("checked_at", sa.Float, nullable=True),
    )
    op.create_index(
        "ix_ssl_certificate_validations_request_id", "ssl_certificate_validations", ["request_id"]
    )
    op.create_table(
        "ssl_certificates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "reseller_id", sa.Integer, _fk("ssl_certificates", "reseller_id", "resellers"), nullable=False
        ),
        sa.Column(
            "request_id",
            sa.Integer,
            _fk("ssl_certificates", "request_id", "ssl_certificate_requests"),
            nullable=True,
        ),
        sa.Column("sha1_fingerprint", sa.String(40), nullable=False),
        sa.Column("common_name", sa.String(253), nullable=False),
        sa.Column("certificate_type", sa.String(16), nullable=False),
        sa.Column("validation_level", sa.String(32), nullable=False),
        sa.Column("subject_alt_names", sa.Text, nullable=False),
        sa.Column("certificate_pem", sa.Text, nullable=False),
        sa.Column("chain_pem", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("sha1_fingerprint", name="uq_ssl_certificates_sha1_fingerprint"),
    )
    op.create_index("ix_ssl_certificates_reseller_id_id", "ssl_certificates", ["reseller_id", "id"])
    op.create_table(
        "certificate_authority",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key_encrypted", sa.Text, nullable=False),
        sa.Column("certificate_pem", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "windows_hostings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id", sa.Integer, _fk("windows_hostings", "account_id", "accounts"), nullable=False
        ),
        sa.Column(
            "reseller_id", sa.Integer, _fk("windows_hostings", "reseller_id", "resellers"), nullable=False
        ),
        sa.Column("domain_name", sa.String(253), nullable=False),
        sa.Column("servicepack_id", sa.Integer, nullable=False),
        sa.Column("ftp_username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("ip_type", sa.String(16), nullable=False),
        sa.Column("max_size_mb", sa.Integer, nullable=False),
        sa.Column("actual_size_mb", sa.Integer, nullable=False),
        sa.Column("application_pool", sa.Text, nullable=False),
        sa.Column("sites", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("account_id", name="uq_windows_hostings_account_id"),
        sa.UniqueConstraint("domain_name", name="uq_windows_hostings_domain_name"),
    )
    op.create_index(
        "ix_windows_hostings_reseller_id_domain_name", "windows_hostings", ["reseller_id", "domain_name"]
    )


def downgrade() -> None:
    for name in (
        "windows_hostings",
        "certificate_authority",
        "ssl_certificates",
        "ssl_certificate_validations",
        "ssl_certificate_requests",
    ):
        op.drop_table(name)
