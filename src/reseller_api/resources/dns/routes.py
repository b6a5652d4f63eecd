"""``/v2/dns/{domainName}/records``: the records of the zones a reseller owns."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Response, delete, get, post, put
from litestar.params import JSONBody, Parameter, QueryParameter

from reseller_api.conventions.dependencies import Caller, Context, Paging
from reseller_api.conventions.locations import location
from reseller_api.conventions.replies import paged
from reseller_api.resources.dns import service
from reseller_api.wire.dns import DnsRecord, DnsRecordInput

DomainName = Annotated[
    str,
    Parameter(description="The domain name (any case; IDN in UTF-8, percent-encoded, or as A-labels)."),
]
RecordId = Annotated[str, Parameter(description="The id of the record.")]


class DnsRecordController(Controller):
    path = "/v2/dns"
    tags = ["DNS records"]

    @get(
        "/{domain_name:str}/records",
        operation_id="GetRecords",
        summary="Get records",
        description="A zone's records, a page at a time; filter by type, then by record name "
        "or (SRV) service.",
        sync_to_thread=False,
    )
    def list_records(
        self,
        context: Context,
        credential: Caller,
        page: Paging,
        domain_name: DomainName,
        record_type: Annotated[
            str | None,
            QueryParameter(
                name="type",
                description="Filters records matching the type. Most other filters only apply when "
                "this filter is specified.",
            ),
        ] = None,
        record_name: Annotated[
            str | None,
            Parameter(
                description="Filters records matching the record name ('' or '@' is the domain "
                "itself). Applies only to lookups of A, AAAA, CNAME, TXT, ALIAS, TLSA and CAA records."
            ),
        ] = None,
        service_name: Annotated[
            str | None,
            QueryParameter(
                name="service",
                description="Filters records for the service. Applies only to lookups of SRV records.",
            ),
        ] = None,
    ) -> Response[list[DnsRecord]]:
        items, total = service.list_records(
            context.database,
            credential.reseller_id,
            domain_name,
            page,
            record_type,
            record_name,
            service_name,
        )
        return paged(items, page, total)

    @post(
        "/{domain_name:str}/records",
        operation_id="CreateRecord",
        summary="Create a record",
        description="Answers 201 with the record's relative path in Location. The id in the body is ignored.",
        status_code=201,
        # No body, as in the YAML; plain text so the document does not promise a JSON one.
        media_type=MediaType.TEXT,
        sync_to_thread=True,
    )
    def create_record(
        self, context: Context, credential: Caller, domain_name: DomainName, data: JSONBody[DnsRecordInput]
    ) -> Response[bytes]:
        zone, record_id = service.create_record(context, credential.reseller_id, domain_name, data)
        path = location("dns", zone.domain_name, "records", record_id)
        return Response(b"", status_code=201, headers={"Location": path})

    @get(
        "/{domain_name:str}/records/{record_id:str}",
        operation_id="GetRecord",
        summary="Get specific record",
        description="One record by its id.",
        sync_to_thread=False,
    )
    def get_record(
        self, context: Context, credential: Caller, domain_name: DomainName, record_id: RecordId
    ) -> DnsRecord:
        return service.get_record(context.database, credential.reseller_id, domain_name, record_id)

    @put(
        "/{domain_name:str}/records/{record_id:str}",
        operation_id="EditRecord",
        summary="Edit a record",
        description="Fields left out keep their values. The type cannot change, nor the service "
        "and protocol of an SRV record: add a new record and delete this one.",
        status_code=200,
        sync_to_thread=True,
    )
    def edit_record(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        record_id: RecordId,
        data: JSONBody[DnsRecordInput],
    ) -> DnsRecord:
        return service.update_record(context, credential.reseller_id, domain_name, record_id, data)

    @delete(
        "/{domain_name:str}/records/{record_id:str}",
        operation_id="DeleteRecord",
        summary="Delete a record",
        description="Delete a record; the zone's other records are untouched.",
        status_code=204,
        sync_to_thread=True,
    )
    def delete_record(
        self, context: Context, credential: Caller, domain_name: DomainName, record_id: RecordId
    ) -> None:
        service.delete_record(context, credential.reseller_id, domain_name, record_id)
