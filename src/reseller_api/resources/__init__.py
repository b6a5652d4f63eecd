"""The API's resources, one package each with the same shape:

``service.py`` (the rules), ``routes.py`` (a Litestar Controller with its full ``/v2/...``
path), and ``jobs.py`` where the resource is provisioned asynchronously; its wire shapes
(msgspec Structs mirroring the reference YAML) are ``reseller_api.wire.<name>``, shipped with
the SDK. Every controller is listed here, once.

The controllers are imported on first use of ``CONTROLLERS``, not with this package, so that
importing one resource's module does not import every controller (and Litestar) with it.
"""

from __future__ import annotations


def _controllers() -> list[type]:
    from reseller_api.resources.accounts.routes import AccountController
    from reseller_api.resources.dns.routes import DnsRecordController
    from reseller_api.resources.domains.routes import DomainController
    from reseller_api.resources.linuxhostings.routes import LinuxHostingController
    from reseller_api.resources.linuxhostings.site_routes import LinuxSiteController
    from reseller_api.resources.linuxhostings.ssh_routes import SshKeyController
    from reseller_api.resources.linuxhostings.task_routes import ScheduledTaskController
    from reseller_api.resources.mailboxes.routes import MailboxController
    from reseller_api.resources.mailzones.routes import MailZoneController
    from reseller_api.resources.mysqldatabases.routes import MySqlDatabaseController
    from reseller_api.resources.provisioningjobs.routes import ProvisioningJobController
    from reseller_api.resources.servicepacks.routes import ServicepackController
    from reseller_api.resources.ssh.routes import SshController
    from reseller_api.resources.sslcertificates.routes import (
        SslCertificateController,
        SslCertificateRequestController,
    )
    from reseller_api.resources.webhooks.routes import WebhookController
    from reseller_api.resources.windowshostings.routes import WindowsHostingController

    return [
        AccountController,
        DnsRecordController,
        DomainController,
        ProvisioningJobController,
        ServicepackController,
        LinuxHostingController,
        LinuxSiteController,
        SshKeyController,
        ScheduledTaskController,
        SshController,
        MailboxController,
        MailZoneController,
        MySqlDatabaseController,
        SslCertificateRequestController,
        SslCertificateController,
        WindowsHostingController,
        WebhookController,
    ]


def __getattr__(name: str) -> list[type]:
    if name == "CONTROLLERS":
        controllers = _controllers()
        globals()["CONTROLLERS"] = controllers  # imported once
        return controllers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
