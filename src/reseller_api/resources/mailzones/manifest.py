"""Mail zones: ``/v2/mailzones``, pushed to the mail backend by ``backends sync --only mail``."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.mailzones import account_asset, service, sync
from reseller_api.resources.manifest import BackendSync, Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.mailzones.routes import MailZoneController

    return [MailZoneController]


RESOURCE = Resource(
    name="mailzones",
    controllers=controllers,
    assets=(account_asset.PROVISIONER,),
    backend_sync=BackendSync("mail", sync.sync_all),
    errors=codes_of(service),
)
