"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class AssetType(StrEnum):
    """Asset types."""

    DOMAIN = "domain"
    LINUX_HOSTING = "linux_hosting"
    MYSQL = "mysql"
    DNS = "dns"
    MAILBOX = "mailbox"
    WINDOWS_HOSTING = "windows_hosting"


class Servicepack(msgspec.Struct):
    """Servicepack information."""

    id: int
    name: str
