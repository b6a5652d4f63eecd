"""``/v2/domains``: registered domains, registrations and transfers (jobs), name servers, renewal."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal, overload

from msgspec import UNSET

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call, segment
from reseller_api.client.jobs import DEFAULT_WAIT_TIMEOUT, AsyncJob, Job
from reseller_api.client.resources import Async, M, Resource, Sync, operation, paginated, start, starts_job
from reseller_api.wire.domains import (
    Domain,
    DomainDetail,
    EditDomainWillRenewRequest,
    EditNameServers,
    RegisterDomain,
    RegistrantInput,
    TransferDomain,
)

DomainList = list[Domain]
Names = list[str]  # an alias: inside the classes ``list`` is the method


class Domains(Resource[M]):
    @operation
    def list(self, *, skip: int = 0, take: int = 25) -> Call[DomainList]:
        return Call("GET", "/v2/domains", DomainList, {"skip": skip, "take": take})

    @paginated
    def iter_all(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Call[DomainList]:
        """Every domain, a page at a time as you iterate."""
        return Call("GET", "/v2/domains", DomainList)

    @operation
    def get(self, domain_name: str) -> Call[DomainDetail]:
        return Call("GET", f"/v2/domains/{segment(domain_name)}", DomainDetail)

    @operation
    def set_name_servers(self, domain_name: str, name_servers: Names) -> Call[None]:
        """Delegate the domain to 2 to 13 name servers."""
        body = EditNameServers(domain_name=domain_name, name_servers=name_servers)
        return Call("PUT", f"/v2/domains/{segment(domain_name)}/nameservers", body=body, outcome="none")

    @operation
    def set_will_renew(self, domain_name: str, will_renew: bool) -> Call[None]:
        """Switch automatic renewal (allowed while the detail's ``can_toggle_renew`` is true)."""
        body = EditDomainWillRenewRequest(will_renew=will_renew)
        return Call("PUT", f"/v2/domains/{segment(domain_name)}/renew", body=body, outcome="none")

    def _register(
        self, domain_name: str, name_servers: Names | None, registrant: RegistrantInput | None
    ) -> Call[DomainDetail]:
        body = RegisterDomain(
            domain_name=domain_name,
            name_servers=UNSET if name_servers is None else name_servers,
            registrant=UNSET if registrant is None else registrant,
        )
        return Call("POST", "/v2/domains/registrations", DomainDetail, body=body)

    def _transfer(self, domain_name: str, auth_code: str) -> Call[DomainDetail]:
        body = TransferDomain(domain_name=domain_name, auth_code=auth_code)
        return Call("POST", "/v2/domains/transfers", DomainDetail, body=body)

    # One declaration per mode (a Client's returns, an AsyncClient's awaits), one body for both.
    @overload
    def register(
        self: Domains[Sync],
        domain_name: str,
        name_servers: Names | None = ...,
        registrant: RegistrantInput | None = ...,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> Job[DomainDetail]: ...
    @overload
    def register(
        self: Domains[Sync],
        domain_name: str,
        name_servers: Names | None = ...,
        registrant: RegistrantInput | None = ...,
        *,
        wait: Literal[True],
        timeout: float = ...,
    ) -> DomainDetail: ...
    @overload
    async def register(
        self: Domains[Async],
        domain_name: str,
        name_servers: Names | None = ...,
        registrant: RegistrantInput | None = ...,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> AsyncJob[DomainDetail]: ...
    @overload
    async def register(
        self: Domains[Async],
        domain_name: str,
        name_servers: Names | None = ...,
        registrant: RegistrantInput | None = ...,
        *,
        wait: Literal[True],
        timeout: float = ...,
    ) -> DomainDetail: ...
    @starts_job
    def register(
        self,
        domain_name: str,
        name_servers: Names | None = None,
        registrant: RegistrantInput | None = None,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
    ) -> Any:
        """Register an available domain; without name servers it gets ours and a DNS zone."""
        return start(self, partial(self._register, domain_name, name_servers, registrant), wait, timeout)

    @overload
    def transfer(
        self: Domains[Sync],
        domain_name: str,
        auth_code: str,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> Job[DomainDetail]: ...
    @overload
    def transfer(
        self: Domains[Sync], domain_name: str, auth_code: str, *, wait: Literal[True], timeout: float = ...
    ) -> DomainDetail: ...
    @overload
    async def transfer(
        self: Domains[Async],
        domain_name: str,
        auth_code: str,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> AsyncJob[DomainDetail]: ...
    @overload
    async def transfer(
        self: Domains[Async], domain_name: str, auth_code: str, *, wait: Literal[True], timeout: float = ...
    ) -> DomainDetail: ...
    @starts_job
    def transfer(
        self, domain_name: str, auth_code: str, *, wait: bool = False, timeout: float = DEFAULT_WAIT_TIMEOUT
    ) -> Any:
        """Transfer a domain registered elsewhere (a wrong auth code fails the job)."""
        return start(self, partial(self._transfer, domain_name, auth_code), wait, timeout)


AsyncDomains = Domains[Async]
"""The domains of an :class:`~reseller_api.client.AsyncClient` (the name of the class it was)."""
