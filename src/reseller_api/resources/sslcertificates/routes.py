"""``/v2/sslcertificaterequests`` (order, validate, issue) and ``/v2/sslcertificates`` (read, download)."""

from __future__ import annotations

import math
from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context, Paging
from reseller_api.conventions.locations import location
from reseller_api.conventions.replies import paged
from reseller_api.errors import NOT_FOUND, ApiProblem
from reseller_api.resources.sslcertificates import certificates, service
from reseller_api.wire.sslcertificates import (
    CreateSslCertificateRequest,
    SslCertificate,
    SslCertificateDetail,
    SslCertificateRequest,
    SslCertificateRequestDetail,
)

RequestId = Annotated[int, Parameter(description="The id of the certificate request.")]
Fingerprint = Annotated[str, Parameter(description="The SHA-1 fingerprint of the certificate.")]
INT32_MAX = 2**31 - 1


def _redirect(moved: service.Redirect) -> Response[bytes]:
    return Response(b"", status_code=303, headers={"Location": moved.location})


def _in_range(request_id: int) -> int:
    if not 0 < request_id <= INT32_MAX:  # the YAML's int32: anything else names no request
        raise ApiProblem(NOT_FOUND, f"Certificate request {request_id} does not exist.")
    return request_id


class SslCertificateRequestController(Controller):
    path = "/v2/sslcertificaterequests"
    tags = ["SSL certificate requests"]

    @get(
        "/",
        operation_id="GetSslCertificateRequests",
        summary="Overview of SSL certificate requests",
        description="Your SSL certificate requests, a page at a time.",
        sync_to_thread=False,
    )
    def list_requests(
        self, context: Context, credential: Caller, page: Paging
    ) -> Response[list[SslCertificateRequest]]:
        items, total = service.list_requests(context.database, credential.reseller_id, page)
        return paged(items, page, total)

    @post(
        "/",
        operation_id="AddSslCertificateRequest",
        summary="Add a SSL certificate request",
        description="The CSR (PEM) is checked: a valid signature, an RSA key of 2048 bits or more or an EC "
        "key on P-256 or larger, and domain names only (`standard`: one name and optionally its `www.`; "
        "`multi_domain`: several; `wildcard`: a `*.` name and its base). Organization and extended "
        "validation need the additional validation attributes and an operator's approval. Names in a DNS "
        "zone hosted here are validated automatically; a domain validated request with only such names "
        "is issued at once. Answers 201 with the request in `Location`.",
        status_code=201,
        sync_to_thread=True,
    )
    def create_request(
        self, context: Context, credential: Caller, data: JSONBody[CreateSslCertificateRequest]
    ) -> Response[bytes]:
        request_id = service.create_request(context, credential.reseller_id, data)
        context.runner.poke()
        return Response(
            b"", status_code=201, headers={"Location": location("sslcertificaterequests", request_id)}
        )

    @get(
        "/{request_id:int}",
        operation_id="GetSslCertificateRequest",
        summary="Detail of a SSL certificate request",
        description="200 while the request waits or is being issued; 303 to the certificate once issued; "
        "410 when it expired (`RESELLER_API_CERTIFICATE_REQUEST_DAYS`, 30 by default) or was rejected.",
        sync_to_thread=False,
    )
    def get_request(
        self, context: Context, credential: Caller, request_id: RequestId
    ) -> Response[SslCertificateRequestDetail] | Response[bytes]:
        found = service.get_request(context.database, credential.reseller_id, _in_range(request_id))
        if isinstance(found, service.Redirect):
            return _redirect(found)
        return Response(found)

    @put(
        "/{request_id:int}",
        operation_id="VerifySslCertificateRequestDomainValidations",
        summary="Verify the SSL certificate request domain validations",
        description="Checks now each name not validated yet: its DNS validation (the CNAME in the zone "
        "hosted here, as the DNS server serves it), else its file validation (fetched from the web server "
        "of the hosting serving the name). When every name is validated the certificate is issued by a "
        "provisioning job, named in `Location`. 202 while the request is pending or issuing, 303 to the "
        "certificate once issued, 410 when expired or rejected.",
        status_code=202,
        sync_to_thread=True,  # asks the DNS and web servers
    )
    def verify(self, context: Context, credential: Caller, request_id: RequestId) -> Response[bytes]:
        outcome = service.verify(context, credential.reseller_id, _in_range(request_id))
        if isinstance(outcome, service.Redirect):
            return _redirect(outcome)
        headers = {}
        if outcome.job_id is not None:
            context.runner.poke()
            headers = {
                "Location": location("provisioningjobs", outcome.job_id),
                "Retry-After": str(math.ceil(context.backends.step_duration) + 1),
            }
        return Response(b"", status_code=202, headers=headers)


class SslCertificateController(Controller):
    path = "/v2/sslcertificates"
    tags = ["SSL certificates"]

    @get(
        "/",
        operation_id="GetSslCertificates",
        summary="Overview of SSL certificates",
        description="Your SSL certificates, a page at a time.",
        sync_to_thread=False,
    )
    def list_certificates(
        self, context: Context, credential: Caller, page: Paging
    ) -> Response[list[SslCertificate]]:
        items, total = certificates.list_certificates(context.database, credential.reseller_id, page)
        return paged(items, page, total)

    @get(
        "/{sha1_fingerprint:str}",
        operation_id="GetSslCertificate",
        summary="Detail of a SSL certificate",
        description="One certificate: common name, subject alternative names, expiry, type and level.",
        sync_to_thread=False,
    )
    def get_certificate(
        self, context: Context, credential: Caller, sha1_fingerprint: Fingerprint
    ) -> SslCertificateDetail:
        return certificates.get_certificate(context.database, credential.reseller_id, sha1_fingerprint)

    @get(
        "/{sha1_fingerprint:str}/download",
        operation_id="DownloadCertificate",
        summary="Download a SSL certificate",
        description="`file_format=pem`: the certificate and its issuers, PEM. `file_format=pfx` (PKCS #12 "
        "with the private key) is 400 `ssl_certificate_private_key_unavailable`: requests come as CSRs, "
        "so the private key never reached this server. `password` is accepted and not needed for PEM.",
        sync_to_thread=False,
    )
    def download(
        self,
        context: Context,
        credential: Caller,
        sha1_fingerprint: Fingerprint,
        file_format: Annotated[
            str | None, Parameter(description="pfx (needs the private key) or pem.", required=False)
        ] = None,
        password: Annotated[
            str | None, Parameter(description="Protects a PFX; not used for PEM.", required=False)
        ] = None,
    ) -> Response[bytes]:
        found = certificates.download(context.database, credential.reseller_id, sha1_fingerprint, file_format)
        return Response(
            found.content,
            media_type=found.media_type,
            headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
        )
