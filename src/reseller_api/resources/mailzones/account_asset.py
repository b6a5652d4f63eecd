"""An account's ``mailbox`` asset: the mail zone of its domain."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Connection, insert

from reseller_api.backends import Backends
from reseller_api.resources.assets import AssetOrder
from reseller_api.resources.mailzones.tables import mail_zones


class MailZoneAsset:
    asset_type: ClassVar[str] = "mailbox"

    def provision(self, backends: Backends, order: AssetOrder) -> None:
        backends.mail.ensure_mail_zone(order.domain_name)

    def commit(self, conn: Connection, backends: Backends, order: AssetOrder, now: float) -> None:
        conn.execute(
            insert(mail_zones).values(
                reseller_id=order.reseller_id,
                account_id=order.account_id,
                domain_name=order.domain_name,
                created_at=now,
            )
        )

    def unprovision(self, backends: Backends, order: AssetOrder) -> None:
        backends.mail.remove_mail_zone(order.domain_name)

    def discard(self, conn: Connection, order: AssetOrder) -> None:
        pass  # the zone row is written only by commit


PROVISIONER = MailZoneAsset()
