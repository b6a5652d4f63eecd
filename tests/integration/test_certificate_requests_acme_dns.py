"""DNS-01 for certificate requests ordered over ACME: pebble validates ``_acme-challenge`` TXT
records by asking a private PowerDNS that serves the reseller's zone, as a public CA asks the
zone's name servers. The records come and go through the same DNS records service as the API's."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from reseller_api import checks
from reseller_api.backends.powerdns import PowerDnsBackend
from reseller_api.resources.provisioningjobs.routes import ERROR_HEADER
from reseller_api.resources.sslcertificates.acme_dns import ZoneChallenges
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests.api.test_sslcertificates import created, make_csr, wait_issued
from tests.harness import Caller
from tests.integration.pebble import Pebble, running_pebble
from tests.integration.test_backend_powerdns import (
    API_KEY,
    RESELLER_OF,
    PowerDns,
    list_records,
    pdns,
    register,
)
from tests.integration.test_certificate_requests_acme import _request_row

pytestmark = pytest.mark.integration

__all__ = ["pdns"]  # the private PowerDNS server fixture of test_backend_powerdns, per module


@pytest.fixture(scope="module")
def pebble(tmp_path_factory: pytest.TempPathFactory, pdns: PowerDns) -> Iterator[Pebble]:
    """Pebble asking our PowerDNS for every name (no fake DNS in between)."""
    with running_pebble(tmp_path_factory.mktemp("pebble-dns"), f"127.0.0.1:{pdns.dns_port}") as server:
        yield server


@pytest.fixture(scope="module")
def blind_pebble(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pebble]:
    """Pebble asking its fake DNS, which never has our TXT records: every DNS-01 fails."""
    with running_pebble(tmp_path_factory.mktemp("pebble-blind")) as server:
        yield server


@pytest.fixture
def acme_server(request: pytest.FixtureRequest) -> Pebble:
    """``pebble`` (asking our PowerDNS), or the fixture named by indirect parametrization."""
    server: Pebble = request.getfixturevalue(getattr(request, "param", "pebble"))
    return server


@pytest.fixture
def settings(
    settings: Settings, acme_server: Pebble, pdns: PowerDns, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    pebble = acme_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pebble.ca_bundle))
    return dataclasses.replace(
        settings,
        dns_backend="powerdns",
        powerdns_url=pdns.url,
        powerdns_api_key=API_KEY,
        certificate_issuer="acme",
        acme_directory_url=pebble.directory_url,
    ).checked()


def test_a_wildcard_in_a_hosted_zone_is_issued_over_dns01_and_its_txt_records_removed(
    api: Caller, pdns: PowerDns
) -> None:
    # A zone without a hosting: DNS-01 for the base name too (nothing of ours serves it on port 80).
    domain = "example.com"
    assert api.wait_job(register(api, domain).headers["location"]).status_code == 201

    location = created(api, make_csr(f"*.{domain}", f"*.{domain}", domain), "wildcard")
    certificate = wait_issued(api, location)

    pem = api.get(f"{certificate}/download?file_format=pem&password=x")
    assert pem.status_code == 200, pem.text
    leaf, *_issuers = x509.load_pem_x509_certificates(pem.content)
    issuer_name = leaf.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert str(issuer_name).startswith("Pebble Intermediate CA"), leaf.issuer
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {f"*.{domain}", domain}
    # Gone from our records and from what the DNS server serves; the rest of the zone is intact.
    records = list_records(api, domain)
    assert not [r for r in records if r["type"] == "TXT"], records
    assert pdns.query(f"_acme-challenge.{domain}", "TXT")[1] == []
    assert len(pdns.answers(domain, "NS")) == 2


@pytest.mark.parametrize("acme_server", ["blind_pebble"], indirect=True)
def test_a_failed_dns01_fails_the_request_and_still_removes_its_txt_records(
    api: Caller, pdns: PowerDns, database: Database, settings: Settings, acme_server: Pebble
) -> None:
    domain = "unseen-txt.com"
    assert api.wait_job(register(api, domain).headers["location"]).status_code == 201
    location = created(api, make_csr(f"*.{domain}", f"*.{domain}", domain), "wildcard")
    _status, job_id, _kept = _request_row(database, location)
    assert job_id is not None

    job = api.wait_job(f"/v2/provisioningjobs/{job_id}", timeout=30)

    assert job.status_code == 200, (job.status_code, job.text, dict(job.headers))
    assert job.json()["status"] == "failed", job.text
    reason = job.headers[ERROR_HEADER]
    assert "refused the certificate" in reason, reason
    assert domain in reason, reason
    assert _request_row(database, location)[0] == "failed"
    assert not [r for r in list_records(api, domain) if r["type"] == "TXT"]
    assert pdns.query(f"_acme-challenge.{domain}", "TXT")[1] == []

    # Publishing and removing are idempotent: a retried job meets what an earlier try left.
    reseller_id = int(database.fetch_one(RESELLER_OF, name="alice")[0])  # type: ignore[index]
    zones = ZoneChallenges(database, PowerDnsBackend(settings), reseller_id)
    assert zones.dns01(domain, wildcard=False)  # no hosting serves it: DNS-01
    for _ in range(2):
        zones.publish(f"www.{domain}", "dmFsdWU")
    assert pdns.answers(f"_acme-challenge.www.{domain}", "TXT") == ['"dmFsdWU"']
    for _ in range(2):
        zones.remove(f"www.{domain}", "dmFsdWU")
    assert pdns.query(f"_acme-challenge.www.{domain}", "TXT")[1] == []
    assert not [r for r in list_records(api, domain) if r["type"] == "TXT"]


def test_the_configuration_check_says_which_issuer_and_challenges(settings: Settings) -> None:
    [issuer] = [c for c in checks.backends(settings) if c.name == "certificate issuer"]
    assert issuer.ok
    assert issuer.detail.startswith(f"acme: {settings.acme_directory_url}; "), issuer.detail
    assert "DNS-01" in issuer.detail
    assert issuer.detail.endswith("(TXT records on powerdns)"), issuer.detail
    simulated = checks.certificate_issuer(dataclasses.replace(settings, dns_backend="simulated"))
    assert "no CA sees its DNS-01 records" in simulated.detail
