"""``/v2/linuxhostings``: the hostings, their detail and their PHP, gzip, FTP and SSH settings.

Sites, SSH keys and scheduled tasks have their own controllers (``site_routes``,
``ssh_routes``, ``task_routes``) under the same path.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, put
from litestar.datastructures import ResponseHeader
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context, Paging
from reseller_api.conventions.locations import location
from reseller_api.conventions.replies import paged
from reseller_api.resources.linuxhostings import service
from reseller_api.rules import canonical_domain_name
from reseller_api.wire.linuxhostings import (
    ChangePhpVersion,
    FtpConfiguration,
    GzipConfig,
    LinuxHosting,
    LinuxHostingDetail,
    PhpVersion,
    SshConfiguration,
    UpdatePhpAPcuRequest,
    UpdatePhpMemoryLimitRequest,
)

DomainName = Annotated[str, Parameter(description="The Linux hosting domain name.")]
TAGS = ["Linux hostings"]


def hosting_location(domain_name: str, *segments: str) -> str:
    """The relative path of something under a hosting, its domain name as we store it."""
    return location("linuxhostings", canonical_domain_name(domain_name) or domain_name, *segments)


class LinuxHostingController(Controller):
    path = "/v2/linuxhostings"
    tags = TAGS

    @get(
        "/",
        operation_id="GetLinuxHostings",
        summary="Overview of linux hostings",
        description="Your Linux hostings, a page at a time.",
        sync_to_thread=False,
    )
    def list_hostings(
        self, context: Context, credential: Caller, page: Paging
    ) -> Response[list[LinuxHosting]]:
        items, total = service.list_hostings(context.database, credential.reseller_id, page)
        return paged(items, page, total)

    @get(
        "/{domain_name:str}",
        operation_id="GetLinuxHosting",
        summary="Linux hosting detail",
        description="Sites with their host headers and SSL/HTTP2 settings, PHP version, FTP and SSH "
        "access, linked MySQL databases and the servicepack's sizes (MB).",
        response_headers=[
            ResponseHeader(
                name=service.CERTIFICATE_NOTICE,
                description="Host names whose HTTPS certificate is self-signed (no ACME server could "
                "issue one), with the reason: `name: note; name: note`. Absent when there are none.",
                documentation_only=True,
            )
        ],
        sync_to_thread=False,
    )
    def get_hosting(
        self, context: Context, credential: Caller, domain_name: DomainName
    ) -> Response[LinuxHostingDetail]:
        detail = service.get_detail(context, credential.reseller_id, domain_name)
        notice = service.certificate_notice(context, detail.domain_name)
        return Response(detail, headers={service.CERTIFICATE_NOTICE: notice} if notice else None)

    @get(
        "/{domain_name:str}/phpsettings/availableversions",
        operation_id="GetAvailablePhpVersions",
        summary="Get the available PHP versions.",
        description="The PHP versions this hosting can switch to.",
        sync_to_thread=False,
    )
    def php_versions(self, context: Context, credential: Caller, domain_name: DomainName) -> list[PhpVersion]:
        versions = service.available_php_versions(context, credential.reseller_id, domain_name)
        return [PhpVersion(version=v) for v in versions]

    @put(
        "/{domain_name:str}/phpsettings/version",
        operation_id="ChangePhpVersion",
        summary="Change the Linux hosting PHP version.",
        description="Only a version listed by availableversions is accepted.",
        status_code=204,
        sync_to_thread=True,
    )
    def php_version(
        self, context: Context, credential: Caller, domain_name: DomainName, data: JSONBody[ChangePhpVersion]
    ) -> None:
        service.change_php_version(context, credential.reseller_id, domain_name, data.version)

    @put(
        "/{domain_name:str}/phpsettings/memorylimit",
        operation_id="ChangePhpMemoryLimit",
        summary="Configure PHP memory limit",
        description="memory_limit in MB, one of "
        + ", ".join(map(str, service.MEMORY_LIMITS_MB))
        + " (default 128).",
        status_code=204,
        sync_to_thread=True,
    )
    def php_memory_limit(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        data: JSONBody[UpdatePhpMemoryLimitRequest],
    ) -> None:
        service.change_memory_limit(context, credential.reseller_id, domain_name, data.memory_limit)

    @put(
        "/{domain_name:str}/phpsettings/apcu",
        operation_id="ChangeApcu",
        summary="Configure PHP APCu setting",
        description=f"enabled is required; apcu_size in MB, from {service.APCU_SIZE_MB[0]} to "
        f"{service.APCU_SIZE_MB[1]} (default 32; absent: unchanged).",
        status_code=204,
        sync_to_thread=True,
    )
    def php_apcu(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        data: JSONBody[UpdatePhpAPcuRequest],
    ) -> None:
        service.change_apcu(context, credential.reseller_id, domain_name, data)

    @put(
        "/{domain_name:str}/settings/gzipcompression",
        operation_id="ChangeGzipCompression",
        summary="Enable/disable GZIP compression",
        description="Switch gzip compression of the hosting's sites on or off.",
        status_code=204,
        sync_to_thread=True,
    )
    def gzip(
        self, context: Context, credential: Caller, domain_name: DomainName, data: JSONBody[GzipConfig]
    ) -> None:
        service.change_switch(context, credential.reseller_id, domain_name, "gzip_enabled", data.enabled)

    @put(
        "/{domain_name:str}/ftp/configuration",
        operation_id="ConfigureFtp",
        summary="Configure FTP",
        description="Switch FTP access to the hosting on or off.",
        status_code=204,
        sync_to_thread=True,
    )
    def ftp(
        self, context: Context, credential: Caller, domain_name: DomainName, data: JSONBody[FtpConfiguration]
    ) -> None:
        service.change_switch(context, credential.reseller_id, domain_name, "ftp_enabled", data.enabled)

    @put(
        "/{domain_name:str}/ssh/configuration",
        operation_id="ConfigureSsh",
        summary="Configure SSH",
        description="Switch SSH access to the hosting on or off.",
        status_code=204,
        sync_to_thread=True,
    )
    def ssh(
        self, context: Context, credential: Caller, domain_name: DomainName, data: JSONBody[SshConfiguration]
    ) -> None:
        service.change_switch(context, credential.reseller_id, domain_name, "ssh_enabled", data.enabled)
