"""The ``account.create`` job: build the pack's assets, then activate the account.

It names no asset: each asset type of the pack is built by its resource's provisioner
(resources/assets.py), as the manifests declare them.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import Connection, delete, update

from reseller_api import clock
from reseller_api.conventions.locations import location
from reseller_api.jobs.registry import JobContext, JobHandler
from reseller_api.resources import assets
from reseller_api.resources.assets import AssetOrder
from reseller_api.resources.dns import zone
from reseller_api.store.tables import accounts


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


def asset_order(ctx: JobContext, payload: CreateAccountJob) -> AssetOrder:
    """What the order fixed. The new zone's name servers and first SOA serial: jobs queued by an
    older version carry neither, and take ours and a serial from the day they run."""
    return AssetOrder(
        account_id=payload.account_id,
        reseller_id=ctx.reseller_id,
        domain_name=payload.identifier,
        ftp_username=payload.ftp_username,
        ftp_password_hash=payload.ftp_password_hash,
        name_servers=tuple(payload.name_servers or ctx.backends.name_servers),
        soa_serial=payload.soa_serial or zone.initial_serial(clock.time()),
        existing_zone=payload.existing_zone,
        domain_id=payload.domain_id or None,
    )


def _provision(ctx: JobContext, payload: CreateAccountJob) -> None:
    order = asset_order(ctx, payload)
    for provisioner in assets.of_the_pack(payload.assets):
        provisioner.provision(ctx.backends, order)


def _commit(conn: Connection, ctx: JobContext, payload: CreateAccountJob) -> list[str]:
    order, now = asset_order(ctx, payload), clock.time()
    for provisioner in assets.of_the_pack(payload.assets):
        provisioner.commit(conn, ctx.backends, order, now)
    conn.execute(update(accounts).where(accounts.c.id == order.account_id).values(status="active"))
    return [location("accounts", order.account_id)]


def _unprovision(ctx: JobContext, payload: CreateAccountJob) -> None:
    order = asset_order(ctx, payload)
    for provisioner in assets.of_the_pack(payload.assets):
        provisioner.unprovision(ctx.backends, order)


def _discard(conn: Connection, ctx: JobContext, payload: CreateAccountJob) -> None:
    conn.execute(
        delete(accounts).where(accounts.c.id == payload.account_id, accounts.c.status == "provisioning")
    )
    order = asset_order(ctx, payload)
    for provisioner in assets.of_the_pack(payload.assets):
        provisioner.discard(conn, order)


CREATE_ACCOUNT = JobHandler(
    "account.create",
    CreateAccountJob,
    _provision,
    _commit,
    _unprovision,
    _discard,
    title="New account",
    event="account.created",
)
