"""Mailboxes: ``/v2/mailboxes``."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.mailboxes import service
from reseller_api.resources.manifest import Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.mailboxes.routes import MailboxController

    return [MailboxController]


RESOURCE = Resource(name="mailboxes", controllers=controllers, errors=codes_of(service))
