"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

AntiSpamTypes = Literal["none", "advanced", "basic"]
ANTI_SPAM_TYPES: tuple[AntiSpamTypes, ...] = ("none", "basic", "advanced")


class Alias(msgspec.Struct):
    """An address that forwards what it receives to other addresses."""

    email_address: str
    destinations: list[str]


class CatchAll(msgspec.Struct):
    """Addresses that receive mail sent to nonexistent mailboxes or aliases of the zone."""

    email_addresses: list[str]


class SmtpDomain(msgspec.Struct):
    """An extra domain whose mail is caught by the same addresses on the zone's domain."""

    hostname: str
    enabled: bool


class AntiSpam(msgspec.Struct):
    type: AntiSpamTypes
    allowed_types: list[AntiSpamTypes]


class MailZoneAccount(msgspec.Struct):
    """The account holding the zone's mailboxes, and the size (MB) each mailbox gets."""

    account_id: int
    size: int


class MailZone(msgspec.Struct):
    name: str
    enabled: bool
    aliases: list[Alias]
    catch_all: CatchAll
    anti_spam: AntiSpam
    available_accounts: list[MailZoneAccount]
    smtp_domains: list[SmtpDomain]


# Requests: fields may be absent on the wire (as in the YAML) so a missing one gets our own error.


class CreateAliasRequest(msgspec.Struct):
    email_address: str | UnsetType = UNSET
    destinations: list[str] | UnsetType = UNSET


class UpdateAliasRequest(msgspec.Struct):
    destinations: list[str] | UnsetType = UNSET


class UpdateAntiSpamRequest(msgspec.Struct):
    type: AntiSpamTypes | UnsetType = UNSET


class CreateCatchAllRequest(msgspec.Struct):
    email_address: str | UnsetType = UNSET


class CreateSmtpDomainRequest(msgspec.Struct):
    hostname: str | UnsetType = UNSET


class UpdateSmtpDomainRequest(msgspec.Struct):
    enabled: bool | UnsetType = UNSET
