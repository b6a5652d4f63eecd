"""DNS zones and records: ``/v2/dns``, pushed to the DNS backend by ``backends sync --only dns``."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.assets import AssetRules
from reseller_api.resources.dns import account_asset, records, service, sync, tables
from reseller_api.resources.events import WriteEvents
from reseller_api.resources.manifest import AuditSentence, BackendSync, Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.dns.routes import DnsRecordController

    return [DnsRecordController]


RESOURCE = Resource(
    name="dns",
    tables=tables.TABLES,
    controllers=controllers,
    assets=(account_asset.PROVISIONER,),
    asset_rules=(AssetRules("dns", domain_bound=True, noun="DNS zone", plural="DNS zones"),),
    backend_sync=BackendSync("dns", sync.sync_all),
    errors=codes_of(service, records),
    audit=(
        AuditSentence("POST", "/v2/dns/{d}/records", "Added a DNS record to {d}"),
        AuditSentence("PUT", "/v2/dns/{d}/records/{id}", "Changed a DNS record of {d}"),
        AuditSentence("DELETE", "/v2/dns/{d}/records/{id}", "Deleted a DNS record of {d}"),
    ),
    events=(WriteEvents("/v2/dns/{domain}/records", "dns_record"),),
)
