"""Mail zones with their aliases, catch-all, anti-spam and SMTP domains: ``/v2/mailzones``."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.assets import AssetRules
from reseller_api.resources.mailzones import (
    account_asset,
    addresses,
    aliases,
    antispam,
    catchall,
    smtpdomains,
    tables,
)
from reseller_api.resources.manifest import AuditSentence, Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.mailzones.routes import MailZoneController

    return [MailZoneController]


RESOURCE = Resource(
    name="mailzones",
    tables=tables.TABLES,
    controllers=controllers,
    assets=(account_asset.PROVISIONER,),
    asset_rules=(AssetRules("mailbox", domain_bound=True, noun="mailbox", plural="mailboxes"),),
    errors=codes_of(addresses, aliases, antispam, catchall, smtpdomains),
    audit=(
        AuditSentence("POST", "/v2/mailzones/{d}/aliases", "Added an alias to {d}"),
        AuditSentence("PUT", "/v2/mailzones/{d}/aliases/{s}", "Changed alias {s}"),
        AuditSentence("DELETE", "/v2/mailzones/{d}/aliases/{s}", "Deleted alias {s}"),
        AuditSentence("POST", "/v2/mailzones/{d}/catchall", "Added a catch-all address to {d}"),
        AuditSentence("DELETE", "/v2/mailzones/{d}/catchall/{s}", "Removed catch-all address {s} of {d}"),
        AuditSentence("PUT", "/v2/mailzones/{d}/antispam", "Changed the anti-spam of {d}"),
        AuditSentence("POST", "/v2/mailzones/{d}/smtpdomains", "Added an SMTP domain to {d}"),
        AuditSentence("PUT", "/v2/mailzones/{d}/smtpdomains/{h}", "Switched SMTP domain {h}"),
        AuditSentence("DELETE", "/v2/mailzones/{d}/smtpdomains/{h}", "Deleted SMTP domain {h}"),
    ),
)
