"""``/v2/servicepacks``: the catalogue accounts are created from."""

from __future__ import annotations

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call
from reseller_api.client.resources import M, Resource, operation, paginated
from reseller_api.wire.servicepacks import Servicepack

ServicepackList = list[Servicepack]


class Servicepacks(Resource[M]):
    @operation
    def list(self, *, skip: int = 0, take: int = 25) -> Call[ServicepackList]:
        """One page of the servicepacks."""
        return Call("GET", "/v2/servicepacks", ServicepackList, {"skip": skip, "take": take})

    @paginated
    def iter_all(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Call[ServicepackList]:
        """Every servicepack, fetched a page at a time as you iterate."""
        return Call("GET", "/v2/servicepacks", ServicepackList)
