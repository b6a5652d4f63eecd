"""Issued SSL certificates: list, detail and download, per reseller.

Downloads: ``pem`` (the certificate, then its issuers) always; ``pfx`` (the YAML's only
format: the chain *and the private key*, password protected) never, since requests arrive as
CSRs and the private key never reaches us: 400 ``ssl_certificate_private_key_unavailable``
says so, rather than a PFX without the key that no server could use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select

from reseller_api.conventions.paging import Page
from reseller_api.errors import NOT_FOUND, ApiProblem, define
from reseller_api.jobs.service import iso
from reseller_api.resources.sslcertificates.tables import ssl_certificates
from reseller_api.store.database import Database, Query
from reseller_api.wire.sslcertificates import (
    SslCertificate,
    SslCertificateDetail,
    SslSubjectAltName,
)

FILE_FORMATS = ("pfx", "pem")

FILE_FORMAT_INVALID = define(
    "ssl_certificate_file_format_invalid",
    400,
    "file_format is pfx (the YAML's; needs the private key) or pem (the certificate and its issuers).",
)
PRIVATE_KEY_UNAVAILABLE = define(
    "ssl_certificate_private_key_unavailable",
    400,
    "A PFX holds the certificate's private key, which this server never had: the request came as a CSR "
    "and the key stayed with you. Download file_format=pem and combine it with your key "
    "(openssl pkcs12 -export -in certificate.pem -inkey your.key -out certificate.pfx).",
)

_COLUMNS = (
    ssl_certificates.c.common_name,
    ssl_certificates.c.expires_at,
    ssl_certificates.c.sha1_fingerprint,
    ssl_certificates.c.certificate_type,
    ssl_certificates.c.validation_level,
    ssl_certificates.c.subject_alt_names,
    ssl_certificates.c.certificate_pem,
    ssl_certificates.c.chain_pem,
)
_OWNED = ssl_certificates.c.reseller_id == bindparam("reseller_id")
_LIST = Query(
    select(*_COLUMNS[:5])
    .where(_OWNED)
    .order_by(ssl_certificates.c.id)
    .limit(bindparam("take"))
    .offset(bindparam("skip"))
)
_COUNT = Query(select(func.count()).select_from(ssl_certificates).where(_OWNED))
_DETAIL = Query(
    select(*_COLUMNS).where(_OWNED, ssl_certificates.c.sha1_fingerprint == bindparam("fingerprint"))
)


@dataclass(frozen=True, slots=True)
class Download:
    filename: str
    media_type: str
    content: bytes


def list_certificates(database: Database, reseller_id: int, page: Page) -> tuple[list[SslCertificate], int]:
    rows = database.fetch_all(_LIST, reseller_id=reseller_id, take=page.take, skip=page.skip)
    total = database.fetch_one(_COUNT, reseller_id=reseller_id)
    return [
        SslCertificate(
            common_name=str(r[0]),
            expires_after=iso(float(r[1])),
            sha1_fingerprint=str(r[2]),
            type=r[3],
            validation_level=r[4],
        )
        for r in rows
    ], int(total[0]) if total else 0


def _found(database: Database, reseller_id: int, fingerprint: str) -> tuple[object, ...]:
    # Fingerprints are shown in uppercase hex; any case (and the colon-separated form) finds one.
    canonical = fingerprint.replace(":", "").strip().upper()
    row = database.fetch_one(_DETAIL, reseller_id=reseller_id, fingerprint=canonical)
    if row is None:
        raise ApiProblem(NOT_FOUND, f"Certificate {fingerprint!r} does not exist.")
    return tuple(row)


def get_certificate(database: Database, reseller_id: int, fingerprint: str) -> SslCertificateDetail:
    r = _found(database, reseller_id, fingerprint)
    return SslCertificateDetail(
        common_name=str(r[0]),
        expires_after=iso(float(r[1])),  # type: ignore[arg-type]
        sha1_fingerprint=str(r[2]),
        type=r[3],  # type: ignore[arg-type]
        validation_level=r[4],  # type: ignore[arg-type]
        subject_alt_names=[SslSubjectAltName(**n) for n in json.loads(str(r[5]))],
    )


def download(database: Database, reseller_id: int, fingerprint: str, file_format: str | None) -> Download:
    r = _found(database, reseller_id, fingerprint)
    chosen = (file_format or "").strip().lower()
    if chosen not in FILE_FORMATS:
        raise ApiProblem(FILE_FORMAT_INVALID, f"file_format {file_format!r}: {FILE_FORMAT_INVALID.text}")
    if chosen == "pfx":
        raise ApiProblem(PRIVATE_KEY_UNAVAILABLE)
    name = str(r[0]).replace("*", "wildcard")
    return Download(f"{name}.pem", "application/x-pem-file", (str(r[6]) + str(r[7])).encode())
