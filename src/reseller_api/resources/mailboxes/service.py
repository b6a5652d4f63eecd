"""The rules of mailboxes: an address of one of your mail zones, the pack's count and size, passwords.

A mailbox password is kept only as an argon2id hash (Dovecot verifies ``{ARGON2ID}``), hashed
before any transaction opens. Creations commit our row first (the unique index and the quota
check under the account's lock decide races), then the mail backend converges to it.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from msgspec import UNSET, UnsetType
from sqlalchemy import Connection, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.conventions.locations import location
from reseller_api.crypto import hash_password
from reseller_api.errors import NOT_FOUND, ApiProblem, FieldProblem, ValidationFailed, define, invalid
from reseller_api.resources.mailzones.addresses import (
    ADDRESS_IN_USE,
    EMAIL_INVALID,
    EMAIL_REQUIRED,
    FORWARD_LOOP,
    address_in_zone,
    address_list,
    address_taken,
    canonical_address,
    invalid_address_text,
    lookup_address,
)
from reseller_api.resources.mailzones.tables import mail_aliases, mail_zones, mailboxes
from reseller_api.resources.mailzones.zone import (
    Zone,
    available_accounts,
    find_zone,
    mailbox_asset,
    zone_or_404,
)
from reseller_api.rules import password_problem
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import accounts
from reseller_api.store.undo import Swap, swap_columns, then_or_undo
from reseller_api.wire.mailboxes import (
    AutoForward,
    AutoReply,
    Mailbox,
    MailboxDetail,
    UpdateMailboxPasswordRequest,
)
from reseller_api.wire.mailzones import MailZoneAccount

SUBJECT_MAX = 255
MESSAGE_MAX = 10_000
# The subject becomes a mail header: a CR or LF would end it and start another (header
# injection). Refused with them: other controls (C0, DEL, C1), Unicode line and paragraph
# separators, lone surrogates. The message is a body: line breaks are its own business.
_NOT_IN_SUBJECT = frozenset({"Cc", "Zl", "Zp", "Cs"})

ACCOUNT_REQUIRED = define("mailbox_account_id_required", 400, "account_id is required.")
ACCOUNT_INVALID = define(
    "mailbox_account_invalid", 400, "account_id must be the account that holds the mail zone."
)
DOMAIN_NAME_REQUIRED = define(
    "mailbox_domain_name_required", 400, "The domain_name query parameter is required to list mailboxes."
)
MAIL_ZONE_UNKNOWN = define("mail_zone_not_found", 400, "You have no mail zone for the address's domain.")
PASSWORD_REQUIRED = define("mailbox_password_required", 400, "password is required.")
MAILBOX_EXISTS = define("mailbox_exists", 400, "A mailbox with this address already exists.")
NO_MAILBOXES = define("mailbox_not_in_servicepack", 400, "The account's servicepack has no mailboxes.")
QUOTA_EXCEEDED = define(
    "mailbox_quota_exceeded", 400, "The account already has as many mailboxes as its servicepack allows."
)
ENABLED_REQUIRED = define("mailbox_enabled_required", 400, "enabled is required (true or false).")
AUTOREPLY_MESSAGE_REQUIRED = define(
    "autoreply_message_required", 400, "An enabled auto-reply needs a message."
)
AUTOREPLY_TOO_LONG = define(
    "autoreply_too_long",
    400,
    f"The auto-reply subject is at most {SUBJECT_MAX} characters and its message at most {MESSAGE_MAX}.",
)
AUTOREPLY_SUBJECT_INVALID = define(
    "autoreply_subject_invalid",
    400,
    "The auto-reply subject cannot contain line breaks or control characters.",
)
AUTOREPLY_MESSAGE_INVALID = define(
    "autoreply_message_invalid", 400, "The auto-reply message cannot contain a NUL character."
)
AUTOFORWARD_ADDRESSES_REQUIRED = define(
    "autoforward_addresses_required", 400, "An enabled auto-forward needs at least one address."
)

_DETAIL = Query(
    select(
        mailboxes.c.name,
        mailboxes.c.max_size_mb,
        mailboxes.c.actual_size_mb,
        mailboxes.c.auto_reply_enabled,
        mailboxes.c.auto_reply_subject,
        mailboxes.c.auto_reply_message,
        mailboxes.c.auto_forward_enabled,
        mailboxes.c.auto_forward_addresses,
        mailboxes.c.auto_forward_copy,
    )
    .join(mail_zones, mail_zones.c.id == mailboxes.c.mail_zone_id)
    .where(mailboxes.c.name == bindparam("name"), mail_zones.c.reseller_id == bindparam("reseller_id"))
)
_LIST = Query(
    select(mailboxes.c.name, mailboxes.c.max_size_mb, mailboxes.c.actual_size_mb)
    .where(mailboxes.c.mail_zone_id == bindparam("zone_id"))
    .order_by(mailboxes.c.name)
)


def list_mailboxes(database: Database, reseller_id: int, domain_name: str | None) -> list[Mailbox]:
    if not domain_name or not domain_name.strip():
        # Optional in the schema so that its absence gets this precise error, as the API text asks.
        raise invalid(DOMAIN_NAME_REQUIRED)
    zone = zone_or_404(database, reseller_id, domain_name)
    rows = database.fetch_all(_LIST, zone_id=zone.id)
    return [Mailbox(name=r[0], max_size=int(r[1]), actual_size=int(r[2])) for r in rows]


def quota(database: Database, reseller_id: int, domain_name: str) -> list[MailZoneAccount]:
    return available_accounts(database, zone_or_404(database, reseller_id, domain_name))


def get_mailbox(database: Database, reseller_id: int, name: str) -> MailboxDetail:
    address = _owned(database, reseller_id, name)
    row = database.fetch_one(_DETAIL, name=address, reseller_id=reseller_id)
    assert row is not None  # _owned just found it
    return MailboxDetail(
        name=row[0],
        login=row[0],
        max_size=int(row[1]),
        actual_size=int(row[2]),
        auto_reply=AutoReply(enabled=bool(row[3]), subject=row[4], message=row[5]),
        auto_forward=AutoForward(
            enabled=bool(row[6]), email_addresses=json.loads(row[7]), copy_to_myself=bool(row[8])
        ),
    )


def _owned(database: Database, reseller_id: int, name: str) -> str:
    """The canonical address of one of the reseller's mailboxes, else 404."""
    address = lookup_address(name)
    if address is None or database.fetch_one(_DETAIL, name=address, reseller_id=reseller_id) is None:
        raise ApiProblem(NOT_FOUND, f"Mailbox {name!r} does not exist.")
    return address


# -- create -----------------------------------------------------------------------------------


def create_mailbox(
    context: AppContext,
    reseller_id: int,
    *,
    email: str | UnsetType,
    account_id: int | UnsetType,
    password: str | UnsetType,
    path_domain: str | None = None,
) -> str:
    """Validate, commit the mailbox, then make it on the mail platform; returns its location."""
    database = context.database
    zone = _zone_for(database, reseller_id, email, path_domain)
    problems: list[FieldProblem] = []
    address: str | None = None
    try:
        raw = None if email is UNSET else email
        if raw and path_domain is not None and "@" not in raw:
            raw = f"{raw}@{zone.domain_name}"  # the text's form may give only the local part
        address = address_in_zone(raw, zone)
    except ValidationFailed as failed:
        problems += failed.problems
    if account_id is UNSET:
        problems.append(FieldProblem(ACCOUNT_REQUIRED.code, ACCOUNT_REQUIRED.text))
    elif account_id != zone.account_id:
        problems.append(
            FieldProblem(ACCOUNT_INVALID.code, f"account_id {account_id} does not hold {zone.domain_name}.")
        )
    if password is UNSET or not password:
        problems.append(FieldProblem(PASSWORD_REQUIRED.code, PASSWORD_REQUIRED.text))
    elif (problem := password_problem(password)) is not None:
        problems.append(problem)
    if problems or address is None or password is UNSET:
        raise ValidationFailed(problems)
    asset = mailbox_asset(database, zone)
    if asset is None or asset.count < 1:
        raise ApiProblem(NO_MAILBOXES)

    # Hash before the transaction: argon2 is slow on purpose, the write lock should not wait for it.
    password_hash = hash_password(password)
    size = asset.max_size_mb or 0
    try:
        with database.transaction() as conn:
            # Lock the account row so two creations cannot both pass the count (PostgreSQL);
            # SQLite's BEGIN IMMEDIATE already serialises writers.
            conn.execute(select(accounts.c.id).where(accounts.c.id == zone.account_id).with_for_update())
            if address_taken(conn, address):
                raise _taken(conn, address)
            used = conn.execute(
                select(func.count()).select_from(mailboxes).where(mailboxes.c.account_id == zone.account_id)
            ).scalar_one()
            if used >= asset.count:
                raise ApiProblem(
                    QUOTA_EXCEEDED,
                    f"The account already has {used} of its {asset.count} mailboxes.",
                )
            conn.execute(
                insert(mailboxes).values(
                    mail_zone_id=zone.id,
                    account_id=zone.account_id,
                    name=address,
                    password_hash=password_hash,
                    max_size_mb=size,
                    actual_size_mb=0,
                    auto_reply_enabled=False,
                    auto_reply_subject="",
                    auto_reply_message="",
                    auto_forward_enabled=False,
                    auto_forward_addresses="[]",
                    auto_forward_copy=False,
                    created_at=clock.time(),
                )
            )
    except IntegrityError:
        raise ApiProblem(MAILBOX_EXISTS, f"The mailbox {address} already exists.") from None
    then_or_undo(
        lambda: context.backends.mail.ensure_mailbox(address, password_hash, size),
        lambda: _delete_row(database, address),
    )
    return location("mailboxes", address)


def _zone_for(database: Database, reseller_id: int, email: str | UnsetType, path_domain: str | None) -> Zone:
    """The zone named by the path (404 when not yours), or by the address's domain (400)."""
    if path_domain is not None:
        return zone_or_404(database, reseller_id, path_domain)
    if email is UNSET or not email.strip():
        raise invalid(EMAIL_REQUIRED)
    address = canonical_address(email)
    if address is None:
        raise invalid(EMAIL_INVALID, invalid_address_text(email, "email_address"))
    domain = address.rsplit("@", 1)[1]
    zone = find_zone(database, reseller_id, domain)
    if zone is None:
        raise invalid(MAIL_ZONE_UNKNOWN, f"You have no mail zone {domain}.")
    return zone


def _taken(conn: Connection, address: str) -> ApiProblem:
    if conn.execute(select(mailboxes.c.id).where(mailboxes.c.name == address)).first():
        return ApiProblem(MAILBOX_EXISTS, f"The mailbox {address} already exists.")
    return ApiProblem(ADDRESS_IN_USE, f"{address} is already an alias.")


def _delete_row(database: Database, address: str) -> None:
    with database.transaction() as conn:
        conn.execute(delete(mailboxes).where(mailboxes.c.name == address))


# -- change ---------------------------------------------------------------------------------


def delete_mailbox(context: AppContext, reseller_id: int, name: str) -> None:
    address = _owned(context.database, reseller_id, name)
    # The platform first, then our row: the row keeps the address taken until the platform has let go
    # of it (a create racing this delete is refused, not undone by it), and a removal cannot be
    # undone, so a failure in between leaves the row for a retry, which converges (idempotent).
    context.backends.mail.remove_mailbox(address)
    _delete_row(context.database, address)


def change_password(
    context: AppContext, reseller_id: int, name: str, body: UpdateMailboxPasswordRequest
) -> None:
    address = _owned(context.database, reseller_id, name)
    if body.password is UNSET or not body.password:
        raise invalid(PASSWORD_REQUIRED)
    if (problem := password_problem(body.password)) is not None:
        raise ValidationFailed([problem])
    password_hash = hash_password(body.password)
    swap = _swap(context.database, address, {"password_hash": password_hash})
    then_or_undo(lambda: context.backends.mail.set_mailbox_password(address, password_hash), swap.undo)


def _swap(database: Database, address: str, values: dict[str, Any]) -> Swap:
    """Update the mailbox's columns; the swap puts them back if the platform refuses (unless a
    later change holds them)."""
    swap = swap_columns(database, mailboxes, mailboxes.c.name == address, values)
    if swap is None:  # deleted meanwhile
        raise ApiProblem(NOT_FOUND, f"Mailbox {address!r} does not exist.")
    return swap


def _rules_then_world(context: AppContext, reseller_id: int, address: str, values: dict[str, Any]) -> None:
    """Store rule columns, then push the whole rule set; if the platform refuses, put them back."""
    swap = _swap(context.database, address, values)
    then_or_undo(lambda: _push_rules(context, reseller_id, address), swap.undo)


def set_auto_reply(context: AppContext, reseller_id: int, name: str, body: AutoReply) -> None:
    address = _owned(context.database, reseller_id, name)
    if body.enabled is UNSET:
        raise invalid(ENABLED_REQUIRED)
    # Absent fields keep their values (as an edit of a DNS record or a task does); vendor
    # clients send all three, so for them nothing differs.
    current = _settings(context.database, address)
    subject = current["auto_reply_subject"] if body.subject is UNSET else body.subject
    message = current["auto_reply_message"] if body.message is UNSET else body.message
    if len(subject) > SUBJECT_MAX or len(message) > MESSAGE_MAX:
        raise invalid(AUTOREPLY_TOO_LONG)
    if any(unicodedata.category(c) in _NOT_IN_SUBJECT for c in subject):
        raise invalid(AUTOREPLY_SUBJECT_INVALID)
    if "\x00" in message:  # no mail body or Sieve script can carry it
        raise invalid(AUTOREPLY_MESSAGE_INVALID)
    if body.enabled and not message.strip():
        raise invalid(AUTOREPLY_MESSAGE_REQUIRED)
    _rules_then_world(
        context,
        reseller_id,
        address,
        {"auto_reply_enabled": body.enabled, "auto_reply_subject": subject, "auto_reply_message": message},
    )


def set_auto_forward(context: AppContext, reseller_id: int, name: str, body: AutoForward) -> None:
    address = _owned(context.database, reseller_id, name)
    if body.enabled is UNSET:
        raise invalid(ENABLED_REQUIRED)
    current = _settings(context.database, address)
    if body.email_addresses is UNSET:
        targets = list(json.loads(current["auto_forward_addresses"]))
    else:
        targets = address_list(body.email_addresses, "email_addresses", itself=address)
    if body.enabled and not targets:
        raise invalid(AUTOFORWARD_ADDRESSES_REQUIRED)
    _refuse_alias_loop(context.database, address, targets)
    copy = bool(current["auto_forward_copy"]) if body.copy_to_myself is UNSET else body.copy_to_myself
    _rules_then_world(
        context,
        reseller_id,
        address,
        {
            "auto_forward_enabled": body.enabled,
            "auto_forward_addresses": json.dumps(targets),
            "auto_forward_copy": copy,
        },
    )


def _settings(database: Database, address: str) -> dict[str, Any]:
    """The mailbox's current auto-reply and auto-forward settings."""
    with database.engine.connect() as conn:
        row = conn.execute(
            select(
                mailboxes.c.auto_reply_subject,
                mailboxes.c.auto_reply_message,
                mailboxes.c.auto_forward_addresses,
                mailboxes.c.auto_forward_copy,
            ).where(mailboxes.c.name == address)
        ).one()
    return dict(row._mapping)


def _refuse_alias_loop(database: Database, address: str, targets: list[str]) -> None:
    """Forwarding to one of our aliases that sends straight back here is a loop too."""
    if not targets:
        return
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(mail_aliases.c.email_address, mail_aliases.c.destinations).where(
                mail_aliases.c.email_address.in_(targets)
            )
        ).all()
    for alias, destinations in rows:
        if address in json.loads(destinations):
            raise invalid(
                FORWARD_LOOP, f"email_addresses: {alias} is an alias that forwards back to {address}."
            )


def rules_of(detail: MailboxDetail) -> dict[str, Any]:
    """The mailbox's whole rule set, as the mail backend is told it (``set_mailbox_rules``)."""
    return {
        "auto_reply": {
            "enabled": detail.auto_reply.enabled,
            "subject": detail.auto_reply.subject,
            "message": detail.auto_reply.message,
        },
        "auto_forward": {
            "enabled": detail.auto_forward.enabled,
            "email_addresses": detail.auto_forward.email_addresses,
            "copy_to_myself": detail.auto_forward.copy_to_myself,
        },
    }


def _push_rules(context: AppContext, reseller_id: int, address: str) -> None:
    context.backends.mail.set_mailbox_rules(
        address, rules_of(get_mailbox(context.database, reseller_id, address))
    )
