"""An account's ``windows_hosting`` asset: the simulated IIS hosting (provisioning.py), sized by the pack."""

from __future__ import annotations

import json
from typing import ClassVar

from sqlalchemy import Connection, insert, select

from reseller_api.backends import Backends
from reseller_api.resources.assets import AssetOrder
from reseller_api.resources.servicepacks.tables import servicepack_assets
from reseller_api.resources.windowshostings import provisioning as windows
from reseller_api.resources.windowshostings.tables import windows_hostings
from reseller_api.store.tables import accounts


class WindowsHostingAsset:
    asset_type: ClassVar[str] = "windows_hosting"

    def provision(self, backends: Backends, order: AssetOrder) -> None:
        pass  # simulated: nothing in the world to change

    def commit(self, conn: Connection, backends: Backends, order: AssetOrder, now: float) -> None:
        servicepack_id = conn.execute(
            select(accounts.c.servicepack_id).where(accounts.c.id == order.account_id)
        ).scalar_one()
        max_size = conn.execute(
            select(servicepack_assets.c.max_size_mb).where(
                servicepack_assets.c.servicepack_id == servicepack_id,
                servicepack_assets.c.asset_type == self.asset_type,
            )
        ).scalar()
        domain = order.domain_name
        conn.execute(
            insert(windows_hostings).values(
                account_id=order.account_id,
                reseller_id=order.reseller_id,
                domain_name=domain,
                servicepack_id=servicepack_id,
                ftp_username=windows.ftp_username(domain),
                ip=windows.SHARED_IP,
                ip_type="shared",
                max_size_mb=max_size or 0,
                actual_size_mb=0,
                application_pool=json.dumps(windows.application_pool()),
                sites=json.dumps(windows.sites(domain, windows.SHARED_IP)),
                created_at=now,
            )
        )

    def unprovision(self, backends: Backends, order: AssetOrder) -> None:
        pass

    def discard(self, conn: Connection, order: AssetOrder) -> None:
        pass  # the hosting row is written only by commit


PROVISIONER = WindowsHostingAsset()
