"""``/v2/linuxhostings/{domainName}``: subsites, host headers, HTTP/2 and SSL settings of its sites."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Response, delete, post, put
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context
from reseller_api.conventions.replies import created
from reseller_api.resources.linuxhostings import sites
from reseller_api.resources.linuxhostings.routes import TAGS, DomainName, hosting_location
from reseller_api.rules import canonical_domain_name
from reseller_api.wire.linuxhostings import (
    AddHostHeaderRequest,
    AddSubsiteRequest,
    AutoRedirectConfig,
    Http2Configuration,
    LetsEncryptConfig,
)

SiteName = Annotated[str, Parameter(description="Name of the site on the linux hosting.")]
Hostname = Annotated[str, Parameter(description="Specific hostname (a host header of one of the sites).")]


class LinuxSiteController(Controller):
    path = "/v2/linuxhostings/{domain_name:str}"
    tags = TAGS

    @post(
        "/subsites",
        operation_id="CreateSubsite",
        summary="Create a subsite",
        description="domain_name: the subsite's domain (e.g. alias.be or subsite.site.be), served by no "
        "other site. path: its folder, /subsites/{domain_name} when empty. The path MUST pre-exist on the "
        "server; it is never created automatically (400 otherwise).",
        status_code=201,
        media_type=MediaType.TEXT,
        sync_to_thread=True,
    )
    def create_subsite(
        self, context: Context, credential: Caller, domain_name: DomainName, data: JSONBody[AddSubsiteRequest]
    ) -> Response[bytes]:
        name = sites.create_subsite(context, credential.reseller_id, domain_name, data)
        return created(hosting_location(domain_name, "subsites", name), MediaType.TEXT)

    @delete(
        "/subsites/{site_name:str}",
        operation_id="DeleteSubsite",
        summary="Delete a subsite",
        description="Delete a subsite; its files stay on the hosting.",
        status_code=204,
        sync_to_thread=True,
    )
    def delete_subsite(
        self, context: Context, credential: Caller, domain_name: DomainName, site_name: SiteName
    ) -> None:
        sites.delete_subsite(context, credential.reseller_id, domain_name, site_name)

    @post(
        "/sites/{site_name:str}/hostheaders",
        operation_id="CreateHostHeader",
        summary="Create a host header",
        description="domain_name: an extra host name for the site (e.g. alias.be), served by no other site.",
        status_code=201,
        media_type=MediaType.TEXT,
        sync_to_thread=True,
    )
    def create_host_header(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        site_name: SiteName,
        data: JSONBody[AddHostHeaderRequest],
    ) -> Response[bytes]:
        name = sites.add_host_header(context, credential.reseller_id, domain_name, site_name, data)
        site = canonical_domain_name(site_name) or site_name
        return created(hosting_location(domain_name, "sites", site, "hostheaders", name), MediaType.TEXT)

    @put(
        "/sites/{site_name:str}/http2/configuration",
        operation_id="ConfigureHttp2",
        summary="Configure HTTP/2",
        description="For HTTP/2 to work, the site must have SSL (Let's Encrypt on one of its host names).",
        status_code=204,
        sync_to_thread=True,
    )
    def http2(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        site_name: SiteName,
        data: JSONBody[Http2Configuration],
    ) -> None:
        sites.configure_http2(context, credential.reseller_id, domain_name, site_name, data.enabled)

    @put(
        "/sslsettings/{hostname:str}/letsencrypt",
        operation_id="ChangeLetsEncrypt",
        summary="Configure let's encrypt",
        description="Disabling it also disables the automatic HTTPS redirection of the host name.",
        status_code=204,
        sync_to_thread=True,
    )
    def letsencrypt(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        hostname: Hostname,
        data: JSONBody[LetsEncryptConfig],
    ) -> None:
        sites.configure_ssl(context, credential.reseller_id, domain_name, hostname, letsencrypt=data.enabled)

    @put(
        "/sslsettings/{hostname:str}/autoredirect",
        operation_id="ChangeAutoRedirect",
        summary="Configure auto redirect",
        description="Enabling it needs Let's Encrypt enabled on the host name.",
        status_code=204,
        sync_to_thread=True,
    )
    def autoredirect(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        hostname: Hostname,
        data: JSONBody[AutoRedirectConfig],
    ) -> None:
        sites.configure_ssl(
            context, credential.reseller_id, domain_name, hostname, auto_redirect=data.enabled
        )
