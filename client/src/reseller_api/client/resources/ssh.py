"""``/v2/ssh``: every SSH key across your Linux hostings."""

from __future__ import annotations

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call
from reseller_api.client.resources import M, Resource, operation, paginated
from reseller_api.wire.ssh import SshKeyDetail

SshKeyDetailList = list[SshKeyDetail]


class SshKeys(Resource[M]):
    @operation
    def list(self, *, skip: int = 0, take: int = 25) -> Call[SshKeyDetailList]:
        return Call("GET", "/v2/ssh", SshKeyDetailList, {"skip": skip, "take": take})

    @paginated
    def iter_all(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Call[SshKeyDetailList]:
        """Every key, with the hostings it opens, a page at a time as you iterate."""
        return Call("GET", "/v2/ssh", SshKeyDetailList)
