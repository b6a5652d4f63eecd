"""``domain.register`` and ``domain.transfer``: the registry first, then the zone, then our books."""

from __future__ import annotations

import msgspec
from sqlalchemy import Connection, delete, select, update

from reseller_api import clock
from reseller_api.conventions.locations import location
from reseller_api.jobs.registry import JobContext, JobHandler
from reseller_api.resources.dns import zone
from reseller_api.resources.dns.tables import dns_zones
from reseller_api.resources.domains.tables import domains


class RegisterDomainJob(msgspec.Struct, kw_only=True):
    domain_id: int
    domain_name: str
    name_servers: list[str]
    our_name_servers: bool  # the domain's zone is then ours to build
    existing_zone: bool = False  # the reseller has the zone already (an account's): kept as it is
    soa_serial: int | None = None  # fixed by the order; older jobs carry none


class TransferDomainJob(RegisterDomainJob, kw_only=True):
    auth_code: str  # dropped with the payload when the job ends


def _serial(payload: RegisterDomainJob) -> int:
    """The new zone's first SOA serial, fixed by the order (older jobs: the day it runs)."""
    return payload.soa_serial or zone.initial_serial(clock.time())


def _zone(ctx: JobContext, payload: RegisterDomainJob) -> None:
    """On our name servers, the domain's zone, with its SOA and NS (a zone the reseller already
    has, an account's, is kept as it is)."""
    if payload.our_name_servers and not payload.existing_zone:
        name, name_servers = payload.domain_name, tuple(payload.name_servers)
        ctx.backends.dns.ensure_zone(name, name_servers)
        zone.push_apex(ctx.backends.dns, name, name_servers, _serial(payload))


def _provision_registration(ctx: JobContext, payload: RegisterDomainJob) -> None:
    ctx.backends.registry.register(payload.domain_name, tuple(payload.name_servers), 1)
    _zone(ctx, payload)


def _provision_transfer(ctx: JobContext, payload: TransferDomainJob) -> None:
    # A wrong auth code raises RegistryError: the job fails, and says why in its log.
    ctx.backends.registry.transfer(payload.domain_name, payload.auth_code, tuple(payload.name_servers))
    _zone(ctx, payload)


def _commit(conn: Connection, ctx: JobContext, payload: RegisterDomainJob) -> list[str]:
    name, now = payload.domain_name, clock.time()
    conn.execute(
        update(domains)
        .where(domains.c.id == payload.domain_id)
        .values(status="active", expiration_date=ctx.backends.registry.expiration(now))
    )
    # An account of this reseller may have built the zone already: it is adopted as it is.
    found = conn.execute(select(dns_zones.c.id).where(dns_zones.c.domain_name == name)).first()
    if payload.our_name_servers and found is None:
        zone.insert_zone(
            conn,
            reseller_id=ctx.reseller_id,
            account_id=None,
            domain_name=name,
            name_servers=tuple(payload.name_servers),
            serial=_serial(payload),
            now=now,
        )
    return [location("domains", name)]


def _unprovision(ctx: JobContext, payload: RegisterDomainJob) -> None:
    ctx.backends.registry.release(payload.domain_name)
    if payload.our_name_servers and not payload.existing_zone:
        ctx.backends.dns.remove_zone(payload.domain_name)


def _discard(conn: Connection, ctx: JobContext, payload: RegisterDomainJob) -> None:
    conn.execute(delete(domains).where(domains.c.id == payload.domain_id, domains.c.status != "active"))


REGISTER = JobHandler(
    "domain.register",
    RegisterDomainJob,
    _provision_registration,
    _commit,
    _unprovision,
    _discard,
    title="Domain registration",
    event="domain.created",
)
TRANSFER = JobHandler(
    "domain.transfer",
    TransferDomainJob,
    _provision_transfer,
    _commit,
    _unprovision,
    _discard,
    title="Domain transfer",
    event="domain.created",
)
