"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

from reseller_api.wire.integers import Int32


class Mailbox(msgspec.Struct):
    name: str
    max_size: int  # MB
    actual_size: int  # MB


# AutoReply and AutoForward are both a request body and part of MailboxDetail, as in the YAML:
# fields may be absent on input (our own error for a missing one) and are always set on output.


class AutoReply(msgspec.Struct):
    enabled: bool | UnsetType = UNSET
    subject: str | UnsetType = UNSET
    message: str | UnsetType = UNSET


class AutoForward(msgspec.Struct):
    enabled: bool | UnsetType = UNSET
    email_addresses: list[str] | UnsetType = UNSET
    copy_to_myself: bool | UnsetType = UNSET


class MailboxDetail(msgspec.Struct):
    name: str
    login: str
    max_size: int
    actual_size: int
    auto_reply: AutoReply
    auto_forward: AutoForward


class CreateMailboxRequest(msgspec.Struct):
    """The YAML's form (``POST /v2/mailboxes``)."""

    email_address: str | UnsetType = UNSET
    account_id: Int32 | UnsetType = UNSET
    password: str | UnsetType = UNSET


class AddMailboxRequest(msgspec.Struct):
    """The API text's form (``POST /v2/mailboxes/{domainName}``): ``email`` is the address or its
    local part; ``email_address`` is accepted too, for clients that send the YAML's field."""

    email: str | UnsetType = UNSET
    email_address: str | UnsetType = UNSET
    account_id: Int32 | UnsetType = UNSET
    password: str | UnsetType = UNSET


class UpdateMailboxPasswordRequest(msgspec.Struct):
    password: str | UnsetType = UNSET
