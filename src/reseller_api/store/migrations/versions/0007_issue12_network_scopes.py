"""Whitelist entries lose any IPv6 scope (``::1%eth0/128`` -> ``::1/128``).

Scopes are refused from now on (credentials/service.py: parse_network); entries stored
before keep working the same (a scoped entry matched the plain address), but as free text
they could hold markup or terminal escapes, and could not be named to ``deny-ip`` any more.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import ipaddress

import sqlalchemy as sa
from alembic import op

from reseller_api.store.migrations.offline import printing

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_networks = sa.table(
    "api_key_networks", sa.column("id", sa.Integer), sa.column("api_key_id", sa.Integer), sa.column("cidr")
)
_generation = sa.table(
    "credentials_generation", sa.column("id", sa.Integer), sa.column("generation", sa.Integer)
)


def _unscoped(cidr: str) -> str | None:
    address, _, rest = cidr.partition("%")
    prefix = rest.rpartition("/")[2] if "/" in rest else "128"
    try:
        return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    except ValueError:
        return None


def upgrade() -> None:
    if printing("whitelist entries with an IPv6 scope lose it; duplicates are removed"):
        return
    conn = op.get_bind()
    rows = conn.execute(sa.select(_networks).where(_networks.c.cidr.contains("%", autoescape=True))).all()
    if not rows:
        return
    kept = {(r.api_key_id, r.cidr) for r in conn.execute(sa.select(_networks)) if "%" not in r.cidr}
    for row in rows:
        cidr = _unscoped(row.cidr)
        if cidr is None or (row.api_key_id, cidr) in kept:
            conn.execute(sa.delete(_networks).where(_networks.c.id == row.id))
        else:
            conn.execute(sa.update(_networks).where(_networks.c.id == row.id).values(cidr=cidr))
            kept.add((row.api_key_id, cidr))
    # Every server drops its cached whitelists.
    conn.execute(sa.update(_generation).values(generation=_generation.c.generation + 1))


def downgrade() -> None:
    pass
