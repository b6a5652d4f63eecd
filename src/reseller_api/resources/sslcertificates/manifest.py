"""SSL certificates and their requests: ``/v2/sslcertificates``, issued by the ``ssl.issue`` job."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.manifest import AuditSentence, Controllers, Resource
from reseller_api.resources.sslcertificates import certificates, jobs, service, tables


def controllers() -> Controllers:
    from reseller_api.resources.sslcertificates.routes import (
        SslCertificateController,
        SslCertificateRequestController,
    )

    return [SslCertificateRequestController, SslCertificateController]


RESOURCE = Resource(
    name="sslcertificates",
    tables=tables.TABLES,
    controllers=controllers,
    jobs=(jobs.ISSUE,),
    errors=codes_of(service, certificates),
    audit=(
        AuditSentence("POST", "/v2/sslcertificaterequests", "Requested an SSL certificate"),
        AuditSentence("PUT", "/v2/sslcertificaterequests/{id}", "Asked to check certificate request {id}"),
    ),
)
