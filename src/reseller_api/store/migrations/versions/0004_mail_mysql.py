"""Mailboxes, mail zones (aliases, catch-all, anti-spam, SMTP domains), MySQL databases and users.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "mailboxes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mail_zone_id", sa.Integer, _fk("mailboxes", "mail_zone_id", "mail_zones"), nullable=False),
        sa.Column("account_id", sa.Integer, _fk("mailboxes", "account_id", "accounts"), nullable=False),
        sa.Column("name", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("max_size_mb", sa.Integer, nullable=False),
        sa.Column("actual_size_mb", sa.Integer, nullable=False),
        sa.Column("auto_reply_enabled", sa.Boolean, nullable=False),
        sa.Column("auto_reply_subject", sa.Text, nullable=False),
        sa.Column("auto_reply_message", sa.Text, nullable=False),
        sa.Column("auto_forward_enabled", sa.Boolean, nullable=False),
        sa.Column("auto_forward_addresses", sa.Text, nullable=False),
        sa.Column("auto_forward_copy", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("name", name="uq_mailboxes_name"),
    )
    op.create_index("ix_mailboxes_mail_zone_id", "mailboxes", ["mail_zone_id"])
    op.create_index("ix_mailboxes_account_id", "mailboxes", ["account_id"])
    op.create_table(
        "mail_zone_settings",
        sa.Column(
            "mail_zone_id",
            sa.Integer,
            _fk("mail_zone_settings", "mail_zone_id", "mail_zones"),
            primary_key=True,
        ),
        sa.Column("anti_spam", sa.String(16), nullable=False),
    )
    op.create_table(
        "mail_aliases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "mail_zone_id", sa.Integer, _fk("mail_aliases", "mail_zone_id", "mail_zones"), nullable=False
        ),
        sa.Column("email_address", sa.String(254), nullable=False),
        sa.Column("destinations", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("email_address", name="uq_mail_aliases_email_address"),
    )
    op.create_index("ix_mail_aliases_mail_zone_id", "mail_aliases", ["mail_zone_id"])
    op.create_table(
        "mail_catch_alls",
        sa.Column(
            "mail_zone_id",
            sa.Integer,
            _fk("mail_catch_alls", "mail_zone_id", "mail_zones"),
            primary_key=True,
        ),
        sa.Column("email_address", sa.String(254), primary_key=True),
    )
    op.create_table(
        "mail_smtp_domains",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "mail_zone_id", sa.Integer, _fk("mail_smtp_domains", "mail_zone_id", "mail_zones"), nullable=False
        ),
        sa.Column("hostname", sa.String(253), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.UniqueConstraint("hostname", name="uq_mail_smtp_domains_hostname"),
    )
    op.create_index("ix_mail_smtp_domains_mail_zone_id", "mail_smtp_domains", ["mail_zone_id"])
    op.create_table(
        "mysql_databases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "reseller_id", sa.Integer, _fk("mysql_databases", "reseller_id", "resellers"), nullable=False
        ),
        sa.Column("account_id", sa.Integer, _fk("mysql_databases", "account_id", "accounts"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("max_size_mb", sa.Integer, nullable=False),
        sa.Column("actual_size_mb", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("name", name="uq_mysql_databases_name"),
    )
    op.create_index("ix_mysql_databases_account_id", "mysql_databases", ["account_id"])
    op.create_index(
        "ix_mysql_databases_reseller_status_id", "mysql_databases", ["reseller_id", "status", "id"]
    )
    op.create_table(
        "mysql_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "database_id", sa.Integer, _fk("mysql_users", "database_id", "mysql_databases"), nullable=False
        ),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("rights", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("name", name="uq_mysql_users_name"),
    )
    op.create_index("ix_mysql_users_database_id", "mysql_users", ["database_id"])


def downgrade() -> None:
    op.drop_index("ix_mysql_users_database_id", "mysql_users")
    op.drop_table("mysql_users")
    op.drop_index("ix_mysql_databases_reseller_status_id", "mysql_databases")
    op.drop_index("ix_mysql_databases_account_id", "mysql_databases")
    op.drop_table("mysql_databases")
    op.drop_index("ix_mail_smtp_domains_mail_zone_id", "mail_smtp_domains")
    op.drop_table("mail_smtp_domains")
    op.drop_table("mail_catch_alls")
    op.drop_index("ix_mail_aliases_mail_zone_id", "mail_aliases")
    op.drop_table("mail_aliases")
    op.drop_table("mail_zone_settings")
    op.drop_index("ix_mailboxes_account_id", "mailboxes")
    op.drop_index("ix_mailboxes_mail_zone_id", "mailboxes")
    op.drop_table("mailboxes")
