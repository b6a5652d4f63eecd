"""``/v2/windowshostings``: list and detail (provisioned with an account whose pack has one)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import Parameter

from reseller_api.conventions.dependencies import Caller, Context, Paging
from reseller_api.conventions.replies import paged
from reseller_api.resources.windowshostings import service
from reseller_api.wire.windowshostings import WindowsHosting, WindowsHostingDetail

DomainName = Annotated[str, Parameter(description="The Windows hosting domain name.")]


class WindowsHostingController(Controller):
    path = "/v2/windowshostings"
    tags = ["Windows hostings"]

    @get(
        "/",
        operation_id="GetWindowsHostings",
        summary="Overview of windows hostings",
        description="Your Windows hostings, a page at a time.",
        sync_to_thread=False,
    )
    def list_hostings(
        self, context: Context, credential: Caller, page: Paging
    ) -> Response[list[WindowsHosting]]:
        items, total = service.list_hostings(context.database, credential.reseller_id, page)
        return paged(items, page, total)

    @get(
        "/{domain_name:str}",
        operation_id="GetWindowsHosting",
        summary="Windows hosting detail",
        description="An account whose servicepack has a `windows_hosting` asset has one (simulated: the "
        "application pool, the site and its bindings, the FTP user name, the IP, sizes from the pack).",
        sync_to_thread=False,
    )
    def get_hosting(
        self, context: Context, credential: Caller, domain_name: DomainName
    ) -> WindowsHostingDetail:
        return service.get_hosting(context.database, credential.reseller_id, domain_name)
