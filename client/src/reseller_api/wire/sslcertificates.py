"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

CertificateType = Literal["standard", "multi_domain", "wildcard"]
ValidationLevel = Literal["domain_validated", "organization_validated", "extended_validated"]
ValidationType = Literal["dns", "file", "email"]
AltNameType = Literal["dns", "ip"]
Vendor = Literal["sectigo"]
FileFormat = Literal["pfx", "pem"]


class SslSubjectAltName(msgspec.Struct):
    type: AltNameType
    value: str


class SslCertificateRequestValidation(msgspec.Struct):
    dns_name: str
    type: ValidationType
    auto_validated: bool
    cname_validation_name: str | None
    cname_validation_content: str | None
    file_validation_url_http: str | None
    file_validation_url_https: str | None
    file_validation_content: list[str]
    email_addresses: list[str]


class SslCertificateRequest(msgspec.Struct):
    id: int
    common_name: str
    certificate_type: CertificateType
    validation_level: ValidationLevel
    # The vendor's CA brand; ours is the installation's own CA (or ACME): no vendor to name.
    vendor: Vendor | None
    order_code: str


class SslCertificateRequestDetail(msgspec.Struct):
    id: int
    common_name: str
    certificate_type: CertificateType
    validation_level: ValidationLevel
    vendor: Vendor | None
    order_code: str
    subject_alt_names: list[SslSubjectAltName]
    validations: list[SslCertificateRequestValidation]


class SslCertificate(msgspec.Struct):
    common_name: str
    expires_after: str
    sha1_fingerprint: str
    type: CertificateType
    validation_level: ValidationLevel


class SslCertificateDetail(msgspec.Struct):
    common_name: str
    expires_after: str
    sha1_fingerprint: str
    type: CertificateType
    validation_level: ValidationLevel
    subject_alt_names: list[SslSubjectAltName]


class AdditionalValidationAttribute(msgspec.Struct):
    name: str | UnsetType = UNSET
    value: str | UnsetType = UNSET


# Requests: fields may be absent on the wire (as in the YAML) so a missing one gets our own error.


class CreateSslCertificateRequest(msgspec.Struct):
    csr: str | UnsetType = UNSET
    certificate_type: str | UnsetType = UNSET
    validation_level: str | UnsetType = UNSET
    additional_validation_attributes: list[AdditionalValidationAttribute] | UnsetType | None = UNSET
