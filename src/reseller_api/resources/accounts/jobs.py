"""The ``account.create`` job: build the pack's assets, then activate the account."""

from __future__ import annotations

import json

import msgspec
from sqlalchemy import Connection, delete, insert, select, update

from reseller_api import clock
from reseller_api.backends.simulated.registry import years_on
from reseller_api.conventions.locations import location
from reseller_api.jobs.registry import JobContext, JobHandler, register
from reseller_api.resources.dns import zone
from reseller_api.resources.windowshostings import provisioning as windows
from reseller_api.store.tables import (
    accounts,
    dns_zones,
    domains,
    linux_hostings,
    mail_zones,
    servicepack_assets,
    windows_hostings,
)

DEFAULT_PHP_VERSION = "8.3"


class CreateAccountJob(msgspec.Struct, kw_only=True):
    account_id: int
    identifier: str  # the account's domain name
    assets: list[str]  # the pack's asset types
    # Defaults: what a job queued by an older version, which may lack the field, means.
    ftp_username: str | None = None  # with a Linux hosting only
    ftp_password_hash: str | None = None  # the FTP password only ever as its hash
    existing_zone: bool = False  # the reseller has the zone already (a registered domain)
    domain_id: int | None = None  # the pack's domain, to register
    name_servers: list[str] = msgspec.field(default_factory=list)  # empty: the installation's
    soa_serial: int | None = None  # None: one from the day the job runs


def initial_php_version(available: tuple[str, ...]) -> str:
    """8.3 where the platform has it; else its newest, so the detail never names a PHP it lacks."""
    if DEFAULT_PHP_VERSION in available or not available:
        return DEFAULT_PHP_VERSION
    return max(
        available, key=lambda version: tuple(int(part) for part in version.split(".") if part.isdigit())
    )


def _zone_apex(ctx: JobContext, payload: CreateAccountJob) -> tuple[tuple[str, ...], int]:
    """The new zone's name servers and first SOA serial, as the order fixed them (jobs queued by
    an older version carry neither: ours, and a serial from the day it runs)."""
    name_servers = tuple(payload.name_servers or ctx.backends.name_servers)
    return name_servers, payload.soa_serial or zone.initial_serial(clock.time())


def _provision(ctx: JobContext, payload: CreateAccountJob) -> None:
    domain = payload.identifier
    assets = set(payload.assets)
    if payload.domain_id:
        # The pack's domain asset: registered exactly as POST /v2/domains/registrations would.
        ctx.backends.registry.register(domain, tuple(payload.name_servers or ctx.backends.name_servers), 1)
    if "linux_hosting" in assets:
        # The order sets both whenever the pack has a Linux hosting.
        assert payload.ftp_username is not None
        assert payload.ftp_password_hash is not None
        ctx.backends.hosting.ensure_hosting(domain, payload.ftp_username, payload.ftp_password_hash)
    if "dns" in assets and not payload.existing_zone:
        # A zone the reseller already has (a registered domain) is adopted as it is.
        name_servers, serial = _zone_apex(ctx, payload)
        ctx.backends.dns.ensure_zone(domain, name_servers)
        zone.push_apex(ctx.backends.dns, domain, name_servers, serial)
    if "mailbox" in assets:
        ctx.backends.mail.ensure_mail_zone(domain)


def _commit(conn: Connection, ctx: JobContext, payload: CreateAccountJob) -> list[str]:
    account_id, domain = payload.account_id, payload.identifier
    assets = set(payload.assets)
    now = clock.time()
    if "linux_hosting" in assets:
        conn.execute(
            insert(linux_hostings).values(
                account_id=account_id,
                reseller_id=ctx.reseller_id,
                domain_name=domain,
                ftp_username=payload.ftp_username,
                ftp_password_hash=payload.ftp_password_hash,
                php_version=initial_php_version(ctx.backends.hosting.php_versions()),
                created_at=now,
            )
        )
    if "dns" in assets:
        # The reseller may already own the zone (a domain registered before the account).
        zone_id = conn.execute(select(dns_zones.c.id).where(dns_zones.c.domain_name == domain)).scalar()
        if zone_id is None:
            name_servers, serial = _zone_apex(ctx, payload)
            zone.insert_zone(
                conn,
                reseller_id=ctx.reseller_id,
                account_id=account_id,
                domain_name=domain,
                name_servers=name_servers,
                serial=serial,
                now=now,
            )
        else:
            conn.execute(update(dns_zones).where(dns_zones.c.id == zone_id).values(account_id=account_id))
    if "mailbox" in assets:
        conn.execute(
            insert(mail_zones).values(
                reseller_id=ctx.reseller_id,
                account_id=account_id,
                domain_name=domain,
                created_at=now,
            )
        )
    if "windows_hosting" in assets:
        _insert_windows_hosting(conn, ctx.reseller_id, account_id, domain, now)
    if payload.domain_id:
        conn.execute(
            update(domains)
            .where(domains.c.id == payload.domain_id)
            .values(status="active", expiration_date=years_on(now))
        )
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(status="active"))
    return [location("accounts", account_id)]


def _insert_windows_hosting(
    conn: Connection, reseller_id: int, account_id: int, domain: str, now: float
) -> None:
    """The simulated IIS hosting (resources/windowshostings/provisioning.py), sized by the pack."""
    servicepack_id = conn.execute(
        select(accounts.c.servicepack_id).where(accounts.c.id == account_id)
    ).scalar_one()
    max_size = conn.execute(
        select(servicepack_assets.c.max_size_mb).where(
            servicepack_assets.c.servicepack_id == servicepack_id,
            servicepack_assets.c.asset_type == "windows_hosting",
        )
    ).scalar()
    conn.execute(
        insert(windows_hostings).values(
            account_id=account_id,
            reseller_id=reseller_id,
            domain_name=domain,
            servicepack_id=servicepack_id,
            ftp_username=windows.ftp_username(domain),
            ip=windows.SHARED_IP,
            ip_type="shared",
            max_size_mb=max_size or 0,
            actual_size_mb=0,
            application_pool=json.dumps(windows.application_pool()),
            sites=json.dumps(windows.sites(domain, windows.SHARED_IP)),
            created_at=now,
        )
    )


def _unprovision(ctx: JobContext, payload: CreateAccountJob) -> None:
    domain = payload.identifier
    assets = set(payload.assets)
    if payload.domain_id:
        ctx.backends.registry.release(domain)
    if "linux_hosting" in assets:
        ctx.backends.hosting.remove_hosting(domain)
    if "dns" in assets and not payload.existing_zone:
        ctx.backends.dns.remove_zone(domain)
    if "mailbox" in assets:
        ctx.backends.mail.remove_mail_zone(domain)


def _discard(conn: Connection, ctx: JobContext, payload: CreateAccountJob) -> None:
    conn.execute(
        delete(accounts).where(accounts.c.id == payload.account_id, accounts.c.status == "provisioning")
    )
    if payload.domain_id:  # the order's domain row, as a failed registration drops its own
        conn.execute(delete(domains).where(domains.c.id == payload.domain_id, domains.c.status != "active"))


CREATE_ACCOUNT = register(
    JobHandler("account.create", CreateAccountJob, _provision, _commit, _unprovision, _discard)
)
