"""Mailboxes: ``/v2/mailboxes``; ``backends sync --only mail`` pushes every mail zone with its
mailboxes, aliases and SMTP domains."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.mailboxes import service, sync
from reseller_api.resources.manifest import BackendSync, Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.mailboxes.routes import MailboxController

    return [MailboxController]


RESOURCE = Resource(
    name="mailboxes",
    controllers=controllers,
    backend_sync=BackendSync("mail", sync.sync_all),
    errors=codes_of(service),
)
