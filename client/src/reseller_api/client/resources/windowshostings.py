"""``/v2/windowshostings``: Windows hostings (read-only: the API changes none)."""

from __future__ import annotations

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call, segment
from reseller_api.client.resources import M, Resource, operation, paginated
from reseller_api.wire.windowshostings import WindowsHosting, WindowsHostingDetail

WindowsHostingList = list[WindowsHosting]


class WindowsHostings(Resource[M]):
    @operation
    def list(self, *, skip: int = 0, take: int = 25) -> Call[WindowsHostingList]:
        return Call("GET", "/v2/windowshostings", WindowsHostingList, {"skip": skip, "take": take})

    @paginated
    def iter_all(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Call[WindowsHostingList]:
        """Every Windows hosting, a page at a time as you iterate."""
        return Call("GET", "/v2/windowshostings", WindowsHostingList)

    @operation
    def get(self, domain_name: str) -> Call[WindowsHostingDetail]:
        return Call("GET", f"/v2/windowshostings/{segment(domain_name)}", WindowsHostingDetail)
