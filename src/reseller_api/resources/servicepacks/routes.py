"""``/v2/servicepacks``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from reseller_api.conventions.dependencies import Context, Paging
from reseller_api.conventions.paging import Page
from reseller_api.conventions.replies import paged
from reseller_api.resources.servicepacks import service
from reseller_api.wire.integers import INT32_MAX
from reseller_api.wire.servicepacks import Servicepack


class ServicepackController(Controller):
    path = "/v2/servicepacks"
    tags = ["Servicepacks"]

    @get(
        "/",
        operation_id="Servicepacks",
        summary="Overview of service packs",
        description="Every pack: the vendor's list is not paged. `skip` and `take`, when given, "
        "page it as every other list.",
        sync_to_thread=False,
        response_description="Success",
    )
    def list_servicepacks(
        self, request: Request[Any, Any, Any], context: Context, page: Paging
    ) -> Response[list[Servicepack]]:
        asked = "skip" in request.query_params or "take" in request.query_params
        rows, total = service.list_page(context.database, page if asked else Page(0, INT32_MAX))
        return paged([Servicepack(id=i, name=n) for i, n in rows], page if asked else Page(0, total), total)
