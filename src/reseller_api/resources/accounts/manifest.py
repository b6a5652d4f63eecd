"""The accounts resource: ``/v2/accounts``, provisioned by the ``account.create`` job."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.accounts import jobs, service
from reseller_api.resources.manifest import Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.accounts.routes import AccountController

    return [AccountController]


RESOURCE = Resource(
    name="accounts",
    controllers=controllers,
    # The account job builds every resource's asset; it is handed their provisioners, since
    # this package cannot import the list of resources (the list imports it).
    asset_jobs=lambda provisioners: (jobs.create_account(provisioners),),
    errors=codes_of(service),
)
