"""``/v2/sslcertificaterequests`` and ``/v2/sslcertificates``: order a certificate for a CSR,
have its validations checked, read and download what was issued."""

from __future__ import annotations

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call, segment
from reseller_api.client.resources import M, Resource, operation, paginated
from reseller_api.wire.sslcertificates import (
    AdditionalValidationAttribute,
    CreateSslCertificateRequest,
    SslCertificate,
    SslCertificateDetail,
    SslCertificateRequest,
    SslCertificateRequestDetail,
)

SslCertificateRequestList = list[SslCertificateRequest]
SslCertificateList = list[SslCertificate]


class SslCertificateRequests(Resource[M]):
    @operation
    def list(self, *, skip: int = 0, take: int = 25) -> Call[SslCertificateRequestList]:
        return Call(
            "GET", "/v2/sslcertificaterequests", SslCertificateRequestList, {"skip": skip, "take": take}
        )

    @paginated
    def iter_all(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Call[SslCertificateRequestList]:
        """Every request, a page at a time as you iterate."""
        return Call("GET", "/v2/sslcertificaterequests", SslCertificateRequestList)

    @operation
    def create(
        self,
        csr: str,
        certificate_type: str = "standard",
        validation_level: str = "domain_validated",
        additional_validation_attributes: dict[str, str] | None = None,
    ) -> Call[str]:
        """Order a certificate for ``csr`` (PEM); returns the new request's id."""
        attributes = [
            AdditionalValidationAttribute(name=name, value=value)
            for name, value in (additional_validation_attributes or {}).items()
        ]
        body = CreateSslCertificateRequest(
            csr=csr,
            certificate_type=certificate_type,
            validation_level=validation_level,
            additional_validation_attributes=attributes or None,
        )
        return Call("POST", "/v2/sslcertificaterequests", body=body, outcome="id")

    @operation
    def get(self, request_id: int) -> Call[SslCertificateRequestDetail | str]:
        """The request's detail; once issued, the certificate's location (``/v2/sslcertificates/...``)."""
        return Call(
            "GET",
            f"/v2/sslcertificaterequests/{segment(request_id)}",
            SslCertificateRequestDetail,
            outcome="body_or_redirect",
        )

    @operation
    def verify(self, request_id: int) -> Call[str]:
        """Have the validations checked now. Returns the issuing job's location when the
        certificate is being issued, the certificate's once issued, else ``""`` (still pending)."""
        return Call("PUT", f"/v2/sslcertificaterequests/{segment(request_id)}", outcome="location")


class SslCertificates(Resource[M]):
    @operation
    def list(self, *, skip: int = 0, take: int = 25) -> Call[SslCertificateList]:
        return Call("GET", "/v2/sslcertificates", SslCertificateList, {"skip": skip, "take": take})

    @paginated
    def iter_all(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Call[SslCertificateList]:
        """Every certificate, a page at a time as you iterate."""
        return Call("GET", "/v2/sslcertificates", SslCertificateList)

    @operation
    def get(self, sha1_fingerprint: str) -> Call[SslCertificateDetail]:
        return Call("GET", f"/v2/sslcertificates/{segment(sha1_fingerprint)}", SslCertificateDetail)

    @operation
    def download(self, sha1_fingerprint: str, file_format: str = "pem", password: str = "") -> Call[bytes]:
        """The certificate file: ``pem`` (the certificate and its issuers). ``pfx`` needs the
        private key, which the server never holds: a ValidationError says so."""
        return Call(
            "GET",
            f"/v2/sslcertificates/{segment(sha1_fingerprint)}/download",
            bytes,
            {"file_format": file_format, "password": password},
            outcome="bytes",
        )
