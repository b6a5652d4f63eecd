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
)
from reseller_api.resources.manifest import Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.mailzones.routes import MailZoneController

    return [MailZoneController]


RESOURCE = Resource(
    name="mailzones",
    controllers=controllers,
    assets=(account_asset.PROVISIONER,),
    asset_rules=(AssetRules("mailbox", domain_bound=True),),
    errors=codes_of(addresses, aliases, antispam, catchall, smtpdomains),
)
