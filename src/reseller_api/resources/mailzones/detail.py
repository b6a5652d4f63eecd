"""A mail zone's detail (``GET /v2/mailzones/{domain_name}``): the zone and its sub-resources at once."""

from __future__ import annotations

import json

from sqlalchemy import select

from reseller_api.resources.mailzones.antispam import anti_spam_level
from reseller_api.resources.mailzones.catchall import catch_all_addresses
from reseller_api.resources.mailzones.tables import mail_aliases, mail_smtp_domains
from reseller_api.resources.mailzones.zone import available_accounts, zone_or_404
from reseller_api.store.database import Database
from reseller_api.wire.mailzones import ANTI_SPAM_TYPES, Alias, AntiSpam, CatchAll, MailZone, SmtpDomain


def get_zone(database: Database, reseller_id: int, domain_name: str) -> MailZone:
    zone = zone_or_404(database, reseller_id, domain_name)
    with database.engine.connect() as conn:
        aliases = conn.execute(
            select(mail_aliases.c.email_address, mail_aliases.c.destinations)
            .where(mail_aliases.c.mail_zone_id == zone.id)
            .order_by(mail_aliases.c.email_address)
        ).all()
        catch_all = catch_all_addresses(conn, zone.id)
        smtp = conn.execute(
            select(mail_smtp_domains.c.hostname, mail_smtp_domains.c.enabled)
            .where(mail_smtp_domains.c.mail_zone_id == zone.id)
            .order_by(mail_smtp_domains.c.hostname)
        ).all()
        anti_spam = anti_spam_level(conn, zone.id)
        return MailZone(
            name=zone.domain_name,
            enabled=True,
            aliases=[Alias(email_address=a, destinations=json.loads(d)) for a, d in aliases],
            catch_all=CatchAll(email_addresses=list(catch_all)),
            anti_spam=AntiSpam(type=anti_spam, allowed_types=list(ANTI_SPAM_TYPES)),  # type: ignore[arg-type]
            available_accounts=available_accounts(database, zone),
            smtp_domains=[SmtpDomain(hostname=h, enabled=bool(e)) for h, e in smtp],
        )
