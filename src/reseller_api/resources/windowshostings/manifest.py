"""Windows hostings: ``/v2/windowshostings``, made with an account whose pack has one."""

from __future__ import annotations

from reseller_api.resources.assets import AssetRules
from reseller_api.resources.manifest import Controllers, Resource
from reseller_api.resources.windowshostings import account_asset, tables


def controllers() -> Controllers:
    from reseller_api.resources.windowshostings.routes import WindowsHostingController

    return [WindowsHostingController]


RESOURCE = Resource(
    name="windowshostings",
    tables=tables.TABLES,
    controllers=controllers,
    assets=(account_asset.PROVISIONER,),
    asset_rules=(
        AssetRules("windows_hosting", domain_bound=True, noun="Windows hosting", plural="Windows hostings"),
    ),
)
