"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

from reseller_api.wire.integers import Int32

UserRights = Literal["read_and_write", "read_only"]


class MySqlDatabase(msgspec.Struct):
    name: str
    hostname: str
    user_count: int
    max_size: int  # MB
    actual_size: int  # MB
    account_id: int


class MySqlUser(msgspec.Struct):
    name: str
    rights: UserRights
    enabled: bool


# Requests: fields may be absent on the wire (as in the YAML) so a missing one gets our own error.


class CreateMySqlDatabase(msgspec.Struct):
    database_name: str | UnsetType = UNSET
    account_id: Int32 | UnsetType = UNSET
    password: str | UnsetType = UNSET


class CreateMySqlUser(msgspec.Struct):
    name: str | UnsetType = UNSET
    password: str | UnsetType = UNSET


class UpdateUserPasswordRequest(msgspec.Struct):
    password: str | UnsetType = UNSET


class UpdateUserStatusRequest(msgspec.Struct):
    enabled: bool | UnsetType = UNSET
