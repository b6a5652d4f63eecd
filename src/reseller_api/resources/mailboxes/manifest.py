"""Mailboxes: ``/v2/mailboxes``; ``backends sync --only mail`` pushes every mail zone with its
mailboxes, aliases and SMTP domains."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.events import WriteEvents
from reseller_api.resources.mailboxes import service, sync
from reseller_api.resources.manifest import AuditSentence, BackendSync, Controllers, Resource


def controllers() -> Controllers:
    from reseller_api.resources.mailboxes.routes import MailboxController

    return [MailboxController]


RESOURCE = Resource(
    name="mailboxes",
    controllers=controllers,
    backend_sync=BackendSync("mail", sync.sync_all),
    errors=codes_of(service),
    audit=(
        AuditSentence("POST", "/v2/mailboxes", "Created mailbox {location}"),
        AuditSentence("POST", "/v2/mailboxes/{d}", "Created mailbox {location}"),
        AuditSentence("DELETE", "/v2/mailboxes/{d}", "Deleted mailbox {d}"),
        AuditSentence("PUT", "/v2/mailboxes/{d}/password", "Changed the password of mailbox {d}"),
        AuditSentence("PUT", "/v2/mailboxes/{d}/autoreply", "Changed the auto-reply of {d}"),
        AuditSentence("PUT", "/v2/mailboxes/{d}/autoforward", "Changed the auto-forward of {d}"),
    ),
    events=(WriteEvents("/v2/mailboxes", "mailbox"),),
)
