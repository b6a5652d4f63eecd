"""Mail zones and what hangs off them: settings, aliases, catch-alls, SMTP domains
(resources/mailzones), and the mailboxes (resources/mailboxes, which builds on this package).

Defined on the one ``metadata`` of ``store/tables.py`` (its naming convention); the package's
manifest lists them (``TABLES``), so the schema the processes check is complete
(resources/registry.py ``schema``). Migrations under ``store/migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text

from reseller_api.store.tables import metadata

mail_zones = Table(
    "mail_zones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

mail_zone_settings = Table(
    "mail_zone_settings",
    metadata,
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), primary_key=True),
    Column("anti_spam", String(16), nullable=False),
)

mail_aliases = Table(
    "mail_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), nullable=False, index=True),
    Column("email_address", String(254), nullable=False, unique=True),
    Column("destinations", Text, nullable=False),  # JSON list
    Column("created_at", Float, nullable=False),
)

mail_catch_alls = Table(
    "mail_catch_alls",
    metadata,
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), primary_key=True),
    Column("email_address", String(254), primary_key=True),
)

mail_smtp_domains = Table(
    "mail_smtp_domains",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), nullable=False, index=True),
    Column("hostname", String(253), nullable=False, unique=True),
    Column("enabled", Boolean, nullable=False),
)

# The mailboxes (resources/mailboxes) share the zone's addresses with its aliases: the zone's
# address checks (addresses.py) read them, and the mailboxes package builds on this one.
mailboxes = Table(
    "mailboxes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), nullable=False, index=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(254), nullable=False, unique=True),  # the address, lowercase
    # argon2id PHC string (Dovecot {ARGON2ID}); never the password itself.
    Column("password_hash", Text, nullable=False),
    Column("max_size_mb", Integer, nullable=False),
    Column("actual_size_mb", Integer, nullable=False),
    Column("auto_reply_enabled", Boolean, nullable=False),
    Column("auto_reply_subject", Text, nullable=False),
    Column("auto_reply_message", Text, nullable=False),
    Column("auto_forward_enabled", Boolean, nullable=False),
    Column("auto_forward_addresses", Text, nullable=False),  # JSON list
    Column("auto_forward_copy", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
)

TABLES = (mail_zones, mail_zone_settings, mail_aliases, mail_catch_alls, mail_smtp_domains, mailboxes)
