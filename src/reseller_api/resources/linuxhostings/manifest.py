"""Linux hostings with their sites, SSH keys and scheduled tasks: ``/v2/linuxhostings``,
pushed to the web backend by ``backends sync --only web``."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.assets import AssetRules
from reseller_api.resources.events import WriteEvents
from reseller_api.resources.linuxhostings import (
    account_asset,
    hosting,
    service,
    sites,
    ssh,
    sync,
    tables,
    tasks,
)
from reseller_api.resources.manifest import AuditSentence, BackendSync, Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.linuxhostings.routes import LinuxHostingController
    from reseller_api.resources.linuxhostings.site_routes import LinuxSiteController
    from reseller_api.resources.linuxhostings.ssh_routes import SshKeyController
    from reseller_api.resources.linuxhostings.task_routes import ScheduledTaskController

    return [LinuxHostingController, LinuxSiteController, SshKeyController, ScheduledTaskController]


RESOURCE = Resource(
    name="linuxhostings",
    tables=tables.TABLES,
    controllers=controllers,
    assets=(account_asset.PROVISIONER,),
    asset_rules=(
        AssetRules(
            "linux_hosting",
            domain_bound=True,
            needs_ftp_password=True,
            noun="Linux hosting",
            plural="Linux hostings",
        ),
    ),
    backend_sync=BackendSync("web", sync.sync_all),
    errors=codes_of(service, hosting, sites, ssh, tasks),
    audit=(
        AuditSentence("PUT", "/v2/linuxhostings/{d}/phpsettings/version", "Changed the PHP version of {d}"),
        AuditSentence(
            "PUT", "/v2/linuxhostings/{d}/phpsettings/memorylimit", "Changed the PHP memory limit of {d}"
        ),
        AuditSentence("PUT", "/v2/linuxhostings/{d}/phpsettings/apcu", "Changed APCu of {d}"),
        AuditSentence(
            "PUT", "/v2/linuxhostings/{d}/settings/gzipcompression", "Switched gzip compression of {d}"
        ),
        AuditSentence("PUT", "/v2/linuxhostings/{d}/ftp/configuration", "Switched FTP access of {d}"),
        AuditSentence("PUT", "/v2/linuxhostings/{d}/ssh/configuration", "Switched SSH access of {d}"),
        AuditSentence("POST", "/v2/linuxhostings/{d}/ssh/keys", "Added an SSH key to {d}"),
        AuditSentence("DELETE", "/v2/linuxhostings/{d}/ssh/keys/{id}", "Removed an SSH key from {d}"),
        AuditSentence("POST", "/v2/linuxhostings/{d}/subsites", "Added a subsite to {d}"),
        AuditSentence("DELETE", "/v2/linuxhostings/{d}/subsites/{s}", "Deleted subsite {s} of {d}"),
        AuditSentence("POST", "/v2/linuxhostings/{d}/sites/{s}/hostheaders", "Added a host name to site {s}"),
        AuditSentence(
            "PUT", "/v2/linuxhostings/{d}/sites/{s}/http2/configuration", "Switched HTTP/2 of site {s}"
        ),
        AuditSentence(
            "PUT", "/v2/linuxhostings/{d}/sslsettings/{h}/letsencrypt", "Switched Let's Encrypt for {h}"
        ),
        AuditSentence(
            "PUT", "/v2/linuxhostings/{d}/sslsettings/{h}/autoredirect", "Switched HTTPS redirect for {h}"
        ),
        AuditSentence("POST", "/v2/linuxhostings/{d}/scheduledtasks", "Added a scheduled task to {d}"),
        AuditSentence("PUT", "/v2/linuxhostings/{d}/scheduledtasks/{id}", "Changed a scheduled task of {d}"),
        AuditSentence(
            "DELETE", "/v2/linuxhostings/{d}/scheduledtasks/{id}", "Deleted a scheduled task of {d}"
        ),
    ),
    events=(WriteEvents("/v2/linuxhostings", "linux_hosting"),),
)
