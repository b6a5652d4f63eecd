"""Servicepacks: ``/v2/servicepacks``, what an account is made of."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.manifest import Controllers, Resource
from reseller_api.resources.servicepacks import service, tables


def controllers() -> Controllers:
    from reseller_api.resources.servicepacks.routes import ServicepackController

    return [ServicepackController]


RESOURCE = Resource(
    name="servicepacks", tables=tables.TABLES, controllers=controllers, errors=codes_of(service)
)
