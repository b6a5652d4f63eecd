"""Control panel: reseller users, sessions, audit log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "panel_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "reseller_id",
            sa.Integer,
            sa.ForeignKey("resellers.id", name="fk_panel_users_reseller_id_resellers"),
            nullable=False,
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("password_token_hash", sa.String(64), nullable=True),
        sa.Column("password_token_expires_at", sa.Float, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("email", name="uq_panel_users_email"),
        sa.UniqueConstraint("password_token_hash", name="uq_panel_users_password_token_hash"),
    )
    op.create_index("ix_panel_users_reseller_id", "panel_users", ["reseller_id"])
    op.create_table(
        "panel_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("panel_users.id", ondelete="CASCADE", name="fk_panel_sessions_user_id_panel_users"),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_panel_sessions_user_id", "panel_sessions", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column(
            "reseller_id",
            sa.Integer,
            sa.ForeignKey("resellers.id", name="fk_audit_log_reseller_id_resellers"),
            nullable=True,
        ),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("address", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_log_reseller_id_id", "audit_log", ["reseller_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_reseller_id_id", "audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_panel_sessions_user_id", "panel_sessions")
    op.drop_table("panel_sessions")
    op.drop_index("ix_panel_users_reseller_id", "panel_users")
    op.drop_table("panel_users")
