"""The control panel shows a new webhook signing secret once (issue 19, the panel's part).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "panel_webhook_secret_views",
        sa.Column(
            "session_id",
            sa.String(64),
            sa.ForeignKey(
                "panel_sessions.id",
                ondelete="CASCADE",
                name="fk_panel_webhook_secret_views_session_id_panel_sessions",
            ),
            primary_key=True,
        ),
        sa.Column(
            "webhook_id",
            sa.Integer,
            sa.ForeignKey(
                "webhook_endpoints.id",
                ondelete="CASCADE",
                name="fk_panel_webhook_secret_views_webhook_id_webhook_endpoints",
            ),
            primary_key=True,
        ),
        sa.Column("rotated", sa.Boolean, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("panel_webhook_secret_views")
