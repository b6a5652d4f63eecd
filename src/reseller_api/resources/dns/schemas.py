"""Wire shapes, field for field as the reference YAML's ``DnsRecord``."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

from reseller_api.conventions.integers import Int32


class DnsRecord(msgspec.Struct, omit_defaults=True):
    """A record as we answer it: fields that do not apply to its type are left out."""

    id: str
    type: str
    record_name: str
    ttl: int
    content: str | UnsetType = UNSET
    service: str | UnsetType = UNSET
    target: str | UnsetType = UNSET
    protocol: str | UnsetType = UNSET
    priority: int | UnsetType = UNSET
    port: int | UnsetType = UNSET
    weight: int | UnsetType = UNSET


class DnsRecordInput(msgspec.Struct, forbid_unknown_fields=True):
    """The YAML's ``DnsRecord`` as a request body.

    Every field may be absent or null: clients serialise their whole model (``"id": ""``,
    ``"service": null`` on an A record, the defaults on every type), so a field that does not
    apply to the record's type is ignored rather than refused.
    """

    id: str | UnsetType | None = UNSET
    type: str | UnsetType | None = UNSET
    record_name: str | UnsetType | None = UNSET
    ttl: Int32 | UnsetType | None = UNSET
    content: str | UnsetType | None = UNSET
    service: str | UnsetType | None = UNSET
    target: str | UnsetType | None = UNSET
    protocol: str | UnsetType | None = UNSET
    priority: Int32 | UnsetType | None = UNSET
    port: Int32 | UnsetType | None = UNSET
    weight: Int32 | UnsetType | None = UNSET
