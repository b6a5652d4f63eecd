"""``/v2/mailzones/{domainName}``: the zone, its aliases, catch-all, anti-spam and SMTP domains."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context
from reseller_api.conventions.replies import created
from reseller_api.resources.mailzones import aliases, antispam, catchall, detail, smtpdomains
from reseller_api.wire.mailzones import (
    CreateAliasRequest,
    CreateCatchAllRequest,
    CreateSmtpDomainRequest,
    MailZone,
    UpdateAliasRequest,
    UpdateAntiSpamRequest,
    UpdateSmtpDomainRequest,
)

DomainName = Annotated[str, Parameter(description="Mail zone domain name.")]
EmailAddress = Annotated[str, Parameter(description="The e-mail address.")]
Hostname = Annotated[str, Parameter(description="Smtp domain name.")]


class MailZoneController(Controller):
    path = "/v2/mailzones"
    tags = ["Mail zones"]

    @get(
        "/{domain_name:str}",
        operation_id="GetMailZone",
        summary="Get a mail zone",
        description="A domain's mail zone: aliases, catch-all, anti-spam and SMTP domains.",
        sync_to_thread=False,
    )
    def get_zone(self, context: Context, credential: Caller, domain_name: DomainName) -> MailZone:
        return detail.get_zone(context.database, credential.reseller_id, domain_name)

    @post(
        "/{domain_name:str}/aliases",
        operation_id="CreateAlias",
        summary="Create an alias",
        description="The alias must be an address of the zone's domain that is not a mailbox or an alias.",
        status_code=201,
        sync_to_thread=True,
    )
    def create_alias(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        data: JSONBody[CreateAliasRequest],
    ) -> Response[bytes]:
        return created(aliases.create_alias(context, credential.reseller_id, domain_name, data))

    @put(
        "/{domain_name:str}/aliases/{email_address:str}",
        operation_id="ConfigureAlias",
        summary="Change an alias's destinations",
        description="Replace an alias's destinations.",
        status_code=202,
        sync_to_thread=True,
    )
    def update_alias(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        email_address: EmailAddress,
        data: JSONBody[UpdateAliasRequest],
    ) -> Response[bytes]:
        aliases.update_alias(context, credential.reseller_id, domain_name, email_address, data)
        return Response(b"", status_code=202)

    @delete(
        "/{domain_name:str}/aliases/{email_address:str}",
        operation_id="DeleteAlias",
        summary="Delete an alias",
        description="Delete an alias.",
        sync_to_thread=True,
    )
    def delete_alias(
        self, context: Context, credential: Caller, domain_name: DomainName, email_address: EmailAddress
    ) -> None:
        aliases.delete_alias(context, credential.reseller_id, domain_name, email_address)

    @post(
        "/{domain_name:str}/catchall",
        operation_id="CreateCatchAll",
        summary="Add an address to the catch-all",
        description="Add an address that receives mail for unknown addresses of the domain.",
        status_code=201,
        sync_to_thread=True,
    )
    def create_catch_all(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        data: JSONBody[CreateCatchAllRequest],
    ) -> Response[bytes]:
        return created(catchall.create_catch_all(context, credential.reseller_id, domain_name, data))

    @delete(
        "/{domain_name:str}/catchall/{email_address:str}",
        operation_id="DeleteCatchAll",
        summary="Remove an address from the catch-all",
        description="Remove an address from the catch-all.",
        sync_to_thread=True,
    )
    def delete_catch_all(
        self, context: Context, credential: Caller, domain_name: DomainName, email_address: EmailAddress
    ) -> None:
        catchall.delete_catch_all(context, credential.reseller_id, domain_name, email_address)

    @put(
        "/{domain_name:str}/antispam",
        operation_id="ConfigureAntiSpam",
        summary="Configure anti-spam",
        description="Set the anti-spam level: none, basic or advanced.",
        status_code=204,
        sync_to_thread=True,
    )
    def set_anti_spam(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        data: JSONBody[UpdateAntiSpamRequest],
    ) -> None:
        antispam.set_anti_spam(context, credential.reseller_id, domain_name, data)

    @post(
        "/{domain_name:str}/smtpdomains",
        operation_id="CreateSmtpDomain",
        summary="Create an SMTP domain",
        description="Allow sending mail for another host name through this mail zone.",
        status_code=201,
        sync_to_thread=True,
    )
    def create_smtp_domain(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        data: JSONBody[CreateSmtpDomainRequest],
    ) -> Response[bytes]:
        return created(smtpdomains.create_smtp_domain(context, credential.reseller_id, domain_name, data))

    @put(
        "/{domain_name:str}/smtpdomains/{hostname:str}",
        operation_id="ConfigureSmtpDomain",
        summary="Enable or disable an SMTP domain",
        description="Switch an SMTP domain on or off.",
        status_code=202,
        sync_to_thread=True,
    )
    def update_smtp_domain(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        hostname: Hostname,
        data: JSONBody[UpdateSmtpDomainRequest],
    ) -> Response[bytes]:
        smtpdomains.update_smtp_domain(context, credential.reseller_id, domain_name, hostname, data)
        return Response(b"", status_code=202)

    @delete(
        "/{domain_name:str}/smtpdomains/{hostname:str}",
        operation_id="DeleteSmtpDomain",
        summary="Delete an SMTP domain",
        description="Delete an SMTP domain.",
        sync_to_thread=True,
    )
    def delete_smtp_domain(
        self, context: Context, credential: Caller, domain_name: DomainName, hostname: Hostname
    ) -> None:
        smtpdomains.delete_smtp_domain(context, credential.reseller_id, domain_name, hostname)
