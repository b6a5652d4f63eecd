"""``/v2/mailboxes``: mailboxes in your mail zones, their password, auto-reply and auto-forward."""

from __future__ import annotations

from typing import TypeVar

from msgspec import UNSET, UnsetType

from reseller_api.client.core import Call, segment
from reseller_api.client.resources import M, Resource, operation
from reseller_api.wire.mailboxes import (
    AutoForward,
    AutoReply,
    CreateMailboxRequest,
    Mailbox,
    MailboxDetail,
    UpdateMailboxPasswordRequest,
)
from reseller_api.wire.mailzones import MailZoneAccount

MailboxList = list[Mailbox]
QuotaList = list[MailZoneAccount]
Names = list[str]  # an alias: inside the classes ``list`` is the method
V = TypeVar("V")


def _given(value: V | None) -> V | UnsetType:
    """Left out of the body when not given: the server keeps what it has."""
    return UNSET if value is None else value


class Mailboxes(Resource[M]):
    @operation
    def list(self, domain_name: str) -> Call[MailboxList]:
        """The mailboxes of one mail zone (the API does not page them)."""
        return Call("GET", "/v2/mailboxes", MailboxList, {"domain_name": domain_name})

    @operation
    def get(self, mailbox_name: str) -> Call[MailboxDetail]:
        return Call("GET", f"/v2/mailboxes/{segment(mailbox_name)}", MailboxDetail)

    @operation
    def quota(self, domain_name: str) -> Call[QuotaList]:
        """The accounts that can hold the zone's mailboxes, and each mailbox's size."""
        return Call("GET", f"/v2/mailboxes/{segment(domain_name)}/quota", QuotaList)

    @operation
    def create(self, email_address: str, account_id: int, password: str) -> Call[str]:
        """Create a mailbox; returns its ``Location``."""
        body = CreateMailboxRequest(email_address=email_address, account_id=account_id, password=password)
        return Call("POST", "/v2/mailboxes", str, body=body, outcome="location")

    @operation
    def delete(self, mailbox_name: str) -> Call[None]:
        return Call("DELETE", f"/v2/mailboxes/{segment(mailbox_name)}", outcome="none")

    @operation
    def set_password(self, mailbox_name: str, password: str) -> Call[None]:
        body = UpdateMailboxPasswordRequest(password=password)
        return Call("PUT", f"/v2/mailboxes/{segment(mailbox_name)}/password", body=body, outcome="none")

    @operation
    def set_auto_reply(
        self, mailbox_name: str, enabled: bool, subject: str | None = None, message: str | None = None
    ) -> Call[None]:
        """Switch the auto-reply; ``subject`` and ``message`` change only when given."""
        body = AutoReply(enabled=enabled, subject=_given(subject), message=_given(message))
        return Call("PUT", f"/v2/mailboxes/{segment(mailbox_name)}/autoreply", body=body, outcome="none")

    @operation
    def set_auto_forward(
        self,
        mailbox_name: str,
        enabled: bool,
        email_addresses: Names | None = None,
        copy_to_myself: bool | None = None,
    ) -> Call[None]:
        """Switch the auto-forward; the addresses and ``copy_to_myself`` change only when given."""
        body = AutoForward(
            enabled=enabled, email_addresses=_given(email_addresses), copy_to_myself=_given(copy_to_myself)
        )
        return Call("PUT", f"/v2/mailboxes/{segment(mailbox_name)}/autoforward", body=body, outcome="none")
