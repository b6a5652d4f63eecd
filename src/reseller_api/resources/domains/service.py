"""The rules of domains: what can be registered or transferred, name servers, renewal.

Orders are checked against our own books and the registry (a backend) before any job
exists, so a name that is taken, of a TLD we do not sell, or not a registrable name is a
400 and nothing more. The job then registers (or transfers) at the registry and, when the
domain uses our name servers, builds its DNS zone.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping

import msgspec
from msgspec import UNSET
from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.conventions.paging import Page
from reseller_api.errors import ApiProblem, FieldProblem, ValidationFailed, define, invalid
from reseller_api.jobs import service as jobs
from reseller_api.resources.dns import service as dns
from reseller_api.resources.dns import zone
from reseller_api.resources.dns.records import Invalid, host_name
from reseller_api.resources.dns.tables import dns_zones
from reseller_api.resources.domains.jobs import RegisterDomainJob, TransferDomainJob
from reseller_api.resources.domains.tables import domains
from reseller_api.rules import DOMAIN_NAME_INVALID, canonical_domain_name
from reseller_api.store.database import Database, Query
from reseller_api.store.undo import then_or_undo
from reseller_api.wire.domains import (
    Domain,
    DomainDetail,
    EditDomainWillRenewRequest,
    EditNameServers,
    NameServer,
    RegisterDomain,
    Registrant,
    TransferDomain,
)

ACTIVE, REGISTERING, TRANSFERRING = "active", "registering", "transferring"
MIN_NAME_SERVERS, MAX_NAME_SERVERS = 2, 13
# The renewal state can be toggled until the renewal is a month away (the YAML's rule).
RENEW_LOCK_SECONDS = 30 * 86_400

NOT_FOUND = define("domain_not_found", 404, "You have no domain with this name.")
NAME_REQUIRED = define("domain_name_required", 400, "domain_name is required.")
NOT_REGISTRABLE = define(
    "domain_name_not_registrable",
    400,
    "Only the domain part and the TLD can be registered (abc.com, not www.abc.com).",
)
TLD_UNSUPPORTED = define("domain_tld_unsupported", 400, "Domains with this extension are not offered.")
NOT_AVAILABLE = define("domain_not_available", 400, "The domain name is already registered.")
ALREADY_YOURS = define("domain_already_registered", 400, "You already own this domain name.")
NOT_TRANSFERABLE = define(
    "domain_not_registered",
    400,
    "The domain name is not registered anywhere, so it cannot be transferred: register it instead.",
)
AUTH_CODE_REQUIRED = define("domain_auth_code_required", 400, "auth_code is required for a transfer.")
NAME_SERVERS_REQUIRED = define("domain_name_servers_required", 400, "name_servers is required.")
NAME_SERVERS_COUNT = define(
    "domain_name_servers_count",
    400,
    f"A domain needs between {MIN_NAME_SERVERS} and {MAX_NAME_SERVERS} name servers.",
)
NAME_SERVER_INVALID = define("domain_name_server_invalid", 400, "A name server is not a valid host name.")
NAME_SERVER_DUPLICATE = define("domain_name_server_duplicate", 400, "A name server is listed twice.")
NAME_MISMATCH = define(
    "domain_name_mismatch", 400, "domain_name in the body does not match the domain name in the path."
)
WILL_RENEW_REQUIRED = define("domain_will_renew_required", 400, "will_renew is required (true or false).")
RENEW_LOCKED = define(
    "domain_renew_not_toggleable",
    400,
    "The renewal state cannot be changed any more: the renewal starts within a month.",
)

_COLUMNS = (
    domains.c.domain_name,
    domains.c.expiration_date,
    domains.c.will_renew,
    domains.c.name_servers,
    domains.c.registrant,
)
_DETAIL = Query(
    select(*_COLUMNS).where(
        domains.c.domain_name == bindparam("domain_name"),
        domains.c.reseller_id == bindparam("reseller_id"),
        domains.c.status == ACTIVE,
    )
)


def _iso(ts: float | None) -> str:
    return jobs.iso(ts or 0.0)


def list_domains(database: Database, reseller_id: int, page: Page) -> tuple[list[Domain], int]:
    mine = (domains.c.reseller_id == reseller_id, domains.c.status == ACTIVE)
    query = select(domains.c.domain_name, domains.c.expiration_date, domains.c.will_renew).where(*mine)
    with database.engine.connect() as conn:
        rows = conn.execute(query.order_by(domains.c.domain_name).limit(page.take).offset(page.skip)).all()
        total = int(conn.execute(select(func.count()).select_from(domains).where(*mine)).scalar_one())
    return [Domain(domain_name=r[0], expiration_date=_iso(r[1]), will_renew=bool(r[2])) for r in rows], total


def _owned(database: Database, reseller_id: int, domain_name: str) -> tuple[str, tuple[object, ...]]:
    canonical = canonical_domain_name(domain_name)
    row = None
    if canonical is not None:
        row = database.fetch_one(_DETAIL, domain_name=canonical, reseller_id=reseller_id)
    if row is None or canonical is None:
        raise ApiProblem(NOT_FOUND, f"You have no domain {domain_name!r}.")
    return canonical, row


def can_toggle_renew(expiration: float | None, now: float | None = None) -> bool:
    return expiration is not None and expiration - (now or clock.time()) > RENEW_LOCK_SECONDS


def get_domain(
    database: Database, reseller_id: int, domain_name: str, our_addresses: Mapping[str, str]
) -> DomainDetail:
    """The detail; each name server's ``ip`` is ours (``our_addresses``), its glue, or ``""``."""
    _, (name, expiration, will_renew, name_servers, registrant) = _owned(database, reseller_id, domain_name)
    return DomainDetail(
        domain_name=str(name),
        expiration_date=_iso(expiration),  # type: ignore[arg-type]
        will_renew=bool(will_renew),
        can_toggle_renew=can_toggle_renew(expiration),  # type: ignore[arg-type]
        name_servers=[
            NameServer(name=host, ip=our_addresses.get(host) or glue)
            for host, glue in stored_name_servers(str(name_servers))
        ],
        registrant=msgspec.json.decode(str(registrant), type=Registrant) if registrant else None,
    )


def stored_name_servers(raw: str) -> list[tuple[str, str]]:
    """The ``name_servers`` column: a JSON list of ``host`` or ``host=glue address``."""
    return [(host, glue) for host, _, glue in (str(item).partition("=") for item in json.loads(raw))]


def _store(name_servers: tuple[str, ...], glue: Mapping[str, str]) -> str:
    return json.dumps([f"{host}={glue[host]}" if host in glue else host for host in name_servers])


# -- orders -------------------------------------------------------------------------------------


def _orderable_name(context: AppContext, raw: object) -> str:
    """The canonical name if it can be ordered at all (valid, registrable, a TLD we sell)."""
    if raw is UNSET or raw is None or not str(raw).strip():
        raise invalid(NAME_REQUIRED)
    name = canonical_domain_name(str(raw))
    if name is None:
        raise invalid(DOMAIN_NAME_INVALID, f"domain_name {raw!r} is not a valid domain name.")
    if context.backends.registry.availability(name) == "unsupported":
        tlds = context.settings.registry_tlds
        if any(name.endswith("." + tld) for tld in tlds):
            raise invalid(NOT_REGISTRABLE, f"{NOT_REGISTRABLE.text} Got {name!r}.")
        raise invalid(TLD_UNSUPPORTED, f"{TLD_UNSUPPORTED.text} Offered: {', '.join(tlds)}.")
    return name


def _not_in_our_books(context: AppContext, reseller_id: int, name: str) -> None:
    """Refuse a name we already hold for anyone (a domain, or another reseller's zone)."""
    with context.database.engine.connect() as conn:
        holder = conn.execute(
            select(domains.c.reseller_id, domains.c.status).where(domains.c.domain_name == name)
        ).first()
        zone_owner = conn.execute(
            select(dns_zones.c.reseller_id).where(dns_zones.c.domain_name == name)
        ).scalar()
    if holder is not None and holder[0] == reseller_id and holder[1] == ACTIVE:
        raise ApiProblem(ALREADY_YOURS, f"You already own {name}.")
    if holder is not None or (zone_owner is not None and zone_owner != reseller_id):
        raise ApiProblem(NOT_AVAILABLE, f"{name} is already registered.")


def name_servers_problems(raw: object) -> tuple[tuple[str, ...], dict[str, str], list[FieldProblem]]:
    """2 to 13 fully qualified host names, no duplicates (case-insensitive, IDN as A-labels), each
    optionally with its glue address (``ns1.example.com=192.0.2.1``, for a name server inside
    the domain itself); returns the hosts, their glue, and the problems."""
    given = [] if raw is UNSET or raw is None else list(raw)  # type: ignore[call-overload]
    problems: list[FieldProblem] = []
    hosts: list[str] = []
    glue: dict[str, str] = {}
    for item in given:
        text, _, address = str(item).partition("=")
        try:
            host = host_name(text)
            if address.strip():
                glue[host] = str(ipaddress.ip_address(address.strip()))
        except (Invalid, ValueError) as exc:
            problems.append(FieldProblem(NAME_SERVER_INVALID.code, f"{NAME_SERVER_INVALID.text} ({exc})"))
            continue
        if host in hosts:
            problems.append(FieldProblem(NAME_SERVER_DUPLICATE.code, f"{host} is listed twice."))
        hosts.append(host)
    if not MIN_NAME_SERVERS <= len(given) <= MAX_NAME_SERVERS:
        problems.append(FieldProblem(NAME_SERVERS_COUNT.code, f"{NAME_SERVERS_COUNT.text} Got {len(given)}."))
    return tuple(dict.fromkeys(hosts)), glue, problems


def _uses_ours(context: AppContext, name_servers: tuple[str, ...]) -> bool:
    return set(name_servers) <= set(context.backends.name_servers)


def insert_order(
    conn: Connection,
    reseller_id: int,
    name: str,
    status: str,
    name_servers: tuple[str, ...],
    glue: Mapping[str, str],
    registrant: str | None,
) -> int:
    """The domain's row from its order on (``registering``/``transferring``: invisible until its
    job makes it active), so no other order takes the name meanwhile; returns its id. A
    registration, a transfer, and an account whose pack has a domain asset all start so."""
    return int(
        conn.execute(
            insert(domains)
            .values(
                reseller_id=reseller_id,
                domain_name=name,
                status=status,
                name_servers=_store(name_servers, glue),
                expiration_date=None,
                will_renew=True,
                registrant=registrant,
                created_at=clock.time(),
            )
            .returning(domains.c.id)
        ).scalar_one()
    )


def _place(
    context: AppContext,
    reseller_id: int,
    name: str,
    status: str,
    name_servers: tuple[str, ...],
    glue: Mapping[str, str],
    registrant: str | None,
    kind: str,
    auth_code: str | None,
) -> str:
    try:
        with context.database.transaction() as conn:
            domain_id = insert_order(conn, reseller_id, name, status, name_servers, glue, registrant)
            job_id = jobs.enqueue(
                conn,
                reseller_id=reseller_id,
                kind=kind,
                payload=_job(
                    RegisterDomainJob(
                        domain_id=int(domain_id),
                        domain_name=name,
                        name_servers=list(name_servers),
                        our_name_servers=_uses_ours(context, name_servers),
                        existing_zone=conn.execute(
                            select(dns_zones.c.id).where(dns_zones.c.domain_name == name)
                        ).first()
                        is not None,
                        soa_serial=zone.initial_serial(clock.time()),
                    ),
                    auth_code,
                ),
                duration=context.backends.step_duration,
            )
    except IntegrityError:
        # Two orders for one name raced; the unique index kept exactly one.
        raise ApiProblem(NOT_AVAILABLE, f"{name} is already registered.") from None
    context.runner.poke()
    return job_id


def _job(registration: RegisterDomainJob, auth_code: str | None) -> RegisterDomainJob:
    """A transfer's job is a registration's with the auth code (dropped when the job ends)."""
    if auth_code is None:
        return registration
    return TransferDomainJob(**msgspec.structs.asdict(registration), auth_code=auth_code)


def register(context: AppContext, reseller_id: int, order: RegisterDomain) -> str:
    name = _orderable_name(context, order.domain_name)
    glue: dict[str, str] = {}
    if order.name_servers is UNSET or order.name_servers is None or not order.name_servers:
        name_servers = context.backends.name_servers  # "When empty, ... default name servers."
    else:
        name_servers, glue, problems = name_servers_problems(order.name_servers)
        if problems:
            raise ValidationFailed(problems)
    _not_in_our_books(context, reseller_id, name)
    if context.backends.registry.availability(name) != "available":
        raise ApiProblem(NOT_AVAILABLE, f"{name} is already registered.")
    registrant = None
    if order.registrant not in (UNSET, None):
        given = msgspec.to_builtins(order.registrant)
        given.pop("extra_fields", None)
        registrant = json.dumps({k: v for k, v in given.items() if v is not None}) or None
    return _place(
        context, reseller_id, name, REGISTERING, name_servers, glue, registrant, "domain.register", None
    )


def transfer(context: AppContext, reseller_id: int, order: TransferDomain) -> str:
    name = _orderable_name(context, order.domain_name)
    auth_code = order.auth_code if isinstance(order.auth_code, str) else ""
    if not auth_code.strip():
        raise invalid(AUTH_CODE_REQUIRED)
    _not_in_our_books(context, reseller_id, name)
    if context.backends.registry.availability(name) == "available":
        raise ApiProblem(NOT_TRANSFERABLE, f"{name} is not registered anywhere: register it instead.")
    name_servers = context.backends.name_servers
    return _place(
        context, reseller_id, name, TRANSFERRING, name_servers, {}, None, "domain.transfer", auth_code.strip()
    )


# -- changes --------------------------------------------------------------------------------------


def set_name_servers(context: AppContext, reseller_id: int, domain_name: str, body: EditNameServers) -> None:
    name, row = _owned(context.database, reseller_id, domain_name)
    given = body.domain_name if isinstance(body.domain_name, str) else ""
    if given.strip() and canonical_domain_name(given) != name:
        raise invalid(NAME_MISMATCH, f"{NAME_MISMATCH.text} ({body.domain_name!r}, path {name!r})")
    if body.name_servers is UNSET or body.name_servers is None:
        raise invalid(NAME_SERVERS_REQUIRED)
    name_servers, glue, problems = name_servers_problems(body.name_servers)
    if problems:
        raise ValidationFailed(problems)
    # The registry first, then our row (with which the request's webhook event is written);
    # if recording fails, the registry gets its previous name servers back.
    previous = tuple(host for host, _ in stored_name_servers(str(row[3]))) if row[3] else ()
    registry = context.backends.registry
    registry.set_name_servers(name, name_servers)
    then_or_undo(
        lambda: _record(context.database, reseller_id, name, name_servers=_store(name_servers, glue)),
        lambda: registry.set_name_servers(name, previous) if previous else None,
    )
    if _uses_ours(context, name_servers):
        # The zone on our name servers says the same: made now, or its apex NS set replaced.
        dns.ensure_zone_on(context, reseller_id, name, name_servers)


def set_will_renew(
    context: AppContext, reseller_id: int, domain_name: str, body: EditDomainWillRenewRequest
) -> None:
    name, row = _owned(context.database, reseller_id, domain_name)
    if not isinstance(body.will_renew, bool):
        raise invalid(WILL_RENEW_REQUIRED)
    if not can_toggle_renew(row[1]):  # type: ignore[arg-type]
        raise ApiProblem(RENEW_LOCKED)
    # The registry first, then our row; if recording fails, the registry is put back.
    registry, will_renew, previous = context.backends.registry, body.will_renew, bool(row[2])
    registry.set_auto_renew(name, will_renew)
    then_or_undo(
        lambda: _record(context.database, reseller_id, name, will_renew=will_renew),
        lambda: registry.set_auto_renew(name, previous),
    )


def _record(database: Database, reseller_id: int, name: str, **values: object) -> None:
    """Our row of a domain, after the registry accepted the change (in its own transaction)."""
    with database.transaction() as conn:
        conn.execute(
            update(domains)
            .where(domains.c.domain_name == name, domains.c.reseller_id == reseller_id)
            .values(**values)
        )
