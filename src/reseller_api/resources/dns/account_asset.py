"""An account's ``dns`` asset: the zone of its domain, with its SOA and NS records."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Connection, select, update

from reseller_api.backends import Backends
from reseller_api.resources.assets import AssetOrder
from reseller_api.resources.dns import zone
from reseller_api.resources.dns.tables import dns_zones


class DnsZoneAsset:
    asset_type: ClassVar[str] = "dns"

    def provision(self, backends: Backends, order: AssetOrder) -> None:
        if order.existing_zone:  # a zone the reseller already has (a registered domain) is adopted as it is
            return
        backends.dns.ensure_zone(order.domain_name, order.name_servers)
        zone.push_apex(backends.dns, order.domain_name, order.name_servers, order.soa_serial)

    def commit(self, conn: Connection, backends: Backends, order: AssetOrder, now: float) -> None:
        # The reseller may already own the zone (a domain registered before the account).
        zone_id = conn.execute(
            select(dns_zones.c.id).where(dns_zones.c.domain_name == order.domain_name)
        ).scalar()
        if zone_id is None:
            zone.insert_zone(
                conn,
                reseller_id=order.reseller_id,
                account_id=order.account_id,
                domain_name=order.domain_name,
                name_servers=order.name_servers,
                serial=order.soa_serial,
                now=now,
            )
        else:
            conn.execute(
                update(dns_zones).where(dns_zones.c.id == zone_id).values(account_id=order.account_id)
            )

    def unprovision(self, backends: Backends, order: AssetOrder) -> None:
        if not order.existing_zone:
            backends.dns.remove_zone(order.domain_name)

    def discard(self, conn: Connection, order: AssetOrder) -> None:
        pass  # the zone row is written only by commit


PROVISIONER = DnsZoneAsset()
