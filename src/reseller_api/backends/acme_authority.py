"""Customers' SSL certificate requests signed by an ACME CA (``RESELLER_API_CERTIFICATE_ISSUER=acme``).

The customer's own CSR is sent (the customer keeps the private key; we never hold it) to the
ACME directory the nginx backend uses, through the same :class:`AcmeClient` (one account key
per directory URL, the same challenge directory, the same trust: ``REQUESTS_CA_BUNDLE`` for a
private CA). The CA validates each name over one challenge:

- HTTP-01 for a name a Linux hosting of the reseller serves: nginx serves the challenge
  directory on port 80 of every hosted name;
- DNS-01 for a wildcard name, and for a name in a DNS zone the reseller hosts with us that no
  hosting serves: ``_acme-challenge.<name>`` TXT records are added to the zone as any record
  is, and deleted once the order is over, by the ``DnsChallengesFor`` the job passes in
  (resources/sslcertificates/acme_dns.py: the resource knows the zones, the backend does not);
- HTTP-01 for the rest, which the CA can only reach if the name points at us somehow.

A wildcard name outside the reseller's zones fails its order with the reason.

The order is network work and runs in the job's ``provision`` step, outside any transaction of
ours; its chain (public, nothing secret) is kept on the request row in a short transaction of
its own, and the job's ``commit`` records it as the certificate. A crash between the two leaves
the chain on the row, and the retried job finds it and does not order again: a second order
would cost one of the CA's duplicate-certificate allowances (Let's Encrypt: five a week for the
same names) for a certificate nobody ever sees.

Unlike the sites' issuer, nothing falls back to self-signed: a refusal fails the job (and the
request) with the CA's reason; an unreachable directory is retried as any unreachable backend.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Connection, Select, select, update

from reseller_api import clock
from reseller_api.backends.acme_challenges import AcmeFailure
from reseller_api.backends.acme_issuer import AcmeClient
from reseller_api.backends.base import BackendRefused, BackendUnavailable, DnsBackend, DnsChallengesFor
from reseller_api.backends.certificates import acme_paths
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import ssl_certificate_requests

# A kept chain that expires sooner than this is ordered again rather than issued.
KEEP_MARGIN = dt.timedelta(days=1)


class AcmeAuthority:
    """Orders a validated request's CSR from an ACME CA; the CA decides the validity (``days`` unused)."""

    def __init__(self, acme: AcmeClient, database: Database, dns: DnsBackend) -> None:
        self.acme = acme
        self.database = database
        # The DNS backend the API's records go to: DNS-01 records go the same way.
        self.dns = dns

    @classmethod
    def from_settings(cls, settings: Settings, database: Database, dns: DnsBackend) -> AcmeAuthority:
        # Settings.checked() refuses CERTIFICATE_ISSUER=acme without a directory URL.
        assert settings.acme_directory_url is not None
        challenges, accounts = acme_paths(settings)
        return cls(AcmeClient(settings.acme_directory_url, challenges, accounts), database, dns)

    def prepare(self, request_id: int, dns_challenges: DnsChallengesFor) -> None:
        with self.database.engine.connect() as conn:
            csr_pem, kept, reseller_id = conn.execute(
                select(
                    ssl_certificate_requests.c.csr_pem,
                    ssl_certificate_requests.c.ordered_chain_pem,
                    ssl_certificate_requests.c.reseller_id,
                ).where(ssl_certificate_requests.c.id == request_id)
            ).one()
        if kept is not None and usable_chain(str(kept), csr_pem, clock.now()):
            return  # ordered by a run that ended before its commit
        zones = dns_challenges(self.database, self.dns, int(reseller_id))
        try:
            chain = self.acme.order(csr_pem.encode(), zones).decode()
        except AcmeFailure as failure:
            raise _refusal(self.acme.directory_url, failure) from None
        if not usable_chain(chain, csr_pem, clock.now()):
            url = self.acme.directory_url
            raise BackendRefused(f"the ACME server at {url} returned a certificate that is not for this CSR")
        with self.database.transaction() as conn:
            conn.execute(
                update(ssl_certificate_requests)
                .where(ssl_certificate_requests.c.id == request_id)
                .values(ordered_chain_pem=chain)
            )

    def sign(
        self, conn: Connection, request_id: int, csr_pem: str, names: list[str], days: int
    ) -> tuple[str, str]:
        kept = conn.execute(_kept(request_id)).scalar_one_or_none()
        if kept is None:
            raise RuntimeError(f"no ACME certificate was ordered for certificate request {request_id}")
        # Recorded as the certificate in this same transaction: the row need not keep a copy.
        conn.execute(
            update(ssl_certificate_requests)
            .where(ssl_certificate_requests.c.id == request_id)
            .values(ordered_chain_pem=None)
        )
        return split_chain(str(kept))


def _kept(request_id: int) -> Select[tuple[str | None]]:
    return select(ssl_certificate_requests.c.ordered_chain_pem).where(
        ssl_certificate_requests.c.id == request_id
    )


def _refusal(directory_url: str, failure: AcmeFailure) -> Exception:
    """The job's failure: retried when the network failed on the way, else final with the reason."""
    if failure.transient:
        return BackendUnavailable(
            f"the ACME server at {directory_url} could not be reached ({failure.reason})"
        )
    if failure.reached:
        return BackendRefused(
            f"the ACME server at {directory_url} refused the certificate ({failure.reason})"
        )
    return BackendRefused(f"cannot order from the ACME server at {directory_url}: {failure.reason}")


def split_chain(fullchain_pem: str) -> tuple[str, str]:
    """(leaf PEM, issuers PEM) from a full chain, leaf first as RFC 8555 sends it."""
    certificates = x509.load_pem_x509_certificates(fullchain_pem.encode())
    leaf, *issuers = certificates
    pem = serialization.Encoding.PEM
    return leaf.public_bytes(pem).decode(), "".join(c.public_bytes(pem).decode() for c in issuers)


def usable_chain(fullchain_pem: str, csr_pem: str, now: dt.datetime) -> bool:
    """Whether a chain's leaf certifies the CSR's key and stays valid a while yet."""
    try:
        leaf = x509.load_pem_x509_certificates(fullchain_pem.encode())[0]
    except ValueError:
        return False
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    same_key = leaf.public_key().public_bytes(*spki) == csr.public_key().public_bytes(*spki)
    return same_key and leaf.not_valid_after_utc > now + KEEP_MARGIN
