"""``/v2/dns/{domainName}/records``: the records of a DNS zone, ``client.dns.records("example.com")``."""

from __future__ import annotations

import msgspec

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call, segment
from reseller_api.client.resources import AsyncRunner, M, Resource, Runner, operation, paginated
from reseller_api.wire.dns import DnsRecord, DnsRecordInput

DnsRecordList = list[DnsRecord]


class Dns(Resource[M]):
    def records(self, domain_name: str) -> DnsRecords[M]:
        """The records of one zone."""
        return DnsRecords(self._client, domain_name)


class DnsRecords(Resource[M]):
    def __init__(self, client: Runner | AsyncRunner, domain_name: str) -> None:
        super().__init__(client)
        self.domain_name = domain_name
        self._path = f"/v2/dns/{segment(domain_name)}/records"

    @operation
    def list(
        self,
        *,
        type: str | None = None,
        record_name: str | None = None,
        service: str | None = None,
        skip: int = 0,
        take: int = 25,
    ) -> Call[DnsRecordList]:
        """One page of the zone's records, optionally of one type, name or (SRV) service."""
        params = {"type": type, "record_name": record_name, "service": service, "skip": skip, "take": take}
        return Call("GET", self._path, DnsRecordList, params)

    @paginated
    def iter_all(
        self,
        *,
        type: str | None = None,
        record_name: str | None = None,
        service: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Call[DnsRecordList]:
        """Every record (filtered like :meth:`list`), a page at a time as you iterate."""
        return Call(
            "GET", self._path, DnsRecordList, {"type": type, "record_name": record_name, "service": service}
        )

    @operation
    def get(self, record_id: str) -> Call[DnsRecord]:
        return Call("GET", f"{self._path}/{segment(record_id)}", DnsRecord)

    @operation
    def create(
        self,
        type: str,
        record_name: str = "",
        *,
        content: str | None = None,
        ttl: int | None = None,
        priority: int | None = None,
        service: str | None = None,
        target: str | None = None,
        protocol: str | None = None,
        port: int | None = None,
        weight: int | None = None,
    ) -> Call[str]:
        """Add a record; returns its id. Fields that do not apply to the type stay out."""
        body = _record(type, record_name, content, ttl, priority, service, target, protocol, port, weight)
        return Call("POST", self._path, str, body=body, outcome="id")

    @operation
    def update(
        self,
        record_id: str,
        type: str | None = None,
        record_name: str | None = None,
        *,
        content: str | None = None,
        ttl: int | None = None,
        priority: int | None = None,
        service: str | None = None,
        target: str | None = None,
        protocol: str | None = None,
        port: int | None = None,
        weight: int | None = None,
    ) -> Call[None]:
        """Change a record: only the fields given change (the server keeps every field left out).

        ``type`` may be given to have it checked (a record's type cannot change); ``record_name``
        ``""`` or ``"@"`` moves the record to the zone's apex, ``None`` leaves its name alone.
        """
        body = _record(type, record_name, content, ttl, priority, service, target, protocol, port, weight)
        return Call("PUT", f"{self._path}/{segment(record_id)}", body=body, outcome="none")

    @operation
    def delete(self, record_id: str) -> Call[None]:
        return Call("DELETE", f"{self._path}/{segment(record_id)}", outcome="none")


def _record(
    type: str | None,
    record_name: str | None,
    content: str | None,
    ttl: int | None,
    priority: int | None,
    service: str | None,
    target: str | None,
    protocol: str | None,
    port: int | None,
    weight: int | None,
) -> DnsRecordInput:
    fields = {
        "type": type,
        "record_name": record_name,
        "content": content,
        "ttl": ttl,
        "priority": priority,
        "service": service,
        "target": target,
        "protocol": protocol,
        "port": port,
        "weight": weight,
    }
    # Absent, not null: a field that does not apply to the type stays off the wire.
    return msgspec.convert({k: v for k, v in fields.items() if v is not None}, DnsRecordInput)
