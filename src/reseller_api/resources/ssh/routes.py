"""``/v2/ssh``."""

from __future__ import annotations

from litestar import Controller, Response, get

from reseller_api.conventions.dependencies import Caller, Context, Paging
from reseller_api.conventions.replies import paged
from reseller_api.resources.ssh import service
from reseller_api.wire.ssh import SshKeyDetail


class SshController(Controller):
    path = "/v2/ssh"
    tags = ["SSH"]

    @get(
        "/",
        operation_id="GetAllSshKeys",
        summary="Overview of SSH keys",
        description="Every SSH key of yours, with the Linux hostings it is attached to.",
        sync_to_thread=False,
    )
    def list_keys(self, context: Context, credential: Caller, page: Paging) -> Response[list[SshKeyDetail]]:
        items, total = service.list_keys(context.database, credential.reseller_id, page)
        return paged(items, page, total)
