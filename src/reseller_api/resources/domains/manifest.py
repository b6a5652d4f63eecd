"""Domains: ``/v2/domains``, registered and transferred by the ``domain.*`` jobs."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.assets import AssetRules
from reseller_api.resources.domains import account_asset, jobs, service, tables
from reseller_api.resources.events import WriteEvents
from reseller_api.resources.manifest import AuditSentence, Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.domains.routes import DomainController

    return [DomainController]


RESOURCE = Resource(
    name="domains",
    tables=tables.TABLES,
    controllers=controllers,
    assets=(account_asset.PROVISIONER,),
    asset_rules=(AssetRules("domain", domain_bound=True, noun="domain name", plural="domain names"),),
    jobs=(jobs.REGISTER, jobs.TRANSFER),
    errors=codes_of(service),
    audit=(
        AuditSentence("POST", "/v2/domains/registrations", "Registered domain {subject}"),
        AuditSentence("POST", "/v2/domains/transfers", "Transferred domain {subject} in"),
        AuditSentence("PUT", "/v2/domains/{d}/nameservers", "Changed the name servers of {d}"),
        AuditSentence("PUT", "/v2/domains/{d}/renew", "Changed the automatic renewal of {d}"),
    ),
    events=(WriteEvents("/v2/domains", "domain"),),
)
