"""Wire shapes, field for field as the reference YAML's ``DnsRecord``."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

from reseller_api.wire.integers import Int32


class DnsRecord(msgspec.Struct):
    """A record as we answer it: every property of the YAML's, ``null`` where the type has no value
    (``service`` of an A record...), as the vendor sends them; clients that type these fields crash
    on a missing key."""

    id: str
    type: str
    record_name: str
    ttl: int
    content: str | None = None
    service: str | None = None
    target: str | None = None
    protocol: str | None = None
    priority: int | None = None
    port: int | None = None
    weight: int | None = None


class DnsRecordInput(msgspec.Struct):
    """The YAML's ``DnsRecord`` as a request body (unknown fields ignored: conventions/bodies.py).

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
