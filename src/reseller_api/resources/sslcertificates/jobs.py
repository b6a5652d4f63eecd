"""The ``ssl.issue`` job: the issuer signs a validated request's CSR.

``provision`` prepares the issuer, outside any transaction of ours: the installation's CA is
made on first use; with ``RESELLER_API_CERTIFICATE_ISSUER=acme`` the CSR is ordered from the
ACME CA there (``backends/acme_authority.py``, which keeps the chain on the request; its DNS-01
challenges are answered in the reseller's zones by ``acme_dns.ZoneChallenges``). ``commit``
signs (or takes the ordered chain) and records the certificate in the transaction that marks
the request issued and the job finished, so a certificate never exists without its request
saying so. A failure (a CSR the issuer refuses, a name the ACME CA could not validate) fails
the job with its reason (the job's ``X-Provisioning-Error``) and leaves the request
``failed``: a PUT on it checks and issues again.
"""

from __future__ import annotations

import hashlib
import json

import msgspec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Connection, insert, select, update

from reseller_api import clock
from reseller_api.conventions.locations import location
from reseller_api.jobs.registry import JobContext, JobHandler
from reseller_api.resources.sslcertificates.acme_dns import ZoneChallenges
from reseller_api.resources.sslcertificates.tables import ssl_certificates
from reseller_api.store.tables import ssl_certificate_requests

PENDING, ISSUING, ISSUED, FAILED, REJECTED = "pending", "issuing", "issued", "failed", "rejected"


class IssueCertificateJob(msgspec.Struct, kw_only=True):
    request_id: int
    domain_name: str  # what the job is about, in the panel and the job's row
    names: list[str]  # the certificate's DNS names, the common name first
    days: int  # how long it is valid


def sha1_fingerprint(certificate: x509.Certificate) -> str:
    # The YAML's identifier of a certificate; SHA-1 because the vendor names it so.
    der = certificate.public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der).hexdigest().upper()  # noqa: S324 - an identifier, not a signature


def _provision(ctx: JobContext, payload: IssueCertificateJob) -> None:
    # The zones that answer DNS-01 are this resource's knowledge: the issuer is handed them.
    ctx.backends.issuer.prepare(payload.request_id, ZoneChallenges)


def _commit(conn: Connection, ctx: JobContext, payload: IssueCertificateJob) -> list[str]:
    request = conn.execute(
        select(
            ssl_certificate_requests.c.csr_pem,
            ssl_certificate_requests.c.common_name,
            ssl_certificate_requests.c.certificate_type,
            ssl_certificate_requests.c.validation_level,
        ).where(ssl_certificate_requests.c.id == payload.request_id)
    ).one()
    names = list(payload.names)
    leaf_pem, chain_pem = ctx.backends.issuer.sign(
        conn, payload.request_id, str(request[0]), names, payload.days
    )
    leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
    fingerprint = sha1_fingerprint(leaf)
    certificate_id = conn.execute(
        insert(ssl_certificates)
        .values(
            reseller_id=ctx.reseller_id,
            request_id=payload.request_id,
            sha1_fingerprint=fingerprint,
            common_name=request[1],
            certificate_type=request[2],
            validation_level=request[3],
            subject_alt_names=json.dumps([{"type": "dns", "value": n} for n in names]),
            certificate_pem=leaf_pem,
            chain_pem=chain_pem,
            expires_at=leaf.not_valid_after_utc.timestamp(),
            created_at=clock.time(),
        )
        .returning(ssl_certificates.c.id)
    ).scalar_one()
    conn.execute(
        update(ssl_certificate_requests)
        .where(ssl_certificate_requests.c.id == payload.request_id)
        .values(status=ISSUED, certificate_id=certificate_id)
    )
    return [location("sslcertificates", fingerprint)]


def _unprovision(ctx: JobContext, payload: IssueCertificateJob) -> None:
    """Nothing to undo: a prepared CA serves the next request too."""


def _discard(conn: Connection, ctx: JobContext, payload: IssueCertificateJob) -> None:
    conn.execute(
        update(ssl_certificate_requests)
        .where(
            ssl_certificate_requests.c.id == payload.request_id,
            ssl_certificate_requests.c.status == ISSUING,
        )
        .values(status=FAILED)
    )


ISSUE = JobHandler(
    "ssl.issue", IssueCertificateJob, _provision, _commit, _unprovision, _discard, title="SSL certificate"
)
