"""SSL certificate requests: the chain an ACME order returned, kept until the job commits it (issue 15).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ssl_certificate_requests") as batch:
        batch.add_column(sa.Column("ordered_chain_pem", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ssl_certificate_requests") as batch:
        batch.drop_column("ordered_chain_pem")
