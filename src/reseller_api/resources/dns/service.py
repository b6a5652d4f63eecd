"""The rules of a zone: who may see it, what may live in it, and how it pages.

Records keep a dense per-zone ``position`` (1..n, insertion order): a page is a range scan
``position BETWEEN skip+1 AND skip+take`` on ``(zone_id, position)`` and the total is
``max(position)``, so the last page of a 100,000-record zone costs what the first does.
Deleting a record closes its gap (``position - 1`` for the records after it): writes pay,
reads never do. Every write locks its zone row first (``FOR UPDATE``; SQLite's ``BEGIN
IMMEDIATE`` serialises anyway), which keeps positions dense and the zone rules race-free.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, bindparam, delete, func, insert, null, select, update
from sqlalchemy.sql.selectable import ScalarSelect

from reseller_api import clock
from reseller_api.backends.base import BackendRefused, BackendUnavailable, DnsBackend
from reseller_api.context import AppContext
from reseller_api.conventions.paging import Page
from reseller_api.errors import ApiProblem, define, invalid
from reseller_api.resources.dns import zone as apex
from reseller_api.resources.dns.records import (
    APEX,
    LISTED_TYPES,
    NAME_FILTERED,
    Invalid,
    Record,
    build,
    owner_name,
)
from reseller_api.resources.dns.tables import dns_records, dns_zones
from reseller_api.rules import canonical_domain_name
from reseller_api.store.database import Database, Query
from reseller_api.store.undo import then_or_undo
from reseller_api.wire.dns import DnsRecord, DnsRecordInput
from reseller_api.wire.integers import fits_int32

log = logging.getLogger("reseller_api.dns")
MIN_APEX_NS = 2  # what registries ask of a delegation

ZONE_NOT_FOUND = define("dns_zone_not_found", 404, "You have no DNS zone for this domain name.")
RECORD_NOT_FOUND = define("dns_record_not_found", 404, "The DNS record does not exist in this zone.")
FILTER_TYPE_INVALID = define(
    "dns_record_filter_type_invalid", 400, "The type filter must be one of " + ", ".join(LISTED_TYPES) + "."
)
CNAME_AT_APEX = define(
    "dns_cname_at_apex",
    400,
    "A CNAME record cannot be at the domain itself (it would hide the zone's SOA and NS records); "
    "use an ALIAS record.",
)
CNAME_CONFLICT = define(
    "dns_cname_conflict", 400, "A CNAME record cannot share its name with any other record."
)
ALIAS_CONFLICT = define(
    "dns_alias_conflict", 400, "An ALIAS record cannot share its name with A, AAAA or ALIAS records."
)
DUPLICATE = define("dns_record_duplicate", 400, "An identical record already exists in this zone.")
SOA_IMMUTABLE = define(
    "dns_record_soa_immutable",
    400,
    "The zone's SOA record is kept by the server (its serial follows every change): "
    "it cannot be added, changed or deleted.",
)
NS_MINIMUM = define(
    "dns_zone_name_servers_minimum",
    400,
    f"A zone keeps at least {MIN_APEX_NS} NS records at its apex: add another before removing this one.",
)

_RECORD_ID = re.compile(r"^(\d{1,10})-(\d{1,18})$")
_COLUMNS = (
    dns_records.c.id,
    dns_records.c.type,
    dns_records.c.name,
    dns_records.c.ttl,
    dns_records.c.content,
    dns_records.c.rdata,
    dns_records.c.priority,
    dns_records.c.service,
    dns_records.c.protocol,
    dns_records.c.target,
    dns_records.c.port,
    dns_records.c.weight,
)
_ZONE = Query(
    select(dns_zones.c.id).where(
        dns_zones.c.domain_name == bindparam("domain_name"),
        dns_zones.c.reseller_id == bindparam("reseller_id"),
    )
)
_PAGE = Query(
    select(*_COLUMNS)
    .where(
        dns_records.c.zone_id == bindparam("zone_id"),
        dns_records.c.position.between(bindparam("first"), bindparam("last")),
    )
    .order_by(dns_records.c.position)
)
_TOTAL = Query(select(func.max(dns_records.c.position)).where(dns_records.c.zone_id == bindparam("zone_id")))
_ONE = Query(
    select(*_COLUMNS).where(
        dns_records.c.id == bindparam("record_pk"), dns_records.c.zone_id == bindparam("zone_id")
    )
)


class _HasDns(Protocol):
    @property
    def dns(self) -> DnsBackend: ...


class ZoneContext(Protocol):
    """What a record write needs: our store and the DNS backend. The API's :class:`AppContext`
    is one; the ``ssl.issue`` job's DNS-01 records (resources/sslcertificates/acme_dns.py)
    bring their own, so they go the same way as every record."""

    @property
    def database(self) -> Database: ...
    @property
    def backends(self) -> _HasDns: ...


@dataclass(frozen=True, slots=True)
class Zone:
    id: int
    domain_name: str


def record_id(zone_id: int, pk: int) -> str:
    """Opaque to clients; shaped like the vendor's (``1-9988776610``)."""
    return f"{zone_id}-{pk}"


def _record(row: tuple[Any, ...]) -> tuple[int, Record]:
    pk, rtype, name, ttl, content, rdata, priority, service, protocol, target, port, weight = row
    return int(pk), Record(
        rtype, name, ttl, content, rdata, priority, service, protocol, target, port, weight
    )


def find_zone(database: Database, reseller_id: int, domain_name: str) -> Zone:
    """The caller's zone for ``domain_name`` (any case, IDN or A-labels); 404 for anything else."""
    canonical = canonical_domain_name(domain_name)
    row = (
        None
        if canonical is None
        else database.fetch_one(_ZONE, domain_name=canonical, reseller_id=reseller_id)
    )
    if row is None or canonical is None:
        raise ApiProblem(ZONE_NOT_FOUND, f"You have no DNS zone for {domain_name!r}.")
    return Zone(int(row[0]), canonical)


def _pk(zone: Zone, raw_id: str) -> int:
    match = _RECORD_ID.match(raw_id.strip())
    # A row id past what the column holds cannot exist (and must not reach the database).
    if match is None or int(match[1]) != zone.id or not fits_int32(int(match[2])):
        raise ApiProblem(RECORD_NOT_FOUND, f"The record {raw_id!r} does not exist in {zone.domain_name}.")
    return int(match[2])


def list_records(
    database: Database,
    reseller_id: int,
    domain_name: str,
    page: Page,
    rtype: str | None,
    record_name: str | None,
    service: str | None,
) -> tuple[list[DnsRecord], int]:
    zone = find_zone(database, reseller_id, domain_name)
    if not rtype or not rtype.strip():
        # The common case, O(take) wherever the page is: see the module docstring.
        rows = database.fetch_all(_PAGE, zone_id=zone.id, first=page.skip + 1, last=page.skip + page.take)
        last = database.fetch_one(_TOTAL, zone_id=zone.id)
        items = [rec.wire(record_id(zone.id, pk)) for pk, rec in map(_record, rows)]
        return items, int(last[0] or 0) if last else 0
    rtype = rtype.strip().upper()
    if rtype not in LISTED_TYPES:
        raise invalid(FILTER_TYPE_INVALID, f"{FILTER_TYPE_INVALID.text} Got {rtype!r}.")
    where = [dns_records.c.zone_id == zone.id, dns_records.c.type == rtype]
    if record_name is not None and rtype in NAME_FILTERED:
        try:
            where.append(dns_records.c.name == owner_name(zone.domain_name, record_name))
        except Invalid:
            return [], 0  # no record can have a name that is not valid
    if service and service.strip() and rtype == "SRV":
        where.append(dns_records.c.service == "_" + service.strip().lower().lstrip("_"))
    query = select(*_COLUMNS).where(*where).order_by(dns_records.c.position)
    with database.engine.connect() as conn:
        found = conn.execute(query.limit(page.take).offset(page.skip)).all()
        total = int(conn.execute(select(func.count()).where(*where)).scalar_one())
    return [rec.wire(record_id(zone.id, pk)) for pk, rec in (_record(tuple(r)) for r in found)], total


def get_record(database: Database, reseller_id: int, domain_name: str, raw_id: str) -> DnsRecord:
    zone = find_zone(database, reseller_id, domain_name)
    row = database.fetch_one(_ONE, record_pk=_pk(zone, raw_id), zone_id=zone.id)
    if row is None:
        raise ApiProblem(RECORD_NOT_FOUND, f"The record {raw_id!r} does not exist in {zone.domain_name}.")
    pk, record = _record(row)
    return record.wire(record_id(zone.id, pk))


def _lock_zone(conn: Connection, zone: Zone, reseller_id: int) -> None:
    locked = conn.execute(
        select(dns_zones.c.id)
        .where(dns_zones.c.id == zone.id, dns_zones.c.reseller_id == reseller_id)
        .with_for_update()
    ).first()
    if locked is None:  # removed since we looked it up
        raise ApiProblem(ZONE_NOT_FOUND, f"You have no DNS zone for {zone.domain_name!r}.")


def _lock_zone_named(conn: Connection, reseller_id: int, domain_name: str) -> Zone:
    """:func:`find_zone` and :func:`_lock_zone` in one statement, inside the caller's transaction."""
    canonical = canonical_domain_name(domain_name)
    locked = (
        None
        if canonical is None
        else conn.execute(
            select(dns_zones.c.id)
            .where(dns_zones.c.domain_name == canonical, dns_zones.c.reseller_id == reseller_id)
            .with_for_update()
        ).first()
    )
    if locked is None or canonical is None:
        raise ApiProblem(ZONE_NOT_FOUND, f"You have no DNS zone for {domain_name!r}.")
    return Zone(int(locked[0]), canonical)


def _check_zone_rules(conn: Connection, zone: Zone, record: Record, own_pk: int | None) -> None:
    """What an authoritative server refuses to load: CNAME at the apex or beside other data,
    ALIAS beside address records, and the same record twice. A CNAME at the apex is a
    malformed record (``validation_errors``); the others are refusals about what the zone
    already holds (a top-level error, as the vendor answers ``ssh_key_already_exists``).

    One statement (one round trip): each rule is a scalar subquery answering the type of
    the first record in its way, checked in this order."""
    if record.type == "CNAME" and record.name == "@":
        raise invalid(CNAME_AT_APEX)
    fqdn = zone.domain_name if record.name == "@" else f"{record.name}.{zone.domain_name}"

    def first_other(*conditions: ColumnElement[bool]) -> ScalarSelect[Any]:
        query = select(dns_records.c.type).where(
            dns_records.c.zone_id == zone.id, dns_records.c.name == record.name, *conditions
        )
        if own_pk is not None:
            query = query.where(dns_records.c.id != own_pk)
        return query.limit(1).scalar_subquery()

    clashing = {"ALIAS": ("A", "AAAA", "ALIAS"), "A": ("ALIAS",), "AAAA": ("ALIAS",)}.get(record.type)
    cname = first_other() if record.type == "CNAME" else first_other(dns_records.c.type == "CNAME")
    alias = first_other(dns_records.c.type.in_(clashing)) if clashing else null()
    same = first_other(dns_records.c.type == record.type, dns_records.c.rdata == record.rdata)
    row = conn.execute(select(cname, alias, same)).one()
    if row[0] is not None:
        raise ApiProblem(CNAME_CONFLICT, f"{CNAME_CONFLICT.text} {fqdn} already has a {row[0]} record.")
    if row[1] is not None:
        raise ApiProblem(ALIAS_CONFLICT, f"{ALIAS_CONFLICT.text} {fqdn} already has a {row[1]} record.")
    if row[2] is not None:
        raise ApiProblem(DUPLICATE, f"{DUPLICATE.text} ({record.type} {fqdn} {record.rdata})")


@dataclass(frozen=True, slots=True)
class RRset:
    """One (owner, type) as the DNS backend is told it: every record's rdata, at their lowest TTL."""

    name: str
    type: str
    ttl: int
    rdatas: list[str]


def read_rrsets(conn: Connection, zone_id: int, owners: set[tuple[str, str]] | None = None) -> list[RRset]:
    """The zone's RRsets ``owners`` (an empty one, which removes it, for an owner with no
    record left), or all of them (``None``: one query, for ``reseller-api backends sync``)."""
    query = (
        select(dns_records.c.name, dns_records.c.type, dns_records.c.ttl, dns_records.c.rdata)
        .where(dns_records.c.zone_id == zone_id)
        .order_by(dns_records.c.position)
    )
    grouped: dict[tuple[str, str], list[tuple[int, str]]] = {}
    if owners is None:
        for name, rtype, ttl, rdata in conn.execute(query):
            grouped.setdefault((name, rtype), []).append((ttl, rdata))
    else:
        for name, rtype in owners:
            rows = conn.execute(query.where(dns_records.c.name == name, dns_records.c.type == rtype))
            grouped[name, rtype] = [(r[2], r[3]) for r in rows]
    return [
        RRset(name, rtype, min((r[0] for r in rows), default=0), [r[1] for r in rows])
        for (name, rtype), rows in sorted(grouped.items())
    ]


def _sync(context: ZoneContext, zone: Zone, owners: set[tuple[str, str]]) -> None:
    """Push the touched RRsets to the DNS backend, after our commit (world steps never run inside
    our transactions); each push replaces the whole RRset, so a repeat converges. The SOA goes
    last, so a secondary that sees the new serial finds the new data."""
    with context.database.autocommit() as conn:  # closed before the backend writes
        rrsets = read_rrsets(conn, zone.id, owners)
    for rrset in sorted(rrsets, key=lambda r: r.type == "SOA"):
        context.backends.dns.replace_rrset(zone.domain_name, rrset.name, rrset.type, rrset.ttl, rrset.rdatas)


def _sync_or_undo(
    context: ZoneContext,
    zone: Zone,
    reseller_id: int,
    owners: set[tuple[str, str]],
    undo: Callable[[Connection], None],
    soa_before: Record | None,
) -> None:
    """:func:`_sync`; when the backend refuses the change (or cannot be reached), put our rows back
    as they were (the SOA's serial too: ``soa_before``) and push every touched RRset back, so the
    request changes nothing, then re-raise (the API answers 400 with the backend's reason, or 503).

    The one that failed is pushed back too: a backend that timed out may have applied it anyway.
    If the push back fails as well (the backend is still away), the RRset converges on its next
    edit, which replaces it whole.
    """
    owners = {*owners, (APEX, "SOA")}

    def put_back() -> None:
        with context.database.transaction() as conn:
            _lock_zone(conn, zone, reseller_id)
            undo(conn)
            apex.put_back_soa(conn, zone.id, soa_before)
        try:
            _sync(context, zone, owners)
        except (BackendRefused, BackendUnavailable) as exc:
            log.warning(
                "DNS zone %s: could not push back %s after a refusal: %s", zone.domain_name, owners, exc
            )

    then_or_undo(lambda: _sync(context, zone, owners), put_back, on=(BackendRefused, BackendUnavailable))


def _refuse_soa(rtype: object) -> None:
    if isinstance(rtype, str) and rtype.strip().upper() == "SOA":
        raise ApiProblem(SOA_IMMUTABLE)


def _keep_two_apex_ns(conn: Connection, zone: Zone, removed: Record) -> None:
    """Refuse a change that would take the zone's apex NS records below two."""
    if removed.type != "NS" or removed.name != APEX:
        return
    left = conn.execute(
        select(func.count()).where(
            dns_records.c.zone_id == zone.id, dns_records.c.type == "NS", dns_records.c.name == APEX
        )
    ).scalar_one()
    if int(left) <= MIN_APEX_NS:
        raise ApiProblem(NS_MINIMUM, f"{NS_MINIMUM.text} ({zone.domain_name} has {left}.)")


def create_record(
    context: ZoneContext, reseller_id: int, domain_name: str, body: DnsRecordInput
) -> tuple[Zone, str]:
    """Add a record; returns its zone and id. ``id`` in the body is ignored, as the API text says."""
    # Three statements in the transaction, each one round trip on PostgreSQL, while the zone
    # is locked (its writers queue on that lock: bench/writes.py): find and lock it, check
    # the zone's rules, insert at the next position; then the SOA's serial moves on.
    with context.database.transaction() as conn:
        zone = _lock_zone_named(conn, reseller_id, domain_name)
        _refuse_soa(body.type)
        record = build(zone.domain_name, body)
        _check_zone_rules(conn, zone, record, None)
        next_position = (
            select(func.coalesce(func.max(dns_records.c.position), 0) + 1)
            .where(dns_records.c.zone_id == zone.id)
            .scalar_subquery()
        )
        now = clock.time()
        pk = conn.execute(
            insert(dns_records)
            .values(zone_id=zone.id, position=next_position, created_at=now, **apex.values(record))
            .returning(dns_records.c.id)
        ).scalar_one()
        soa_before = apex.bump_serial(conn, zone.id, zone.domain_name, now)
    _sync_or_undo(
        context,
        zone,
        reseller_id,
        {(record.name, record.type)},
        lambda conn: _remove_row(conn, zone, int(pk)),
        soa_before,
    )
    return zone, record_id(zone.id, int(pk))


def _current(conn: Connection, zone: Zone, pk: int, raw_id: str) -> Record:
    row = conn.execute(
        select(*_COLUMNS).where(dns_records.c.id == pk, dns_records.c.zone_id == zone.id)
    ).first()
    if row is None:
        raise ApiProblem(RECORD_NOT_FOUND, f"The record {raw_id!r} does not exist in {zone.domain_name}.")
    current = _record(tuple(row))[1]
    if current.type == "SOA":
        raise ApiProblem(SOA_IMMUTABLE)
    return current


def update_record(
    context: AppContext, reseller_id: int, domain_name: str, raw_id: str, body: DnsRecordInput
) -> DnsRecord:
    zone = find_zone(context.database, reseller_id, domain_name)
    pk = _pk(zone, raw_id)
    with context.database.transaction() as conn:
        _lock_zone(conn, zone, reseller_id)
        current = _current(conn, zone, pk, raw_id)
        record = build(zone.domain_name, body, current)
        _check_zone_rules(conn, zone, record, pk)
        if record.name != current.name:  # an apex NS renamed away leaves the apex one fewer
            _keep_two_apex_ns(conn, zone, current)
        conn.execute(update(dns_records).where(dns_records.c.id == pk).values(**apex.values(record)))
        soa_before = apex.bump_serial(conn, zone.id, zone.domain_name, clock.time())
    _sync_or_undo(
        context,
        zone,
        reseller_id,
        {(current.name, current.type), (record.name, record.type)},
        lambda conn: _put_back(conn, pk, current),
        soa_before,
    )
    return record.wire(record_id(zone.id, pk))


def _put_back(conn: Connection, pk: int, record: Record) -> None:
    conn.execute(update(dns_records).where(dns_records.c.id == pk).values(**apex.values(record)))


def _remove_row(conn: Connection, zone: Zone, pk: int) -> None:
    position = conn.execute(select(dns_records.c.position).where(dns_records.c.id == pk)).scalar()
    if position is None:
        return
    conn.execute(delete(dns_records).where(dns_records.c.id == pk))
    # Close the gap so positions stay dense (1..n): the price of O(take) pages.
    conn.execute(
        update(dns_records)
        .where(dns_records.c.zone_id == zone.id, dns_records.c.position > position)
        .values(position=dns_records.c.position - 1)
    )


def _restore_row(conn: Connection, zone: Zone, row: dict[str, Any]) -> None:
    """Put a deleted row back where it was: same id (so its URL still works), same position."""
    conn.execute(
        update(dns_records)
        .where(dns_records.c.zone_id == zone.id, dns_records.c.position >= row["position"])
        .values(position=dns_records.c.position + 1)
    )
    conn.execute(insert(dns_records).values(**row))


def delete_record(context: ZoneContext, reseller_id: int, domain_name: str, raw_id: str) -> None:
    zone = find_zone(context.database, reseller_id, domain_name)
    pk = _pk(zone, raw_id)
    with context.database.transaction() as conn:
        _lock_zone(conn, zone, reseller_id)
        current = _current(conn, zone, pk, raw_id)
        _keep_two_apex_ns(conn, zone, current)
        row = dict(conn.execute(select(dns_records).where(dns_records.c.id == pk)).one()._mapping)
        _remove_row(conn, zone, pk)
        soa_before = apex.bump_serial(conn, zone.id, zone.domain_name, clock.time())
    _sync_or_undo(
        context,
        zone,
        reseller_id,
        {(current.name, current.type)},
        lambda conn: _restore_row(conn, zone, row),
        soa_before,
    )


# -- the zone itself: created with its SOA and NS, and its apex NS set as a whole ----------------


def ensure_zone_on(
    context: AppContext, reseller_id: int, domain_name: str, name_servers: tuple[str, ...]
) -> None:
    """Make ``domain_name``'s zone (ours, for this reseller) have exactly these apex NS records:
    create it (world first: the backend's zone, then our rows) or replace its apex NS set.
    For a domain pointed at our name servers (``PUT /v2/domains/{name}/nameservers``)."""
    with context.database.engine.connect() as conn:
        found = conn.execute(
            select(dns_zones.c.id, dns_zones.c.reseller_id).where(dns_zones.c.domain_name == domain_name)
        ).first()
    if found is None:
        serial = apex.initial_serial(clock.time())
        context.backends.dns.ensure_zone(domain_name, name_servers)
        apex.push_apex(context.backends.dns, domain_name, name_servers, serial)
        with context.database.transaction() as conn:
            if conn.execute(select(dns_zones.c.id).where(dns_zones.c.domain_name == domain_name)).first():
                return  # made by someone else in between (a retry): theirs stands
            apex.insert_zone(
                conn,
                reseller_id=reseller_id,
                account_id=None,
                domain_name=domain_name,
                name_servers=name_servers,
                serial=serial,
                now=clock.time(),
            )
        return
    if int(found[1]) != reseller_id:
        return  # another reseller's zone is theirs to keep (refused earlier, as a name in use)
    zone = Zone(int(found[0]), domain_name)
    with context.database.transaction() as conn:
        _lock_zone(conn, zone, reseller_id)
        rows = conn.execute(
            select(dns_records).where(
                dns_records.c.zone_id == zone.id, dns_records.c.type == "NS", dns_records.c.name == APEX
            )
        ).all()
        before = [dict(r._mapping) for r in rows]
        if sorted(r["content"] for r in before) == sorted(name_servers):
            return
        for row in sorted(before, key=lambda r: -int(r["position"])):
            _remove_row(conn, zone, int(row["id"]))
        last = conn.execute(select(func.max(dns_records.c.position)).where(dns_records.c.zone_id == zone.id))
        position = int(last.scalar() or 0)
        now = clock.time()
        for host in name_servers:
            position += 1
            conn.execute(
                insert(dns_records).values(
                    zone_id=zone.id, position=position, created_at=now, **apex.values(apex.ns_record(host))
                )
            )
        soa_before = apex.bump_serial(conn, zone.id, zone.domain_name, now)

    def undo(conn: Connection) -> None:
        added = conn.execute(
            select(dns_records.c.id).where(
                dns_records.c.zone_id == zone.id, dns_records.c.type == "NS", dns_records.c.name == APEX
            )
        )
        for pk in added.scalars().all():
            _remove_row(conn, zone, int(pk))
        for row in sorted(before, key=lambda r: int(r["position"])):
            _restore_row(conn, zone, row)

    _sync_or_undo(context, zone, reseller_id, {(APEX, "NS")}, undo, soa_before)
