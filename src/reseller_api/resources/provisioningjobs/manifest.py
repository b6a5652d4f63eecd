"""Provisioning jobs: ``/v2/provisioningjobs``, what the asynchronous creations answer with."""

from __future__ import annotations

from reseller_api.resources.manifest import Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.provisioningjobs.routes import ProvisioningJobController

    return [ProvisioningJobController]


RESOURCE = Resource(name="provisioningjobs", controllers=controllers)
