"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

from reseller_api.wire.integers import Int32
from reseller_api.wire.servicepacks import Servicepack


class Account(msgspec.Struct):
    id: int
    identifier: str
    servicepack_id: int


class Addon(msgspec.Struct):
    """Addon information."""

    id: int
    name: str


class AccountDetail(msgspec.Struct):
    """A detailed representation of an account."""

    id: int
    identifier: str
    servicepack: Servicepack
    addons: list[Addon]


class CreateAccount(msgspec.Struct):
    """Fields may be absent on the wire (as in the YAML) so a missing one gets our own, precise error."""

    identifier: str | UnsetType = UNSET
    servicepack_id: Int32 | UnsetType = UNSET
    ftp_password: str | UnsetType = UNSET
