"""``RESELLER_API_CERTIFICATE_ISSUER=acme``: a certificate request goes through the API to a real
ACME server (pebble, tests/integration/pebble.py) with the customer's CSR, and comes back as the
certificate; a name the CA cannot validate leaves the request failed with the CA's reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from reseller_api.backends.certificates import acme_paths
from reseller_api.resources.provisioningjobs.routes import ERROR_HEADER
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import ssl_certificate_requests
from tests.api.test_mailboxes import make_account
from tests.api.test_sslcertificates import created, make_csr, wait_issued
from tests.harness import Caller
from tests.integration.pebble import Pebble, serving_challenges

pytestmark = pytest.mark.integration

SPKI = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo


@pytest.fixture
def settings(settings: Settings, pebble: Pebble, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # Pebble's HTTPS certificate is from a private CA: trusted the way docs/backends.md says.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pebble.ca_bundle))
    return dataclasses.replace(
        settings, certificate_issuer="acme", acme_directory_url=pebble.directory_url
    ).checked()


@pytest.fixture
def challenges(settings: Settings, pebble: Pebble) -> Iterator[Path]:
    """What nginx does in production: the installation's challenge directory on port 80 of the name."""
    with serving_challenges(pebble, acme_paths(settings)[0]) as directory:
        yield directory


def _request_row(database: Database, location: str) -> tuple[str, str | None, str | None]:
    request_id = int(location.rsplit("/", 1)[1])
    with database.engine.connect() as conn:
        row = conn.execute(
            select(
                ssl_certificate_requests.c.status,
                ssl_certificate_requests.c.job_id,
                ssl_certificate_requests.c.ordered_chain_pem,
            ).where(ssl_certificate_requests.c.id == request_id)
        ).one()
    return str(row[0]), row[1], row[2]


def test_a_request_is_ordered_from_the_acme_ca_with_the_customers_csr(
    api: Caller, database: Database, challenges: Path
) -> None:
    make_account(api, "shop.example.net", servicepack_id=1)  # our zone: the names validate at once
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = make_csr("shop.example.net", "shop.example.net", "www.shop.example.net", key=key)

    location = created(api, csr, "multi_domain")
    certificate = wait_issued(api, location)

    detail = api.get(certificate).json()
    assert detail["common_name"] == "shop.example.net"
    assert detail["validation_level"] == "domain_validated"
    assert certificate.endswith(detail["sha1_fingerprint"])
    pem = api.get(f"{certificate}/download?file_format=pem&password=x")
    assert pem.status_code == 200, pem.text
    leaf, *issuers = x509.load_pem_x509_certificates(pem.content)
    # Signed by pebble's intermediate, for the customer's key: we never had the private key.
    issuer_name = leaf.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert str(issuer_name).startswith("Pebble Intermediate CA"), leaf.issuer
    assert issuers, "the chain comes with the leaf"
    leaf.verify_directly_issued_by(issuers[0])
    assert leaf.public_key().public_bytes(*SPKI) == key.public_key().public_bytes(*SPKI)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"shop.example.net", "www.shop.example.net"}
    # Recorded once as the certificate; the row no longer keeps the ordered chain.
    status, _job, kept = _request_row(database, location)
    assert (status, kept) == ("issued", None)
    assert list(challenges.iterdir()) == []  # challenge files are removed after the order


def test_a_name_the_ca_cannot_validate_fails_the_request_with_the_cas_reason(
    api: Caller, database: Database, pebble: Pebble
) -> None:
    # No challenge location served: pebble's HTTP-01 fetch is refused, and the order with it.
    make_account(api, "closed.example.net", servicepack_id=1)
    location = created(api, make_csr("closed.example.net"))
    _status, job_id, _kept = _request_row(database, location)
    assert job_id is not None

    job = api.wait_job(f"/v2/provisioningjobs/{job_id}", timeout=30)

    assert job.status_code == 200, job.text
    assert job.json()["status"] == "failed"
    reason = job.headers[ERROR_HEADER]
    assert reason.startswith(f"the ACME server at {pebble.directory_url} refused the certificate"), reason
    assert "closed.example.net" in reason
    assert _request_row(database, location)[0] == "failed"
    # Never a self-signed stand-in, never a 500: the request is still there, no certificate is.
    assert api.get(location).status_code == 200
    assert api.get("/v2/sslcertificates").json() == []
