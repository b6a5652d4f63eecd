"""``/v2/domains``: registrations and transfers (202 + job), details, name servers, renewal."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context, Paging
from reseller_api.conventions.replies import accepted, paged
from reseller_api.resources.domains import service
from reseller_api.wire.domains import (
    Domain,
    DomainDetail,
    EditDomainWillRenewRequest,
    EditNameServers,
    RegisterDomain,
    TransferDomain,
)

DomainName = Annotated[
    str, Parameter(description="The domain name (any case; IDN in UTF-8, percent-encoded, or as A-labels).")
]


class DomainController(Controller):
    path = "/v2/domains"
    tags = ["Domains"]

    @get(
        "/",
        operation_id="Domains",
        summary="Overviews of domains",
        description="Your domains, a page at a time.",
        sync_to_thread=False,
    )
    def list_domains(self, context: Context, credential: Caller, page: Paging) -> Response[list[Domain]]:
        items, total = service.list_domains(context.database, credential.reseller_id, page)
        return paged(items, page, total)

    @get(
        "/{domain_name:str}",
        operation_id="GetDomain",
        summary="Details of a domain",
        description="One domain: name servers, expiration date, renewal and registrant.",
        sync_to_thread=False,
    )
    def get_domain(self, context: Context, credential: Caller, domain_name: DomainName) -> DomainDetail:
        our_addresses = dict(context.settings.name_server_ips)
        return service.get_domain(context.database, credential.reseller_id, domain_name, our_addresses)

    @post(
        "/registrations",
        operation_id="RegisterDomain",
        summary="Register a domain",
        description="Registers an available domain. Only pass the domain part and the TLD. With no "
        "name servers (or an empty list) the domain uses our default name servers, and gets a DNS "
        "zone. Answers 202 and a provisioning job.",
        status_code=202,
        sync_to_thread=True,
    )
    def register_domain(
        self, context: Context, credential: Caller, data: JSONBody[RegisterDomain]
    ) -> Response[bytes]:
        return accepted(
            service.register(context, credential.reseller_id, data), context.backends.step_duration
        )

    @post(
        "/transfers",
        operation_id="TransferDomain",
        summary="Transfer a domain",
        description="Transfers a domain registered elsewhere, with its authorization code. Answers "
        "202 and a provisioning job; a wrong auth code makes the job fail.",
        status_code=202,
        sync_to_thread=True,
    )
    def transfer_domain(
        self, context: Context, credential: Caller, data: JSONBody[TransferDomain]
    ) -> Response[bytes]:
        return accepted(
            service.transfer(context, credential.reseller_id, data), context.backends.step_duration
        )

    @put(
        "/{domain_name:str}/nameservers",
        operation_id="EditNameServers",
        summary="Edit domain name servers",
        description="2 to 13 host names, no duplicates.",
        status_code=204,
        sync_to_thread=True,
    )
    def edit_name_servers(
        self, context: Context, credential: Caller, domain_name: DomainName, data: JSONBody[EditNameServers]
    ) -> None:
        service.set_name_servers(context, credential.reseller_id, domain_name, data)

    @put(
        "/{domain_name:str}/renew",
        operation_id="ConfigureDomain",
        summary="Edit domain name renew state",
        description="Allowed while can_toggle_renew is true on the domain detail (the renewal is "
        "more than a month away).",
        status_code=204,
        sync_to_thread=True,
    )
    def edit_renew(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        data: JSONBody[EditDomainWillRenewRequest],
    ) -> None:
        service.set_will_renew(context, credential.reseller_id, domain_name, data)
