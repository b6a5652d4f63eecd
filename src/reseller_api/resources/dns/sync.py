"""Push every DNS zone we record to the DNS backend (``reseller-api backends sync``)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from sqlalchemy import select

from reseller_api.backends import Backends
from reseller_api.resources.dns.service import RRset, read_rrsets
from reseller_api.resources.dns.tables import dns_zones
from reseller_api.resources.syncing import Synced, attempt
from reseller_api.store.database import Database


def sync_all(database: Database, backends: Backends, *, dry_run: bool = False) -> Iterator[Synced]:
    """Each zone: ``ensure_zone`` with its apex NS records, then every RRset (its SOA and NS
    included) replaced as a whole, exactly as a record change pushes it, the SOA last. An RRset
    the server has and we do not is left alone."""
    with database.engine.connect() as conn:
        zones = conn.execute(select(dns_zones.c.id, dns_zones.c.domain_name).order_by(dns_zones.c.id)).all()
    for zone_id, domain in zones:
        with database.engine.connect() as conn:  # closed before the backend writes
            rrsets = read_rrsets(conn, int(zone_id), None)
        yield attempt(
            "dns zone",
            domain,
            f"{len(rrsets)} rrsets",
            None if dry_run else partial(_push, backends, domain, rrsets),
        )


def _push(backends: Backends, domain: str, rrsets: list[RRset]) -> None:
    apex_ns = [r for r in rrsets if (r.name, r.type) == ("@", "NS")]
    name_servers = tuple(ns.rstrip(".") for ns in apex_ns[0].rdatas) if apex_ns else backends.name_servers
    backends.dns.ensure_zone(domain, name_servers)
    for rrset in sorted(rrsets, key=lambda r: r.type == "SOA"):
        backends.dns.replace_rrset(domain, rrset.name, rrset.type, rrset.ttl, rrset.rdatas)
