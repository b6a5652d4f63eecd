"""A mail zone as its sub-resources find it: the reseller's zone for a domain (or the 404), its
account's mailbox allowance, and the zone's own rows (aliases, SMTP domains) by name.

Changes are synchronous: our rows commit first (the unique indexes decide races), then the
mail backend converges to them; a change the backend refuses is taken back
(``store.undo.then_or_undo``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, bindparam, delete, select

from reseller_api.errors import NOT_FOUND, ApiProblem
from reseller_api.resources.mailzones.tables import mail_zones
from reseller_api.resources.servicepacks.service import Asset, assets_of
from reseller_api.rules import canonical_domain_name
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import accounts
from reseller_api.store.undo import Swap, swap_columns
from reseller_api.wire.mailzones import MailZoneAccount


@dataclass(frozen=True, slots=True)
class Zone:
    id: int
    account_id: int
    domain_name: str
    servicepack_id: int


_ZONE = Query(
    select(mail_zones.c.id, mail_zones.c.account_id, mail_zones.c.domain_name, accounts.c.servicepack_id)
    .join(accounts, accounts.c.id == mail_zones.c.account_id)
    .where(
        mail_zones.c.domain_name == bindparam("domain_name"),
        mail_zones.c.reseller_id == bindparam("reseller_id"),
        accounts.c.status == "active",
    )
)


def find_zone(database: Database, reseller_id: int, domain_name: str) -> Zone | None:
    """The reseller's mail zone for a domain (any spelling: IDN, upper case), or None."""
    canonical = canonical_domain_name(domain_name)
    if canonical is None:
        return None
    row = database.fetch_one(_ZONE, domain_name=canonical, reseller_id=reseller_id)
    return None if row is None else Zone(int(row[0]), int(row[1]), row[2], int(row[3]))


def zone_or_404(database: Database, reseller_id: int, domain_name: str) -> Zone:
    zone = find_zone(database, reseller_id, domain_name)
    if zone is None:
        raise ApiProblem(NOT_FOUND, f"Mail zone {domain_name!r} does not exist.")
    return zone


def mailbox_asset(database: Database, zone: Zone) -> Asset | None:
    """The zone's account's pack line for mailboxes: how many, and how big each."""
    return next((a for a in assets_of(database, zone.servicepack_id) if a.type == "mailbox"), None)


def available_accounts(database: Database, zone: Zone) -> list[MailZoneAccount]:
    asset = mailbox_asset(database, zone)
    size = (asset.max_size_mb or 0) if asset is not None else 0
    return [MailZoneAccount(account_id=zone.account_id, size=size)]


# -- the zone's rows by name (aliases, SMTP domains) ----------------------------------------


def existing_in_zone(
    database: Database,
    zone: Zone,
    key: Column[str],
    raw: str,
    canonical: Callable[[str], str | None],
    what: str,
) -> str:
    """The canonical name of the zone's row whose ``key`` is ``raw`` (an alias, an SMTP domain), else 404."""
    value = canonical(raw)
    found = False
    if value is not None:
        with database.engine.connect() as conn:
            found = (
                conn.execute(select(key).where(key == value, key.table.c.mail_zone_id == zone.id)).first()
                is not None
            )
    if not found or value is None:
        raise ApiProblem(NOT_FOUND, f"{what} {raw!r} does not exist in {zone.domain_name}.")
    return value


def delete_row(database: Database, key: Column[str], value: str) -> None:
    with database.transaction() as conn:
        conn.execute(delete(key.table).where(key == value))


def swap_or_404(database: Database, key: Column[str], value: str, values: Mapping[str, Any]) -> Swap:
    """Set columns of the row whose ``key`` is ``value``; the swap puts them back if the platform
    refuses (unless a later change holds them). A row deleted meanwhile is a 404."""
    swap = swap_columns(database, key.table, key == value, values)
    if swap is None:
        raise ApiProblem(NOT_FOUND, f"{value!r} does not exist.")
    return swap
