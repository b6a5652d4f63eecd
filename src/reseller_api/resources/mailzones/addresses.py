"""E-mail addresses in mail zones: their canonical form, what a mail platform can store, lists
of destinations, and whether an address is taken (by a mailbox or an alias).
"""

from __future__ import annotations

from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, select

from reseller_api.errors import FieldProblem, ValidationFailed, define, invalid
from reseller_api.resources.mailzones.tables import mail_aliases, mailboxes
from reseller_api.resources.mailzones.zone import Zone

# At most this many addresses in one alias, catch-all or auto-forward: mail fan-out stays bounded.
MAX_ADDRESSES = 20

EMAIL_INVALID = define("email_address_invalid", 400, "The e-mail address is not valid.")
EMAIL_REQUIRED = define("email_address_required", 400, "email_address is required.")
EMAIL_OUTSIDE_ZONE = define(
    "email_address_outside_mail_zone", 400, "The e-mail address is not in the mail zone's domain."
)
ADDRESS_IN_USE = define("email_address_in_use", 400, "The e-mail address is already a mailbox or an alias.")
ADDRESSES_TOO_MANY = define(
    "email_addresses_too_many", 400, f"At most {MAX_ADDRESSES} e-mail addresses are allowed."
)
ADDRESSES_DUPLICATE = define("email_addresses_duplicate", 400, "An e-mail address is listed twice.")
FORWARD_LOOP = define("email_forwarding_loop", 400, "An address cannot forward to itself.")

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
