"""A mail zone's catch-all: where mail to an address of the zone that nothing else answers goes."""

from __future__ import annotations

from msgspec import UNSET
from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from reseller_api.context import AppContext
from reseller_api.conventions.locations import location
from reseller_api.errors import NOT_FOUND, ApiProblem, define, invalid
from reseller_api.resources.mailzones.addresses import (
    EMAIL_INVALID,
    EMAIL_REQUIRED,
    MAX_ADDRESSES,
    canonical_address,
    invalid_address_text,
    lookup_address,
)
from reseller_api.resources.mailzones.tables import mail_catch_alls
from reseller_api.resources.mailzones.zone import zone_or_404
from reseller_api.store.database import Database
from reseller_api.store.undo import then_or_undo
from reseller_api.wire.mailzones import CreateCatchAllRequest

CATCH_ALL_EXISTS = define("catch_all_exists", 400, "The catch-all already sends to this address.")
CATCH_ALL_FULL = define("catch_all_too_many", 400, f"A catch-all sends to at most {MAX_ADDRESSES} addresses.")


def create_catch_all(
    context: AppContext, reseller_id: int, domain_name: str, body: CreateCatchAllRequest
) -> str:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    raw = None if body.email_address is UNSET else body.email_address
    if not raw or not raw.strip():
        raise invalid(EMAIL_REQUIRED)
    address = canonical_address(raw)
    if address is None:
        raise invalid(EMAIL_INVALID, invalid_address_text(raw, "email_address"))
    try:
        with context.database.transaction() as conn:
            current = catch_all_addresses(conn, zone.id)
            if address in current:
                raise ApiProblem(CATCH_ALL_EXISTS, f"The catch-all already sends to {address}.")
            if len(current) >= MAX_ADDRESSES:
                raise ApiProblem(CATCH_ALL_FULL)
            conn.execute(insert(mail_catch_alls).values(mail_zone_id=zone.id, email_address=address))
            addresses = [*current, address]
    except IntegrityError:
        raise ApiProblem(CATCH_ALL_EXISTS, f"The catch-all already sends to {address}.") from None
    then_or_undo(
        lambda: context.backends.mail.set_catch_all(zone.domain_name, addresses),
        lambda: _catch_all_row(context.database, zone.id, address, present=False),
    )
    return location("mailzones", zone.domain_name, "catchall", address)


def delete_catch_all(context: AppContext, reseller_id: int, domain_name: str, email_address: str) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    address = lookup_address(email_address)
    with context.database.transaction() as conn:
        removed = (
            address is not None
            and conn.execute(
                delete(mail_catch_alls).where(
                    mail_catch_alls.c.mail_zone_id == zone.id, mail_catch_alls.c.email_address == address
                )
            ).rowcount
        )
        addresses = catch_all_addresses(conn, zone.id)
    if not removed or address is None:
        raise ApiProblem(
            NOT_FOUND, f"The catch-all of {zone.domain_name} does not send to {email_address!r}."
        )
    then_or_undo(
        lambda: context.backends.mail.set_catch_all(zone.domain_name, addresses),
        lambda: _catch_all_row(context.database, zone.id, address, present=True),
    )


def _catch_all_row(database: Database, zone_id: int, address: str, *, present: bool) -> None:
    """Put back (or take back) one catch-all address after the platform refused the change."""
    with database.transaction() as conn:
        conn.execute(
            delete(mail_catch_alls).where(
                mail_catch_alls.c.mail_zone_id == zone_id, mail_catch_alls.c.email_address == address
            )
        )
        if present:
            conn.execute(insert(mail_catch_alls).values(mail_zone_id=zone_id, email_address=address))


def catch_all_addresses(conn: Connection, zone_id: int) -> list[str]:
    return list(
        conn.execute(
            select(mail_catch_alls.c.email_address)
            .where(mail_catch_alls.c.mail_zone_id == zone_id)
            .order_by(mail_catch_alls.c.email_address)
        ).scalars()
    )
