"""The rules of mail zones: who owns which zone, valid addresses, aliases, catch-all, anti-spam, SMTP domains.

Changes are synchronous: our rows commit first (the unique indexes decide races), then the
mail backend converges to them; a creation the backend refuses is rolled back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from msgspec import UNSET
from sqlalchemy import Column, Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.conventions.locations import location
from reseller_api.errors import NOT_FOUND, ApiProblem, FieldProblem, ValidationFailed, define, invalid
from reseller_api.resources.hostnames import in_another_resellers_domain, unavailable
from reseller_api.resources.servicepacks.service import Asset, assets_of
from reseller_api.rules import DOMAIN_NAME_INVALID, canonical_domain_name
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import (
    accounts,
    mail_aliases,
    mail_catch_alls,
    mail_smtp_domains,
    mail_zone_settings,
    mail_zones,
    mailboxes,
)
from reseller_api.wire.mailzones import (
    ANTI_SPAM_TYPES,
    Alias,
    AntiSpam,
    CatchAll,
    CreateAliasRequest,
    CreateCatchAllRequest,
    CreateSmtpDomainRequest,
    MailZone,
    MailZoneAccount,
    SmtpDomain,
    UpdateAliasRequest,
    UpdateAntiSpamRequest,
    UpdateSmtpDomainRequest,
)

# At most this many addresses in one alias, catch-all or auto-forward: mail fan-out stays bounded.
MAX_ADDRESSES = 20
DEFAULT_ANTI_SPAM = "basic"

EMAIL_INVALID = define("email_address_invalid", 400, "The e-mail address is not valid.")
EMAIL_REQUIRED = define("email_address_required", 400, "email_address is required.")
EMAIL_OUTSIDE_ZONE = define(
    "email_address_outside_mail_zone", 400, "The e-mail address is not in the mail zone's domain."
)
ADDRESS_IN_USE = define("email_address_in_use", 400, "The e-mail address is already a mailbox or an alias.")
DESTINATIONS_REQUIRED = define("alias_destinations_required", 400, "destinations needs at least one address.")
ADDRESSES_TOO_MANY = define(
    "email_addresses_too_many", 400, f"At most {MAX_ADDRESSES} e-mail addresses are allowed."
)
ADDRESSES_DUPLICATE = define("email_addresses_duplicate", 400, "An e-mail address is listed twice.")
FORWARD_LOOP = define("email_forwarding_loop", 400, "An address cannot forward to itself.")
CATCH_ALL_EXISTS = define("catch_all_exists", 400, "The catch-all already sends to this address.")
CATCH_ALL_FULL = define("catch_all_too_many", 400, f"A catch-all sends to at most {MAX_ADDRESSES} addresses.")
ANTI_SPAM_REQUIRED = define("anti_spam_type_required", 400, "type is required (none, basic or advanced).")
SMTP_HOSTNAME_REQUIRED = define("smtp_domain_hostname_required", 400, "hostname is required.")
SMTP_DOMAIN_EXISTS = define("smtp_domain_exists", 400, "The SMTP domain is already in use.")
SMTP_DOMAIN_IS_ZONE = define(
    "smtp_domain_is_mail_zone", 400, "An SMTP domain cannot be a mail zone's own domain."
)
SMTP_ENABLED_REQUIRED = define("smtp_domain_enabled_required", 400, "enabled is required.")


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


# -- addresses ----------------------------------------------------------------------------


# Characters a mail platform cannot take in a local part, though RFC 5322 allows them: the
# address becomes a directory name ("/") and a Dovecot passwd-file key, where "%" starts a
# variable. White space, ":", quotes and leading, trailing or doubled dots are already refused
# by email_validator (no quoted local parts). The Dovecot backend refuses the same.
_LOCAL_PART_FORBIDDEN = frozenset("/%")


def _checked_address(raw: str) -> tuple[str | None, str]:
    """``(canonical address, "")``, or ``(None, why it is not acceptable)``."""
    try:
        address = _normalized(raw)
    except EmailNotValidError as exc:
        return None, str(exc)
    local = address.rpartition("@")[0]
    if local.startswith("#"):
        # Written first on its passwd-file and Postfix map lines, it would make them comments:
        # the address would silently not exist.
        return None, "The part before the @-sign cannot start with #."
    bad = sorted(set(local) & _LOCAL_PART_FORBIDDEN)
    if bad:
        return None, f"The part before the @-sign cannot contain {' '.join(bad)}."
    return address, ""


def _normalized(raw: str) -> str:
    # test_environment: a local copy of the API serves *.test domains too; no DNS lookups.
    checked = validate_email(raw.strip(), allow_smtputf8=False, test_environment=True)
    return (checked.ascii_email or checked.normalized).lower()


def lookup_address(raw: str) -> str | None:
    """The canonical form of an address to look up an existing row by: without the platform's
    rules of canonical_address, so a row stored before those rules can still be read and deleted."""
    try:
        return _normalized(raw)
    except EmailNotValidError:
        return None


def canonical_address(raw: str) -> str | None:
    """The address in canonical form (lowercase, A-label domain), or None if it is not one
    (or is one no mail platform can store: a local part starting with ``#``, with ``/`` or ``%``)."""
    return _checked_address(raw)[0]


def invalid_address_text(raw: str, field: str) -> str:
    """The validation message for an address canonical_address refused, with the reason."""
    reason = _checked_address(raw)[1]
    return f"{field}: {raw!r} is not a valid e-mail address. {reason}".rstrip()


def address_problem(raw: str, field: str) -> FieldProblem | None:
    if canonical_address(raw) is None:
        return FieldProblem(EMAIL_INVALID.code, invalid_address_text(raw, field))
    return None


def address_in_zone(raw: str | None, zone: Zone, field: str = "email_address") -> str:
    """A canonical address of the zone's domain, or the validation failure saying why not."""
    if not raw or not raw.strip():
        raise invalid(EMAIL_REQUIRED, f"{field} is required.")
    address = canonical_address(raw)
    if address is None:
        raise invalid(EMAIL_INVALID, invalid_address_text(raw, field))
    if address.rsplit("@", 1)[1] != zone.domain_name:
        raise invalid(EMAIL_OUTSIDE_ZONE, f"{field}: {address} is not an address of {zone.domain_name}.")
    return address


def address_list(raw: Sequence[str], field: str, *, itself: str | None = None) -> list[str]:
    """Validate a list of destinations: each valid, none twice, bounded, never the sender itself."""
    if len(raw) > MAX_ADDRESSES:
        raise invalid(ADDRESSES_TOO_MANY, f"{field}: at most {MAX_ADDRESSES} addresses, got {len(raw)}.")
    problems: list[FieldProblem] = []
    found: list[str] = []
    for value in raw:
        address = canonical_address(value)
        if address is None:
            problems.append(FieldProblem(EMAIL_INVALID.code, invalid_address_text(value, field)))
        elif address in found:
            problems.append(FieldProblem(ADDRESSES_DUPLICATE.code, f"{field}: {address} is listed twice."))
        elif address == itself:
            problems.append(FieldProblem(FORWARD_LOOP.code, f"{field}: {address} cannot forward to itself."))
        else:
            found.append(address)
    if problems:
        raise ValidationFailed(problems)
    return found


def address_taken(conn: Connection, address: str) -> bool:
    """A mailbox or an alias already answers to this address."""
    for column in (mailboxes.c.name, mail_aliases.c.email_address):
        if conn.execute(select(column).where(column == address)).first():
            return True
    return False


def world_then(apply: Callable[[], object], undo: Callable[[], object]) -> None:
    """Converge the backend to rows just committed; if it refuses, take the rows back."""
    try:
        apply()
    except Exception:
        undo()
        raise


# -- the zone -------------------------------------------------------------------------------


def get_zone(database: Database, reseller_id: int, domain_name: str) -> MailZone:
    zone = zone_or_404(database, reseller_id, domain_name)
    with database.engine.connect() as conn:
        aliases = conn.execute(
            select(mail_aliases.c.email_address, mail_aliases.c.destinations)
            .where(mail_aliases.c.mail_zone_id == zone.id)
            .order_by(mail_aliases.c.email_address)
        ).all()
        catch_all = conn.execute(
            select(mail_catch_alls.c.email_address)
            .where(mail_catch_alls.c.mail_zone_id == zone.id)
            .order_by(mail_catch_alls.c.email_address)
        ).scalars()
        smtp = conn.execute(
            select(mail_smtp_domains.c.hostname, mail_smtp_domains.c.enabled)
            .where(mail_smtp_domains.c.mail_zone_id == zone.id)
            .order_by(mail_smtp_domains.c.hostname)
        ).all()
        anti_spam = _anti_spam(conn, zone.id)
        return MailZone(
            name=zone.domain_name,
            enabled=True,
            aliases=[Alias(email_address=a, destinations=json.loads(d)) for a, d in aliases],
            catch_all=CatchAll(email_addresses=list(catch_all)),
            anti_spam=AntiSpam(type=anti_spam, allowed_types=list(ANTI_SPAM_TYPES)),  # type: ignore[arg-type]
            available_accounts=available_accounts(database, zone),
            smtp_domains=[SmtpDomain(hostname=h, enabled=bool(e)) for h, e in smtp],
        )


def _anti_spam(conn: Connection, zone_id: int) -> str:
    level = conn.execute(
        select(mail_zone_settings.c.anti_spam).where(mail_zone_settings.c.mail_zone_id == zone_id)
    ).scalar()
    return str(level or DEFAULT_ANTI_SPAM)


def set_anti_spam(
    context: AppContext, reseller_id: int, domain_name: str, body: UpdateAntiSpamRequest
) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    if body.type is UNSET:
        raise invalid(ANTI_SPAM_REQUIRED)
    level = body.type
    previous = _put_anti_spam(context.database, zone.id, level)
    world_then(
        lambda: context.backends.mail.set_anti_spam(zone.domain_name, level),
        lambda: _put_anti_spam(context.database, zone.id, previous),
    )


def _put_anti_spam(database: Database, zone_id: int, level: str | None) -> str | None:
    """Store the zone's level (None: no row, the default); returns the one it replaced."""
    with database.transaction() as conn:
        where = mail_zone_settings.c.mail_zone_id == zone_id
        previous = conn.execute(select(mail_zone_settings.c.anti_spam).where(where)).scalar()
        if level is None:
            conn.execute(delete(mail_zone_settings).where(where))
        elif previous is None:
            conn.execute(insert(mail_zone_settings).values(mail_zone_id=zone_id, anti_spam=level))
        else:
            conn.execute(update(mail_zone_settings).where(where).values(anti_spam=level))
    return None if previous is None else str(previous)


# -- aliases --------------------------------------------------------------------------------


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
    world_then(
        lambda: context.backends.mail.set_alias(address, destinations),
        lambda: _delete_row(context.database, mail_aliases.c.email_address, address),
    )
    return location("mailzones", zone.domain_name, "aliases", address)


def update_alias(
    context: AppContext, reseller_id: int, domain_name: str, email_address: str, body: UpdateAliasRequest
) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    address = _existing_in_zone(
        context.database, zone, mail_aliases.c.email_address, email_address, lookup_address, "Alias"
    )
    destinations = _destinations(None if body.destinations is UNSET else body.destinations, address)
    key = mail_aliases.c.email_address
    ours = json.dumps(destinations)
    previous = _swap(context.database, key, address, mail_aliases.c.destinations, ours)
    world_then(
        lambda: context.backends.mail.set_alias(address, destinations),
        lambda: _unswap(context.database, key, address, mail_aliases.c.destinations, ours, previous),
    )


def delete_alias(context: AppContext, reseller_id: int, domain_name: str, email_address: str) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    address = _existing_in_zone(
        context.database, zone, mail_aliases.c.email_address, email_address, lookup_address, "Alias"
    )
    context.backends.mail.remove_alias(address)
    _delete_row(context.database, mail_aliases.c.email_address, address)


def _destinations(raw: list[str] | None, address: str) -> list[str]:
    if not raw:
        raise invalid(DESTINATIONS_REQUIRED)
    return address_list(raw, "destinations", itself=address)


def _existing_in_zone(
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


def _delete_row(database: Database, key: Column[str], value: str) -> None:
    with database.transaction() as conn:
        conn.execute(delete(key.table).where(key == value))


def _swap(database: Database, key: Column[str], value: str, column: Column[Any], new: Any) -> Any:
    """Set one column of the row whose ``key`` is ``value``; returns the value it replaced (to put
    back if the platform refuses, with :func:`_unswap`). A row deleted meanwhile is a 404."""
    with database.transaction() as conn:
        previous = conn.execute(select(column).where(key == value)).first()
        if previous is None:
            raise ApiProblem(NOT_FOUND, f"{value!r} does not exist.")
        conn.execute(update(key.table).where(key == value).values({column.name: new}))
    return previous[0]


def _unswap(
    database: Database, key: Column[str], value: str, column: Column[Any], ours: Any, previous: Any
) -> None:
    """Put ``previous`` back, unless the column no longer holds ``ours``: a later change was
    committed (and pushed) on top of ours, and must not be erased."""
    with database.transaction() as conn:
        conn.execute(update(key.table).where(key == value, column == ours).values({column.name: previous}))


# -- catch-all ------------------------------------------------------------------------------


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
            current = _catch_all(conn, zone.id)
            if address in current:
                raise ApiProblem(CATCH_ALL_EXISTS, f"The catch-all already sends to {address}.")
            if len(current) >= MAX_ADDRESSES:
                raise ApiProblem(CATCH_ALL_FULL)
            conn.execute(insert(mail_catch_alls).values(mail_zone_id=zone.id, email_address=address))
            addresses = [*current, address]
    except IntegrityError:
        raise ApiProblem(CATCH_ALL_EXISTS, f"The catch-all already sends to {address}.") from None
    world_then(
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
        addresses = _catch_all(conn, zone.id)
    if not removed or address is None:
        raise ApiProblem(
            NOT_FOUND, f"The catch-all of {zone.domain_name} does not send to {email_address!r}."
        )
    world_then(
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


def _catch_all(conn: Connection, zone_id: int) -> list[str]:
    return list(
        conn.execute(
            select(mail_catch_alls.c.email_address)
            .where(mail_catch_alls.c.mail_zone_id == zone_id)
            .order_by(mail_catch_alls.c.email_address)
        ).scalars()
    )


# -- SMTP domains ---------------------------------------------------------------------------


def create_smtp_domain(
    context: AppContext, reseller_id: int, domain_name: str, body: CreateSmtpDomainRequest
) -> str:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    raw = None if body.hostname is UNSET else body.hostname
    if not raw or not raw.strip():
        raise invalid(SMTP_HOSTNAME_REQUIRED)
    hostname = canonical_domain_name(raw)
    if hostname is None:
        raise invalid(DOMAIN_NAME_INVALID, f"hostname {raw!r} is not a valid domain name.")
    try:
        with context.database.transaction() as conn:
            # Another reseller's domain first: its mail zones are none of the caller's business.
            if in_another_resellers_domain(conn, reseller_id, hostname):
                raise unavailable(SMTP_DOMAIN_EXISTS, hostname)
            if conn.execute(select(mail_zones.c.id).where(mail_zones.c.domain_name == hostname)).first():
                raise ApiProblem(SMTP_DOMAIN_IS_ZONE, f"{hostname} is a mail zone's own domain.")
            if conn.execute(
                select(mail_smtp_domains.c.id).where(mail_smtp_domains.c.hostname == hostname)
            ).first():
                raise unavailable(SMTP_DOMAIN_EXISTS, hostname)
            conn.execute(
                insert(mail_smtp_domains).values(mail_zone_id=zone.id, hostname=hostname, enabled=True)
            )
    except IntegrityError:
        raise unavailable(SMTP_DOMAIN_EXISTS, hostname) from None
    world_then(
        lambda: context.backends.mail.set_smtp_domain(zone.domain_name, hostname, True),
        lambda: _delete_row(context.database, mail_smtp_domains.c.hostname, hostname),
    )
    return location("mailzones", zone.domain_name, "smtpdomains", hostname)


def update_smtp_domain(
    context: AppContext, reseller_id: int, domain_name: str, hostname: str, body: UpdateSmtpDomainRequest
) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    name = _existing_in_zone(
        context.database, zone, mail_smtp_domains.c.hostname, hostname, canonical_domain_name, "SMTP domain"
    )
    if body.enabled is UNSET:
        raise invalid(SMTP_ENABLED_REQUIRED)
    enabled = body.enabled
    key, column = mail_smtp_domains.c.hostname, mail_smtp_domains.c.enabled
    previous = _swap(context.database, key, name, column, enabled)
    world_then(
        lambda: context.backends.mail.set_smtp_domain(zone.domain_name, name, enabled),
        lambda: _unswap(context.database, key, name, column, enabled, previous),
    )


def delete_smtp_domain(context: AppContext, reseller_id: int, domain_name: str, hostname: str) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    name = _existing_in_zone(
        context.database, zone, mail_smtp_domains.c.hostname, hostname, canonical_domain_name, "SMTP domain"
    )
    context.backends.mail.remove_smtp_domain(name)
    _delete_row(context.database, mail_smtp_domains.c.hostname, name)
