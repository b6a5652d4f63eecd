"""A mail zone's aliases: an address of the zone that forwards to a list of others."""

from __future__ import annotations

import json

from msgspec import UNSET
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.conventions.locations import location
from reseller_api.errors import ApiProblem, define, invalid
from reseller_api.resources.mailzones.addresses import (
    ADDRESS_IN_USE,
    address_in_zone,
    address_list,
    address_taken,
    lookup_address,
)
from reseller_api.resources.mailzones.tables import mail_aliases
from reseller_api.resources.mailzones.zone import delete_row, existing_in_zone, swap_or_404, zone_or_404
from reseller_api.store.undo import then_or_undo
from reseller_api.wire.mailzones import CreateAliasRequest, UpdateAliasRequest

DESTINATIONS_REQUIRED = define("alias_destinations_required", 400, "destinations needs at least one address.")


def create_alias(context: AppContext, reseller_id: int, domain_name: str, body: CreateAliasRequest) -> str:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    address = address_in_zone(None if body.email_address is UNSET else body.email_address, zone)
    destinations = _destinations(None if body.destinations is UNSET else body.destinations, address)
    try:
        with context.database.transaction() as conn:
            if address_taken(conn, address):
                raise ApiProblem(ADDRESS_IN_USE, f"{address} is already a mailbox or an alias.")
            conn.execute(
                insert(mail_aliases).values(
                    mail_zone_id=zone.id,
                    email_address=address,
                    destinations=json.dumps(destinations),
                    created_at=clock.time(),
                )
            )
    except IntegrityError:
        raise ApiProblem(ADDRESS_IN_USE, f"{address} is already a mailbox or an alias.") from None
    then_or_undo(
        lambda: context.backends.mail.set_alias(address, destinations),
        lambda: delete_row(context.database, mail_aliases.c.email_address, address),
    )
    return location("mailzones", zone.domain_name, "aliases", address)


def update_alias(
    context: AppContext, reseller_id: int, domain_name: str, email_address: str, body: UpdateAliasRequest
) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    address = existing_in_zone(
        context.database, zone, mail_aliases.c.email_address, email_address, lookup_address, "Alias"
    )
    destinations = _destinations(None if body.destinations is UNSET else body.destinations, address)
    swap = swap_or_404(
        context.database, mail_aliases.c.email_address, address, {"destinations": json.dumps(destinations)}
    )
    then_or_undo(lambda: context.backends.mail.set_alias(address, destinations), swap.undo)


def delete_alias(context: AppContext, reseller_id: int, domain_name: str, email_address: str) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    address = existing_in_zone(
        context.database, zone, mail_aliases.c.email_address, email_address, lookup_address, "Alias"
    )
    # The platform first, then our row: the row keeps the address taken until the platform has let go
    # of it (a create racing this delete is refused, not undone by it), and a removal cannot be
    # undone, so a failure in between leaves the row for a retry, which converges (idempotent).
    context.backends.mail.remove_alias(address)
    delete_row(context.database, mail_aliases.c.email_address, address)


def _destinations(raw: list[str] | None, address: str) -> list[str]:
    if not raw:
        raise invalid(DESTINATIONS_REQUIRED)
    return address_list(raw, "destinations", itself=address)
