"""A mail zone's anti-spam level (none, basic or advanced; basic when never set)."""

from __future__ import annotations

from msgspec import UNSET
from sqlalchemy import Connection, delete, insert, select, update

from reseller_api.context import AppContext
from reseller_api.errors import define, invalid
from reseller_api.resources.mailzones.tables import mail_zone_settings
from reseller_api.resources.mailzones.zone import zone_or_404
from reseller_api.store.database import Database
from reseller_api.store.undo import then_or_undo
from reseller_api.wire.mailzones import UpdateAntiSpamRequest

DEFAULT_ANTI_SPAM = "basic"

ANTI_SPAM_REQUIRED = define("anti_spam_type_required", 400, "type is required (none, basic or advanced).")


def anti_spam_level(conn: Connection, zone_id: int) -> str:
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
    then_or_undo(
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
