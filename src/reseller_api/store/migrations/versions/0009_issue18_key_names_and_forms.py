"""Key names, notes and last-used address; job subjects; the panel's one-time forms and secret views.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("name", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("note", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("last_used_address", sa.String(64), nullable=True))
    with op.batch_alter_table("provisioning_jobs") as batch:
        batch.add_column(sa.Column("subject", sa.String(253), nullable=True))
    op.create_table(
        "panel_submitted_forms",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "session_id",
            sa.String(64),
            sa.ForeignKey(
                "panel_sessions.id",
                ondelete="CASCADE",
                name="fk_panel_submitted_forms_session_id_panel_sessions",
            ),
            nullable=False,
        ),
        sa.Column("done_path", sa.String(300), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_panel_submitted_forms_session_id", "panel_submitted_forms", ["session_id"])
    op.create_table(
        "panel_secret_views",
        sa.Column(
            "session_id",
            sa.String(64),
            sa.ForeignKey(
                "panel_sessions.id",
                ondelete="CASCADE",
                name="fk_panel_secret_views_session_id_panel_sessions",
            ),
            primary_key=True,
        ),
        sa.Column(
            "api_key_id",
            sa.Integer,
            sa.ForeignKey(
                "api_keys.id", ondelete="CASCADE", name="fk_panel_secret_views_api_key_id_api_keys"
            ),
            primary_key=True,
        ),
        sa.Column("rotated", sa.Boolean, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("panel_secret_views")
    op.drop_index("ix_panel_submitted_forms_session_id", "panel_submitted_forms")
    op.drop_table("panel_submitted_forms")
    with op.batch_alter_table("provisioning_jobs") as batch:
        batch.drop_column("subject")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_address")
        batch.drop_column("note")
        batch.drop_column("name")
