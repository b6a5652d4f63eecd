"""DNS record ids are never reused; every zone lists its SOA and NS records.

- SQLite gave a deleted record's id to the next record when it was the highest (a stale id
  then acted on another record): ``dns_records`` is rebuilt with AUTOINCREMENT, whose counter
  (``sqlite_sequence``) only goes up and survives restarts. PostgreSQL's sequences already
  never go back. Record ids are ``{zone}-{row}``, so a zone deleted and created again gets
  new ones too.
- Zones made before this version have no SOA and NS rows: each gets them, after its other
  records, with the name servers its zone was made with (what the simulated DNS backend
  recorded, else the domain's, else ``RESELLER_API_NAME_SERVERS``) and the serial the
  simulated backend had (else today's first). With a real DNS backend, run
  ``reseller-api backends sync --only dns`` once after upgrading.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import json
import os
import time

import sqlalchemy as sa
from alembic import op

from reseller_api.store.migrations.offline import printing

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DEFAULT_NAME_SERVERS = ("ns1.reseller-api.test", "ns2.reseller-api.test")
SOA_TIMERS = "10800 3600 604800 3600"
ZONE_TTL = 3600

zones = sa.table("dns_zones", sa.column("id", sa.Integer), sa.column("domain_name", sa.String))
records = sa.table(
    "dns_records",
    sa.column("id", sa.Integer),
    sa.column("zone_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("type", sa.String),
    sa.column("name", sa.String),
    sa.column("ttl", sa.Integer),
    sa.column("content", sa.Text),
    sa.column("rdata", sa.Text),
    sa.column("created_at", sa.Float),
)
world = sa.table(
    "simulated_objects",
    sa.column("kind", sa.String),
    sa.column("name", sa.String),
    sa.column("data", sa.Text),
)
domains = sa.table("domains", sa.column("domain_name", sa.String), sa.column("name_servers", sa.Text))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A rebuild (copy, drop, rename): nothing references dns_records, so dropping it cascades nothing.
        with op.batch_alter_table(
            "dns_records", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
    _add_zone_records()


def _configured_name_servers() -> list[str]:
    raw = os.environ.get("RESELLER_API_NAME_SERVERS", "")
    hosts = [part.split("=", 1)[0].strip().lower().rstrip(".") for part in raw.split(",") if part.strip()]
    return hosts if len(hosts) >= 2 else list(DEFAULT_NAME_SERVERS)


def _add_zone_records() -> None:
    if printing("every zone without an SOA record gets its SOA and NS records"):
        return
    conn = op.get_bind()
    with_soa = sa.select(records.c.zone_id).where(records.c.type == "SOA")
    missing = conn.execute(
        sa.select(zones.c.id, zones.c.domain_name).where(zones.c.id.not_in(with_soa))
    ).all()
    now = time.time()
    today = int(time.strftime("%Y%m%d", time.gmtime(now))) * 100 + 1
    for zone_id, domain in missing:
        simulated = conn.execute(
            sa.select(world.c.data).where(world.c.kind == "dns_zone", world.c.name == domain)
        ).scalar()
        recorded = json.loads(simulated) if simulated else {}
        registered = conn.execute(
            sa.select(domains.c.name_servers).where(domains.c.domain_name == domain)
        ).scalar()
        name_servers = (
            recorded.get("name_servers")
            or (json.loads(registered) if registered else None)
            or _configured_name_servers()
        )
        name_servers = [str(ns).partition("=")[0] for ns in name_servers]  # a domain's: host=glue
        serial = int(recorded.get("serial") or today)
        last = conn.execute(
            sa.select(sa.func.max(records.c.position)).where(records.c.zone_id == zone_id)
        ).scalar()
        position = int(last or 0)
        soa = f"{name_servers[0]} hostmaster.{domain} {serial} {SOA_TIMERS}"
        rows = [("SOA", soa, f"{name_servers[0]}. hostmaster.{domain}. {serial} {SOA_TIMERS}")]
        rows += [("NS", ns, f"{ns}.") for ns in name_servers]
        for rtype, content, rdata in rows:
            position += 1
            conn.execute(
                sa.insert(records).values(
                    zone_id=zone_id,
                    position=position,
                    type=rtype,
                    name="@",
                    ttl=ZONE_TTL,
                    content=content,
                    rdata=rdata,
                    created_at=now,
                )
            )


def downgrade() -> None:
    # Nothing to undo: AUTOINCREMENT only keeps ids from being reused, and the SOA and NS rows
    # are records an older version lists like any other.
    pass
