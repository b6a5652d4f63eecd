"""``/v2/servicepacks``."""

from __future__ import annotations

from litestar import Controller, Response, get

from reseller_api.context import Context, Paging
from reseller_api.conventions.paging import paged
from reseller_api.resources.servicepacks import service
from reseller_api.resources.servicepacks.schemas import Servicepack


class ServicepackController(Controller):
    path = "/v2/servicepacks"
    tags = ["Servicepacks"]

    @get(
        "/",
        operation_id="Servicepacks",
        summary="Overview of service packs",
        sync_to_thread=False,
        response_description="Success",
    )
    def list_servicepacks(self, context: Context, page: Paging) -> Response[list[Servicepack]]:
        rows, total = service.list_page(context.database, page)
        return paged([Servicepack(id=i, name=n) for i, n in rows], page, total)
