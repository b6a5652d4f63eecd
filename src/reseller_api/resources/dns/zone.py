"""The records a zone has because it is a zone: its SOA and its apex NS records.

They are rows like every other record (so record lists show them, as the vendor's do, and
they page and filter the same way), written when the zone is created. The SOA is ours to
keep: clients cannot add, change or delete it, and its serial moves forward (``YYYYMMDDnn``)
with every change to the zone, in the transaction that makes the change. The DNS backend is
given the SOA and NS as RRsets like any other, so what it serves is what we list (PowerDNS
zones are created with ``soa_edit_api`` off for that reason: backends/powerdns.py).
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, insert, select, update

from reseller_api.backends.base import DnsBackend
from reseller_api.resources.dns.records import APEX, Record
from reseller_api.resources.dns.tables import dns_records, dns_zones

ZONE_TTL = 3600  # of the SOA and NS records we write (the vendor's are 3600)
# refresh, retry, expire, negative-cache TTL: what the simulated and PowerDNS backends write.
SOA_TIMERS = "10800 3600 604800 3600"


def initial_serial(now: float) -> int:
    """``YYYYMMDD01`` of ``now`` (UTC), the usual first serial of a zone."""
    return int(time.strftime("%Y%m%d", time.gmtime(now))) * 100 + 1


def next_serial(serial: int, now: float) -> int:
    """The serial after ``serial``: today's first one, or one more when that is not higher."""
    return max(serial + 1, initial_serial(now))


def soa_record(domain_name: str, primary: str, serial: int) -> Record:
    """The SOA: our first name server as primary, ``hostmaster@`` the zone as contact."""
    rdata = f"{primary}. hostmaster.{domain_name}. {serial} {SOA_TIMERS}"
    content = f"{primary} hostmaster.{domain_name} {serial} {SOA_TIMERS}"  # as the vendor shows it
    return Record("SOA", APEX, ZONE_TTL, content, rdata)


def ns_record(host: str) -> Record:
    return Record("NS", APEX, ZONE_TTL, host, f"{host}.")


def apex_records(domain_name: str, name_servers: tuple[str, ...], serial: int) -> list[Record]:
    return [soa_record(domain_name, name_servers[0], serial), *(ns_record(ns) for ns in name_servers)]


def serial_of(rdata: str) -> int:
    fields = rdata.split()
    return int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else 0


def values(record: Record) -> dict[str, object]:
    """A record as the columns of its row."""
    return {
        "type": record.type,
        "name": record.name,
        "ttl": record.ttl,
        "content": record.content,
        "rdata": record.rdata,
        "priority": record.priority,
        "service": record.service,
        "protocol": record.protocol,
        "target": record.target,
        "port": record.port,
        "weight": record.weight,
    }


def insert_zone(
    conn: Connection,
    *,
    reseller_id: int,
    account_id: int | None,
    domain_name: str,
    name_servers: tuple[str, ...],
    serial: int,
    now: float,
) -> int:
    """The zone's row and its SOA and NS records (positions 1..n); returns the zone's id."""
    zone_id = int(
        conn.execute(
            insert(dns_zones)
            .values(reseller_id=reseller_id, account_id=account_id, domain_name=domain_name, created_at=now)
            .returning(dns_zones.c.id)
        ).scalar_one()
    )
    conn.execute(
        insert(dns_records),
        [
            {"zone_id": zone_id, "position": position, "created_at": now, **values(record)}
            for position, record in enumerate(apex_records(domain_name, name_servers, serial), start=1)
        ],
    )
    return zone_id


def push_apex(dns: DnsBackend, domain_name: str, name_servers: tuple[str, ...], serial: int) -> None:
    """Give the backend the SOA and NS that :func:`insert_zone` records (a job's world step)."""
    soa, *ns = apex_records(domain_name, name_servers, serial)
    dns.replace_rrset(domain_name, APEX, "NS", ZONE_TTL, [record.rdata for record in ns])
    dns.replace_rrset(domain_name, APEX, "SOA", ZONE_TTL, [soa.rdata])


def bump_serial(conn: Connection, zone_id: int, domain_name: str, now: float) -> Record | None:
    """Move the zone's SOA serial forward (in the caller's transaction); returns the SOA as it
    was (to put back if the change is undone), None when the zone has no SOA."""
    row = conn.execute(
        select(dns_records.c.id, dns_records.c.rdata, dns_records.c.content).where(
            dns_records.c.zone_id == zone_id, dns_records.c.type == "SOA"
        )
    ).first()
    if row is None:
        return None
    primary = row[1].split()[0].rstrip(".") if row[1].split() else domain_name
    soa = soa_record(domain_name, primary, next_serial(serial_of(row[1]), now))
    conn.execute(update(dns_records).where(dns_records.c.id == row[0]).values(**values(soa)))
    return Record("SOA", APEX, ZONE_TTL, str(row[2]), str(row[1]))


def put_back_soa(conn: Connection, zone_id: int, soa: Record | None) -> None:
    """The SOA as :func:`bump_serial` found it: a change undone leaves the serial where it was.
    (The backend never saw the new one: the SOA is pushed after the records it follows.)"""
    if soa is not None:
        conn.execute(
            update(dns_records)
            .where(dns_records.c.zone_id == zone_id, dns_records.c.type == "SOA")
            .values(content=soa.content, rdata=soa.rdata)
        )
