"""Push every mail zone we record, with its mailboxes, to the mail backend (``reseller-api backends sync``).

Here rather than in mailzones: it reads mailboxes too, and mailboxes build on mail zones (never the
reverse).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select

from reseller_api.backends import Backends
from reseller_api.resources.mailboxes.service import get_mailbox, rules_of
from reseller_api.resources.mailzones.detail import get_zone
from reseller_api.resources.mailzones.tables import mail_zones, mailboxes
from reseller_api.resources.syncing import Synced, attempt
from reseller_api.store.database import Database
from reseller_api.wire.mailzones import MailZone


@dataclass(frozen=True, slots=True)
class _Mailbox:
    address: str
    password_hash: str  # pushed as it is stored, never shown
    quota_mb: int
    rules: dict[str, Any]


def sync_all(database: Database, backends: Backends, *, dry_run: bool = False) -> Iterator[Synced]:
    """Each zone: the zone, its anti-spam level and catch-all, its mailboxes (with their password
    hashes, quotas and rules), its aliases and SMTP domains, read as the API reads them."""
    with database.engine.connect() as conn:
        zones = conn.execute(
            select(mail_zones.c.id, mail_zones.c.reseller_id, mail_zones.c.domain_name).order_by(
                mail_zones.c.id
            )
        ).all()
    for zone_id, reseller_id, domain in zones:
        zone = get_zone(database, int(reseller_id), domain)
        with database.engine.connect() as conn:
            rows = conn.execute(
                select(mailboxes.c.name, mailboxes.c.password_hash, mailboxes.c.max_size_mb)
                .where(mailboxes.c.mail_zone_id == zone_id)
                .order_by(mailboxes.c.name)
            ).all()
        boxes = [
            _Mailbox(name, password_hash, int(size), rules_of(get_mailbox(database, int(reseller_id), name)))
            for name, password_hash, size in rows
        ]
        detail = (
            f"{len(boxes)} mailboxes, {len(zone.aliases)} aliases, "
            f"{len(zone.catch_all.email_addresses)} catch-all addresses, "
            f"{len(zone.smtp_domains)} smtp domains, anti-spam {zone.anti_spam.type}"
        )
        yield attempt("mail zone", domain, detail, None if dry_run else partial(_push, backends, zone, boxes))


def _push(backends: Backends, zone: MailZone, boxes: list[_Mailbox]) -> None:
    mail = backends.mail
    mail.ensure_mail_zone(zone.name)
    # Pushed even when they are the defaults: a restored server may hold an older setting.
    mail.set_anti_spam(zone.name, zone.anti_spam.type)
    mail.set_catch_all(zone.name, zone.catch_all.email_addresses)
    for box in boxes:
        mail.ensure_mailbox(box.address, box.password_hash, box.quota_mb)
        mail.set_mailbox_rules(box.address, box.rules)
    for alias in zone.aliases:
        mail.set_alias(alias.email_address, alias.destinations)
    for smtp in zone.smtp_domains:
        mail.set_smtp_domain(zone.name, smtp.hostname, smtp.enabled)
