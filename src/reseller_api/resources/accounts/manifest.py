"""The accounts resource: ``/v2/accounts``, provisioned by the ``account.create`` job."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.accounts import jobs, service
from reseller_api.resources.events import WriteEvents
from reseller_api.resources.manifest import AuditSentence, Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.accounts.routes import AccountController

    return [AccountController]


RESOURCE = Resource(
    name="accounts",
    controllers=controllers,
    jobs=(jobs.CREATE_ACCOUNT,),
    errors=codes_of(service),
    audit=(AuditSentence("POST", "/v2/accounts", "Ordered account {subject}"),),
    events=(WriteEvents("/v2/accounts", "account"),),
)
