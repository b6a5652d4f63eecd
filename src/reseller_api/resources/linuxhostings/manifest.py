"""Linux hostings with their sites, SSH keys and scheduled tasks: ``/v2/linuxhostings``,
pushed to the web backend by ``backends sync --only web``."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.assets import AssetRules
from reseller_api.resources.linuxhostings import account_asset, hosting, service, sites, ssh, sync, tasks
from reseller_api.resources.manifest import BackendSync, Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.linuxhostings.routes import LinuxHostingController
    from reseller_api.resources.linuxhostings.site_routes import LinuxSiteController
    from reseller_api.resources.linuxhostings.ssh_routes import SshKeyController
    from reseller_api.resources.linuxhostings.task_routes import ScheduledTaskController

    return [LinuxHostingController, LinuxSiteController, SshKeyController, ScheduledTaskController]


RESOURCE = Resource(
    name="linuxhostings",
    controllers=controllers,
    assets=(account_asset.PROVISIONER,),
    asset_rules=(AssetRules("linux_hosting", domain_bound=True, needs_ftp_password=True),),
    backend_sync=BackendSync("web", sync.sync_all),
    errors=codes_of(service, hosting, sites, ssh, tasks),
)
