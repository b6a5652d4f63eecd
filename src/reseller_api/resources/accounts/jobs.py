"""The ``account.create`` job: build the pack's assets, then activate the account.

It names no asset: each asset type of the pack is built by its resource's provisioner
(resources/assets.py), as the manifests declare them.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, update

from reseller_api import clock
from reseller_api.conventions.locations import location
from reseller_api.jobs.registry import JobContext, JobHandler, Payload
from reseller_api.resources import assets
from reseller_api.resources.assets import AssetOrder
from reseller_api.resources.dns import zone
from reseller_api.store.tables import accounts


def asset_order(ctx: JobContext, payload: Payload) -> AssetOrder:
    """What the order fixed. The new zone's name servers and first SOA serial: jobs queued by an
    older version carry neither, and take ours and a serial from the day they run."""
    return AssetOrder(
        account_id=payload["account_id"],
        reseller_id=ctx.reseller_id,
        domain_name=payload["identifier"],
        ftp_username=payload.get("ftp_username"),
        ftp_password_hash=payload.get("ftp_password_hash"),
        name_servers=tuple(payload.get("name_servers") or ctx.backends.name_servers),
        soa_serial=int(payload.get("soa_serial") or zone.initial_serial(clock.time())),
        existing_zone=bool(payload.get("existing_zone")),
        domain_id=payload.get("domain_id") or None,
    )


def _provision(ctx: JobContext, payload: Payload) -> None:
    order = asset_order(ctx, payload)
    for provisioner in assets.of_the_pack(payload["assets"]):
        provisioner.provision(ctx.backends, order)


def _commit(conn: Connection, ctx: JobContext, payload: Payload) -> list[str]:
    order, now = asset_order(ctx, payload), clock.time()
    for provisioner in assets.of_the_pack(payload["assets"]):
        provisioner.commit(conn, ctx.backends, order, now)
    conn.execute(update(accounts).where(accounts.c.id == order.account_id).values(status="active"))
    return [location("accounts", order.account_id)]


def _unprovision(ctx: JobContext, payload: Payload) -> None:
    order = asset_order(ctx, payload)
    for provisioner in assets.of_the_pack(payload["assets"]):
        provisioner.unprovision(ctx.backends, order)


def _discard(conn: Connection, ctx: JobContext, payload: Payload) -> None:
    conn.execute(
        delete(accounts).where(accounts.c.id == payload["account_id"], accounts.c.status == "provisioning")
    )
    order = asset_order(ctx, payload)
    for provisioner in assets.of_the_pack(payload["assets"]):
        provisioner.discard(conn, order)


CREATE_ACCOUNT = JobHandler("account.create", _provision, _commit, _unprovision, _discard)
