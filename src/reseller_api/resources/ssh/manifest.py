"""The SSH service's host keys: ``/v2/ssh``."""

from __future__ import annotations

from reseller_api.resources.manifest import Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.ssh.routes import SshController

    return [SshController]


RESOURCE = Resource(name="ssh", controllers=controllers)
