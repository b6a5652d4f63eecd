"""An account's ``domain`` asset: its domain, registered as ``POST /v2/domains/registrations`` would.

The order inserted the domain row (``registering``) when the registry offered the name; when it
did not (ours already, taken elsewhere, a TLD we do not sell) there is nothing to register.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Connection, delete, update

from reseller_api.backends import Backends
from reseller_api.resources.assets import AssetOrder
from reseller_api.resources.domains.tables import domains


class DomainAsset:
    asset_type: ClassVar[str] = "domain"

    def provision(self, backends: Backends, order: AssetOrder) -> None:
        if order.domain_id is not None:
            backends.registry.register(order.domain_name, order.name_servers, 1)

    def commit(self, conn: Connection, backends: Backends, order: AssetOrder, now: float) -> None:
        if order.domain_id is not None:
            conn.execute(
                update(domains)
                .where(domains.c.id == order.domain_id)
                .values(status="active", expiration_date=backends.registry.expiration(now))
            )

    def unprovision(self, backends: Backends, order: AssetOrder) -> None:
        if order.domain_id is not None:
            backends.registry.release(order.domain_name)

    def discard(self, conn: Connection, order: AssetOrder) -> None:
        if order.domain_id is not None:  # the order's domain row, as a failed registration drops its own
            conn.execute(delete(domains).where(domains.c.id == order.domain_id, domains.c.status != "active"))


PROVISIONER = DomainAsset()
