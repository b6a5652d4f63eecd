"""The sandbox for integrators: its state (test clock, job mode, loaded fixture) and fault rules (issue 20).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clock_offset", sa.Float, nullable=False),
        sa.Column("frozen_at", sa.Float, nullable=True),
        sa.Column("job_mode", sa.String(16), nullable=False),
        sa.Column("fixture", sa.Text, nullable=True),
        sa.Column("snapshot", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "sandbox_faults",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target", sa.String(8), nullable=False),
        sa.Column("method", sa.String(10), nullable=True),
        sa.Column("path", sa.String(500), nullable=True),
        sa.Column("api_key", sa.String(128), nullable=True),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("retry_after", sa.Integer, nullable=True),
        sa.Column("latency", sa.Float, nullable=False),
        sa.Column("job_kind", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("remaining", sa.Integer, nullable=True),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("sandbox_faults")
    op.drop_table("sandbox_state")
