"""A mail zone's SMTP domains: other host names the zone's mail may be sent from."""

from __future__ import annotations

from msgspec import UNSET
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from reseller_api.context import AppContext
from reseller_api.conventions.locations import location
from reseller_api.errors import ApiProblem, define, invalid
from reseller_api.resources.hostnames import in_another_resellers_domain, unavailable
from reseller_api.resources.mailzones.tables import mail_smtp_domains, mail_zones
from reseller_api.resources.mailzones.zone import delete_row, existing_in_zone, swap_or_404, zone_or_404
from reseller_api.rules import DOMAIN_NAME_INVALID, canonical_domain_name
from reseller_api.store.undo import then_or_undo
from reseller_api.wire.mailzones import CreateSmtpDomainRequest, UpdateSmtpDomainRequest

SMTP_HOSTNAME_REQUIRED = define("smtp_domain_hostname_required", 400, "hostname is required.")
SMTP_DOMAIN_EXISTS = define("smtp_domain_exists", 400, "The SMTP domain is already in use.")
SMTP_DOMAIN_IS_ZONE = define(
    "smtp_domain_is_mail_zone", 400, "An SMTP domain cannot be a mail zone's own domain."
)
SMTP_ENABLED_REQUIRED = define("smtp_domain_enabled_required", 400, "enabled is required.")


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
    then_or_undo(
        lambda: context.backends.mail.set_smtp_domain(zone.domain_name, hostname, True),
        lambda: delete_row(context.database, mail_smtp_domains.c.hostname, hostname),
    )
    return location("mailzones", zone.domain_name, "smtpdomains", hostname)


def update_smtp_domain(
    context: AppContext, reseller_id: int, domain_name: str, hostname: str, body: UpdateSmtpDomainRequest
) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    name = existing_in_zone(
        context.database, zone, mail_smtp_domains.c.hostname, hostname, canonical_domain_name, "SMTP domain"
    )
    if body.enabled is UNSET:
        raise invalid(SMTP_ENABLED_REQUIRED)
    enabled = body.enabled
    swap = swap_or_404(context.database, mail_smtp_domains.c.hostname, name, {"enabled": enabled})
    then_or_undo(lambda: context.backends.mail.set_smtp_domain(zone.domain_name, name, enabled), swap.undo)


def delete_smtp_domain(context: AppContext, reseller_id: int, domain_name: str, hostname: str) -> None:
    zone = zone_or_404(context.database, reseller_id, domain_name)
    name = existing_in_zone(
        context.database, zone, mail_smtp_domains.c.hostname, hostname, canonical_domain_name, "SMTP domain"
    )
    # The platform first, then our row: the row keeps the host name taken until the platform has let go
    # of it (a create racing this delete is refused, not undone by it), and a removal cannot be
    # undone, so a failure in between leaves the row for a retry, which converges (idempotent).
    context.backends.mail.remove_smtp_domain(name)
    delete_row(context.database, mail_smtp_domains.c.hostname, name)
