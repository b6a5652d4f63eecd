"""``/v2/sslcertificaterequests`` and ``/v2/sslcertificates``: CSR rules, validations really checked
(the CNAME in our zone and on the DNS server, the file from the hosting's web server), issuing by
the installation's CA as a job, 303/410, downloads, and ownership."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select, update

from reseller_api import clock
from reseller_api.backends.internal_ca import InternalAuthority
from reseller_api.cli.main import main
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox, generate_key
from reseller_api.resources.dns import service as dns
from reseller_api.resources.servicepacks import service as servicepacks
from reseller_api.resources.sslcertificates import service, validations
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import certificate_authority, resellers, ssl_certificate_requests
from reseller_api.wire.dns import DnsRecordInput
from tests.api.test_mailboxes import codes, make_account
from tests.conftest import TEST_SECRET_KEY
from tests.harness import Caller


def make_csr(common_name: str, *sans: str, key: Any = None, signer: Any = None) -> str:
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False
        )
    csr = builder.sign(signer or key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def forge(pem: str) -> str:
    """The CSR with another P-256 key in place of its own (same length), signature untouched."""
    csr = x509.load_pem_x509_csr(pem.encode())
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    own = csr.public_key().public_bytes(*spki)
    other = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(*spki)
    der = csr.public_bytes(serialization.Encoding.DER).replace(own, other)
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{body}-----END CERTIFICATE REQUEST-----\n"


def order(
    api: Caller, csr: str, certificate_type: str = "standard", level: str = "domain_validated", **extra: Any
) -> httpx.Response:
    body = {"csr": csr, "certificate_type": certificate_type, "validation_level": level, **extra}
    return api.post("/v2/sslcertificaterequests", body)


def created(api: Caller, csr: str, certificate_type: str = "standard", **extra: Any) -> str:
    response = order(api, csr, certificate_type, **extra)
    assert response.status_code == 201, response.text
    assert response.content == b""
    location = response.headers["location"]
    assert location.startswith("/v2/sslcertificaterequests/")
    return location


def wait_issued(api: Caller, location: str) -> str:
    """Poll the request until it answers 303; returns the certificate's location."""
    for _ in range(300):
        response = api.get(location)
        if response.status_code == 303:
            return str(response.headers["location"])
        assert response.status_code == 200, response.text
        import time

        time.sleep(0.05)
    raise AssertionError(f"{location} never issued")


@pytest.fixture
def zone(api: Caller) -> str:
    make_account(api, "example.com", servicepack_id=1)  # linux hosting + DNS zone
    return "example.com"


def test_names_in_our_zone_are_validated_and_issued_by_the_installation_ca(api: Caller, zone: str) -> None:
    csr = make_csr("example.com", "example.com", "www.example.com")
    location = created(api, csr)
    certificate_location = wait_issued(api, location)
    assert certificate_location.startswith("/v2/sslcertificates/")
    # The validation record is in the reseller's zone, as any record.
    records = api.get("/v2/dns/example.com/records?type=CNAME").json()
    assert any(r["content"].endswith(".dcv.invalid") for r in records)

    detail = api.get(certificate_location)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["common_name"] == "example.com"
    assert body["type"] == "standard"
    assert body["validation_level"] == "domain_validated"
    assert body["subject_alt_names"] == [
        {"type": "dns", "value": "example.com"},
        {"type": "dns", "value": "www.example.com"},
    ]
    assert certificate_location.endswith(body["sha1_fingerprint"])
    listed = api.get("/v2/sslcertificates")
    assert [c["sha1_fingerprint"] for c in listed.json()] == [body["sha1_fingerprint"]]
    assert listed.headers["x-paging-totalresults"] == "1"

    pem = api.get(f"{certificate_location}/download?file_format=pem&password=x")
    assert pem.status_code == 200, pem.text
    assert pem.headers["content-type"].startswith("application/x-pem-file")
    assert 'filename="example.com.pem"' in pem.headers["content-disposition"]
    leaf, ca = x509.load_pem_x509_certificates(pem.content)
    leaf.verify_directly_issued_by(ca)
    assert leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == x509.load_pem_x509_csr(csr.encode()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert leaf.not_valid_after_utc > datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=300)

    # The request lives on as the certificate: detail and PUT both answer 303.
    again = api.put(location)
    assert again.status_code == 303
    assert again.headers["location"] == certificate_location


def test_pfx_needs_a_private_key_we_never_had(api: Caller, zone: str) -> None:
    certificate = wait_issued(api, created(api, make_csr("example.com")))
    pfx = api.get(f"{certificate}/download?file_format=pfx&password=Secret123")
    assert pfx.status_code == 400
    assert codes(pfx) == ["ssl_certificate_private_key_unavailable"]
    assert "private key" in pfx.json()["error_text"]
    unknown = api.get(f"{certificate}/download?file_format=der&password=x")
    assert unknown.status_code == 400
    assert codes(unknown) == ["ssl_certificate_file_format_invalid"]
    missing = api.get(f"{certificate}/download")
    assert missing.status_code == 400
    assert codes(missing) == ["ssl_certificate_file_format_invalid"]


def test_a_name_elsewhere_waits_and_put_checks_the_file_on_the_hosting(
    api: Caller, zone: str, app: Any, database: Database
) -> None:
    # shop.example.org is hosted here but its zone is not: no CNAME can be added, the file decides.
    pack = servicepacks.create(database, "Hosting only", [servicepacks.Asset("linux_hosting", 1, 1024)])
    response = api.post(
        "/v2/accounts",
        {"identifier": "shop.example.org", "servicepack_id": pack, "ftp_password": "Secret123x"},
    )
    assert api.wait_job(response.headers["location"]).status_code == 201
    location = created(api, make_csr("shop.example.org"))
    detail = api.get(location)
    assert detail.status_code == 200
    body = detail.json()
    assert body["vendor"] is None
    assert body["order_code"].startswith("SSL-")
    (validation,) = body["validations"]
    assert validation["dns_name"] == "shop.example.org"
    assert validation["auto_validated"] is False
    assert validation["cname_validation_name"].startswith("_")
    assert validation["cname_validation_name"].endswith(".shop.example.org")
    assert validation["email_addresses"][0] == "admin@shop.example.org"
    url = validation["file_validation_url_http"]
    assert url.startswith("http://shop.example.org/.well-known/pki-validation/")

    pending = api.put(location)
    assert pending.status_code == 202
    assert "location" not in pending.headers
    assert api.get(location).status_code == 200  # still pending

    hosting = app.context.backends.hosting
    path = url.removeprefix("http://shop.example.org")
    hosting.put_file("shop.example.org", path, b"wrong\ncontent\n")
    assert api.put(location).status_code == 202
    assert api.get(location).status_code == 200
    hosting.put_file("shop.example.org", path, "\r\n".join(validation["file_validation_content"]).encode())
    issuing = api.put(location)
    assert issuing.status_code == 202
    assert issuing.headers["location"].startswith("/v2/provisioningjobs/")
    done = api.wait_job(issuing.headers["location"])
    assert done.status_code == 201, done.text
    certificate = wait_issued(api, location)
    assert done.json()["resource_links"] == [certificate]


def test_dns_validation_is_checked_against_the_zone_and_the_server(
    api: Caller, zone: str, app: Any, database: Database
) -> None:
    # A wildcard and its base name share one CNAME: added once, both validate with it.
    location = created(api, make_csr("*.example.com", "*.example.com", "example.com"), "wildcard")
    certificate = wait_issued(api, location)
    assert api.get(certificate).json()["type"] == "wildcard"

    # An organisation validated order validates its names but waits for an operator.
    attributes = [{"name": n, "value": "x"} for n in service.REQUIRED_ATTRIBUTES]
    pending = created(
        api,
        make_csr("api.example.com"),
        level="organization_validated",
        additional_validation_attributes=attributes,
    )
    body = api.get(pending).json()
    assert [(v["dns_name"], v["type"], v["auto_validated"]) for v in body["validations"]] == [
        ("api.example.com", "dns", True)
    ]
    assert api.put(pending).status_code == 202

    # The check asks the DNS server too: a record we hold but the server lost does not validate.
    csr = x509.load_pem_x509_csr(make_csr("api.example.com").encode())
    want = validations.expected(csr.public_bytes(serialization.Encoding.DER), "SSL-TEST", "api.example.com")
    context = app.context
    reseller_id = _reseller(database)
    dns.create_record(
        context,
        reseller_id,
        "example.com",
        DnsRecordInput(
            type="CNAME", record_name=want.cname_name.removesuffix(".example.com"), content=want.cname_content
        ),
    )
    assert validations.dns_validated(database, context.backends, reseller_id, want)
    owner = want.cname_name.removesuffix(".example.com")
    context.backends.dns.replace_rrset("example.com", owner, "CNAME", 3600, [])
    assert not validations.dns_validated(database, context.backends, reseller_id, want)
    other = validations.expected(b"other", "SSL-TEST", "api.example.com")
    assert not validations.dns_validated(database, context.backends, reseller_id, other)


def _reseller(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(select(resellers.c.id).where(resellers.c.name == "alice")).scalar_one())


def test_csr_rules(api: Caller) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - refused, the point
    cases = {
        "not a csr": ["ssl_csr_invalid"],
        make_csr("example.com", key=weak): ["ssl_csr_invalid"],
        make_csr("not a domain"): ["ssl_csr_invalid"],
        make_csr("example.com", "example.com", "shop.example.net"): ["ssl_csr_invalid"],  # standard: one
        make_csr("*.example.com"): ["ssl_csr_invalid"],  # a wildcard ordered as standard
    }
    for csr, expected in cases.items():
        response = order(api, csr)
        assert response.status_code == 400, response.text
        assert codes(response) == expected, (csr, response.text)
    # A CSR whose key was swapped after signing: its signature is not its key's.
    forged = order(api, forge(make_csr("example.com")))
    assert codes(forged) == ["ssl_csr_invalid"]
    assert "signature" in forged.json()["validation_errors"][0]["error_text"]
    assert order(api, make_csr("example.com")).status_code == 201
    missing = api.post("/v2/sslcertificaterequests", {})
    assert sorted(codes(missing)) == [
        "ssl_certificate_type_invalid",
        "ssl_csr_required",
        "ssl_validation_level_invalid",
    ]
    ov = order(api, make_csr("example.com"), level="organization_validated")
    assert codes(ov) == ["ssl_validation_attribute_required"]
    listed = api.get("/v2/sslcertificaterequests")
    assert len(listed.json()) == 1  # only the valid order was recorded


def test_expired_and_rejected_requests_are_gone(api: Caller, database: Database) -> None:
    location = created(api, make_csr("shop.example.org"))
    request_id = int(location.rsplit("/", 1)[1])
    with database.transaction() as conn:
        conn.execute(
            update(ssl_certificate_requests)
            .where(ssl_certificate_requests.c.id == request_id)
            .values(expires_at=clock.time() - 1)
        )
    for response in (api.get(location), api.put(location)):
        assert response.status_code == 410
        assert codes(response) == ["ssl_certificate_request_expired"]


def test_other_resellers_see_nothing(api: Caller, other_api: Caller, zone: str) -> None:
    location = created(api, make_csr("example.com"))
    certificate = wait_issued(api, location)
    assert other_api.get(location).status_code == 404
    assert other_api.put(location).status_code == 404
    assert other_api.get(certificate).status_code == 404
    assert other_api.get(f"{certificate}/download?file_format=pem&password=x").status_code == 404
    assert other_api.get("/v2/sslcertificates").json() == []
    assert other_api.get("/v2/sslcertificaterequests").json() == []
    assert api.get("/v2/sslcertificaterequests/99999").status_code == 404
    assert api.get("/v2/sslcertificaterequests/99999999999").status_code == 404


def test_organisation_validation_waits_for_an_operator(
    api: Caller,
    zone: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in {
        "RESELLER_API_DATA_DIR": str(settings.data_dir),
        "RESELLER_API_DATABASE_URL": settings.database_url,
        "RESELLER_API_SECRET_KEY": TEST_SECRET_KEY,
        # The operator's environment is the server's: with procrastinate, approving defers the job.
        "RESELLER_API_JOB_RUNNER": settings.job_runner,
    }.items():
        monkeypatch.setenv(name, value)
    attributes = [{"name": n, "value": f"{n} value"} for n in service.REQUIRED_ATTRIBUTES]
    approved = created(
        api,
        make_csr("api.example.com"),
        level="organization_validated",
        additional_validation_attributes=attributes,
    )
    rejected = created(
        api,
        make_csr("www.example.com"),
        level="extended_validated",
        additional_validation_attributes=attributes,
    )
    for location in (approved, rejected):
        assert api.get(location).status_code == 200
        put = api.put(location)
        assert put.status_code == 202
        assert "location" not in put.headers  # validated, but no operator said yes yet

    assert main(["admin", "certificates", "list", "--json"]) == 0
    waiting = json.loads(capsys.readouterr().out)
    assert [w["common_name"] for w in waiting] == ["api.example.com", "www.example.com"]
    assert waiting[0]["attributes"]["Firstname"] == "Firstname value"

    approved_id, rejected_id = (location.rsplit("/", 1)[1] for location in (approved, rejected))
    assert main(["admin", "certificates", "approve", approved_id]) == 0
    assert "issuing" in capsys.readouterr().out
    certificate = wait_issued(api, approved)
    assert api.get(certificate).json()["validation_level"] == "organization_validated"
    assert main(["admin", "certificates", "approve", approved_id]) == 0  # safe to repeat
    capsys.readouterr()

    assert main(["admin", "certificates", "reject", rejected_id, "--reason", "unknown organisation"]) == 0
    for response in (api.get(rejected), api.put(rejected)):
        assert response.status_code == 410
        assert codes(response) == ["ssl_certificate_request_rejected"]
        assert "unknown organisation" in response.json()["error_text"]
    # Decided requests are decided: a second decision is refused with one line, and changes nothing.
    assert main(["admin", "certificates", "approve", rejected_id]) != 0
    assert "only a pending one can be decided" in capsys.readouterr().err
    assert api.get(rejected).status_code == 410
    assert main(["admin", "certificates", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_the_ca_key_is_encrypted_and_moves_with_a_secret_key_rotation(
    api: Caller, zone: str, database: Database, settings: Settings
) -> None:
    wait_issued(api, created(api, make_csr("example.com")))
    with database.engine.connect() as conn:
        token = conn.execute(select(certificate_authority.c.key_encrypted)).scalar_one()
    assert "PRIVATE KEY" not in token  # a Fernet token, never the PEM

    new = generate_key()
    rotated = SecretBox(new, TEST_SECRET_KEY.encode())
    CredentialsService(database, rotated).rotate_secret_key()
    authority = InternalAuthority(settings, database, SecretBox(new))
    with database.transaction() as conn:
        leaf, chain = authority.sign(conn, 0, make_csr("example.com"), ["example.com"], 30)
    x509.load_pem_x509_certificate(leaf.encode()).verify_directly_issued_by(
        x509.load_pem_x509_certificate(chain.encode())
    )


def test_malformed_input_is_refused_in_the_apis_format(api: Caller) -> None:
    for path in ("/v2/sslcertificaterequests/abc", "/v2/sslcertificaterequests/-1"):
        response = api.get(path)
        assert response.status_code in (400, 404), response.text
        assert set(response.json()) & {"error_code", "validation_errors"}
    wrong_types = api.post("/v2/sslcertificaterequests", {"csr": 12, "certificate_type": ["standard"]})
    assert wrong_types.status_code == 400
    assert set(wrong_types.json()) & {"error_code", "validation_errors"}
    assert api.get("/v2/sslcertificaterequests").json() == []
    unknown = api.get("/v2/sslcertificates/NOPE/download?file_format=pem&password=x")
    assert unknown.status_code == 404
    assert unknown.json()["error_code"] == "not_found"
