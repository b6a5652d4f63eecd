"""The rules of accounts: who may see which, what a valid order is, what provisioning makes."""

from __future__ import annotations

from msgspec import UNSET
from sqlalchemy import Connection, and_, bindparam, exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.conventions.paging import Page
from reseller_api.crypto import hash_password
from reseller_api.errors import FieldProblem, ValidationFailed, define
from reseller_api.jobs import service as jobs
from reseller_api.resources.accounts.jobs import CreateAccountJob
from reseller_api.resources.assets import rules_of as asset_rules_of
from reseller_api.resources.dns import zone
from reseller_api.resources.dns.tables import dns_zones
from reseller_api.resources.domains import service as domains_service
from reseller_api.resources.domains.service import REGISTERING
from reseller_api.resources.domains.tables import domains
from reseller_api.resources.hostnames import claim, unavailable
from reseller_api.resources.linuxhostings.tables import linux_host_headers, linux_hostings, linux_sites
from reseller_api.resources.mailzones.tables import mail_zones
from reseller_api.resources.servicepacks.service import Asset, assets_of
from reseller_api.resources.servicepacks.tables import servicepack_assets, servicepacks
from reseller_api.rules import DOMAIN_NAME_INVALID, canonical_domain_name, password_problem
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import accounts
from reseller_api.wire.accounts import Account, AccountDetail, CreateAccount
from reseller_api.wire.integers import INT32_MAX
from reseller_api.wire.servicepacks import Servicepack

ACTIVE, PROVISIONING = "active", "provisioning"

IDENTIFIER_REQUIRED = define("account_identifier_required", 400, "identifier is required.")
IDENTIFIER_INVALID = define("account_identifier_invalid", 400, "identifier is not valid.")
IDENTIFIER_IN_USE = define(
    "account_identifier_in_use", 400, "An account with this identifier already exists."
)
SERVICEPACK_REQUIRED = define("servicepack_id_required", 400, "servicepack_id is required.")
SERVICEPACK_NOT_FOUND = define("servicepack_not_found", 400, "The servicepack does not exist.")
FTP_PASSWORD_REQUIRED = define(
    "ftp_password_required", 400, "ftp_password is required for a servicepack with Linux hosting."
)

_DETAIL = Query(
    select(accounts.c.id, accounts.c.identifier, servicepacks.c.id, servicepacks.c.name)
    .join(servicepacks, servicepacks.c.id == accounts.c.servicepack_id)
    .where(
        accounts.c.id == bindparam("account_id"),
        accounts.c.reseller_id == bindparam("reseller_id"),
        accounts.c.status == ACTIVE,
    )
)


def _filtered(columns: list, reseller_id: int, asset_type: str | None, identifier: str | None):  # type: ignore[no-untyped-def,type-arg]
    query = select(*columns).where(accounts.c.reseller_id == reseller_id, accounts.c.status == ACTIVE)
    if identifier is not None:
        query = query.where(accounts.c.identifier == identifier)
    if asset_type is not None:
        query = query.where(
            exists().where(
                and_(
                    servicepack_assets.c.servicepack_id == accounts.c.servicepack_id,
                    servicepack_assets.c.asset_type == asset_type,
                    servicepack_assets.c.count > 0,
                )
            )
        )
    return query


def list_accounts(
    database: Database, reseller_id: int, page: Page, asset_type: str | None, identifier: str | None
) -> tuple[list[Account], int]:
    if identifier is not None:
        identifier = canonical_domain_name(identifier) or identifier.strip()
    columns = [accounts.c.id, accounts.c.identifier, accounts.c.servicepack_id]
    items_query = _filtered(columns, reseller_id, asset_type, identifier)
    items_query = items_query.order_by(accounts.c.id).limit(page.take).offset(page.skip)
    count_query = _filtered([func.count()], reseller_id, asset_type, identifier)
    with database.engine.connect() as conn:
        rows = conn.execute(items_query).all()
        total = int(conn.execute(count_query).scalar_one())
    return [Account(id=r[0], identifier=r[1], servicepack_id=r[2]) for r in rows], total


async def get_account(database: Database, reseller_id: int, account_id: int) -> AccountDetail | None:
    """One indexed read; on PostgreSQL awaited, so the event loop serves others meanwhile."""
    if not 0 < account_id <= INT32_MAX:  # ids are int32: anything else cannot exist
        return None
    row = await database.fetch_one_async(_DETAIL, account_id=account_id, reseller_id=reseller_id)
    if row is None:
        return None
    return AccountDetail(
        id=row[0], identifier=row[1], servicepack=Servicepack(id=row[2], name=row[3]), addons=[]
    )


def _identifier_taken(conn: Connection, identifier: str) -> bool:
    """In use by any account, any hosting or mail zone, any hosting's site or host name. A name
    another hosting serves (as a subsite or host header) cannot become a new hosting: both would
    serve it (README: one site anywhere per host name). Another reseller's domains, and the
    names in them, are refused by hostnames.claim."""
    for column in (
        accounts.c.identifier,
        linux_hostings.c.domain_name,
        mail_zones.c.domain_name,
        linux_sites.c.name,
        linux_host_headers.c.name,
    ):
        if conn.execute(select(column).where(column == identifier)).first():
            return True
    return False


def _domain_to_register(
    context: AppContext, conn: Connection, reseller_id: int, identifier: str, registrable: bool
) -> int | None:
    """For a pack with a ``domain`` asset: the row of the domain the account registers, inserted
    now (``registering``, invisible until the job makes it active) as a registration order would
    be, so no other order can take the name meanwhile. None when there is nothing to register:
    the reseller already has the domain (the account adopts it), or the registry would not
    register it (registered elsewhere, a subdomain, a TLD we do not sell: the account is made
    without a domain, as the vendor makes ``blog.example.com`` accounts; docs/compatibility.md)."""
    if conn.execute(select(domains.c.id).where(domains.c.domain_name == identifier)).first():
        return None  # ours: another reseller's was refused as an identifier in use
    if not registrable:
        return None
    name_servers = context.backends.name_servers
    return domains_service.insert_order(conn, reseller_id, identifier, REGISTERING, name_servers, {}, None)


def _own_zone_exists(conn: Connection, identifier: str) -> bool:
    """A zone the reseller already has (a registered domain): the account adopts it, never removes it."""
    return (
        conn.execute(select(dns_zones.c.id).where(dns_zones.c.domain_name == identifier)).first() is not None
    )


def create_account(context: AppContext, reseller_id: int, order: CreateAccount) -> str:
    """Validate the order, then commit the pending account and its job together; returns the job id."""
    problems: list[FieldProblem] = []
    assets: tuple[Asset, ...] = ()
    servicepack_id = None if order.servicepack_id is UNSET else order.servicepack_id
    ftp_password = order.ftp_password or None  # absent and empty both mean "not given"
    if servicepack_id is None:
        problems.append(FieldProblem(SERVICEPACK_REQUIRED.code, SERVICEPACK_REQUIRED.text))
    else:
        assets = assets_of(context.database, servicepack_id)
        if not assets and not _pack_exists(context.database, servicepack_id):
            problems.append(
                FieldProblem(SERVICEPACK_NOT_FOUND.code, f"Servicepack {servicepack_id} does not exist.")
            )
    types = {a.type for a in assets if a.count > 0}
    # What the pack's assets ask of the order, as their resources declare it (Resource.asset_rules).
    rules = asset_rules_of(types)
    domain_bound = any(rule.domain_bound for rule in rules)
    needs_ftp_password = any(rule.needs_ftp_password for rule in rules)
    identifier = (order.identifier or "").strip()
    if not identifier:
        problems.append(FieldProblem(IDENTIFIER_REQUIRED.code, IDENTIFIER_REQUIRED.text))
    elif domain_bound or servicepack_id is None:
        canonical = canonical_domain_name(identifier)
        if canonical is None:
            problems.append(
                FieldProblem(
                    DOMAIN_NAME_INVALID.code,
                    f"identifier {identifier!r} is not a valid domain name.",
                )
            )
        else:
            identifier = canonical
    elif len(identifier) > 253:
        problems.append(FieldProblem(IDENTIFIER_INVALID.code, "identifier is at most 253 characters."))
    if needs_ftp_password:
        if ftp_password is None:
            problems.append(FieldProblem(FTP_PASSWORD_REQUIRED.code, FTP_PASSWORD_REQUIRED.text))
        elif (problem := password_problem(ftp_password, "ftp_password")) is not None:
            problems.append(problem)
    if problems or servicepack_id is None:
        raise ValidationFailed(problems)

    # Hash before the transaction: argon2 is slow on purpose, the write lock should not wait for it.
    ftp_hash = hash_password(ftp_password) if needs_ftp_password and ftp_password else None
    # The registry is a backend: asked before our transaction, never inside it.
    registrable = "domain" in types and context.backends.registry.availability(identifier) == "available"
    try:
        with context.database.transaction() as conn:
            claim(conn, reseller_id, identifier, IDENTIFIER_IN_USE, _identifier_taken)
            account_id = int(
                conn.execute(
                    insert(accounts)
                    .values(
                        reseller_id=reseller_id,
                        identifier=identifier,
                        servicepack_id=servicepack_id,
                        status=PROVISIONING,
                        created_at=clock.time(),
                    )
                    .returning(accounts.c.id)
                ).scalar_one()
            )
            job_id = jobs.enqueue(
                conn,
                reseller_id=reseller_id,
                kind="account.create",
                payload=CreateAccountJob(
                    account_id=account_id,
                    identifier=identifier,
                    assets=sorted(types),
                    ftp_username=identifier if needs_ftp_password else None,
                    ftp_password_hash=ftp_hash,
                    existing_zone=_own_zone_exists(conn, identifier),
                    domain_id=_domain_to_register(context, conn, reseller_id, identifier, registrable),
                    # What the new zone's SOA and NS will say, fixed now so every retry agrees.
                    name_servers=list(context.backends.name_servers),
                    soa_serial=zone.initial_serial(clock.time()),
                ),
                duration=context.backends.step_duration,
            )
    except IntegrityError:
        # Two orders for one identifier raced; the unique index kept exactly one.
        raise unavailable(IDENTIFIER_IN_USE, identifier) from None
    context.runner.poke()
    return job_id


def _pack_exists(database: Database, servicepack_id: int) -> bool:
    with database.engine.connect() as conn:
        return (
            conn.execute(select(servicepacks.c.id).where(servicepacks.c.id == servicepack_id)).first()
            is not None
        )
