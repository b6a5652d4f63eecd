"""The API's resources, one package each with the same shape:

``schemas.py`` (msgspec Structs mirroring the reference YAML), ``service.py`` (the rules),
``routes.py`` (a Litestar Controller with its full ``/v2/...`` path), and ``jobs.py`` where
the resource is provisioned asynchronously. Every controller is listed here, once.
"""

from __future__ import annotations

from reseller_api.resources.accounts.routes import AccountController
from reseller_api.resources.provisioningjobs.routes import ProvisioningJobController
from reseller_api.resources.servicepacks.routes import ServicepackController

CONTROLLERS: list[type] = [
    AccountController,
    ProvisioningJobController,
    ServicepackController,
]
