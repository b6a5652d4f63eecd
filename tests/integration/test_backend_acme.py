"""The sites' ACME issuer against a real ACME server: Debian's pebble, on loopback
(tests/integration/pebble.py: the ``pebble`` fixture, and the challenge location nginx serves
in production)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from reseller_api.backends.acme_issuer import AcmeIssuer
from reseller_api.backends.certificate_store import RENEW_BEFORE
from reseller_api.backends.certificates import build_certificate_issuer
from reseller_api.settings import Settings
from tests.integration.pebble import Pebble, serving_challenges
from tests.integration.realservers import free_port

pytestmark = pytest.mark.integration

START_TIMEOUT = 15.0


@pytest.fixture
def challenge_server(pebble: Pebble, tmp_path: Path) -> Iterator[Path]:
    """Serve the issuer's challenge_dir at /.well-known/acme-challenge/ on pebble's HTTP-01 port."""
    with serving_challenges(pebble, tmp_path / "web" / ".well-known" / "acme-challenge") as challenges:
        yield challenges


def _issuer(pebble: Pebble, tmp_path: Path) -> AcmeIssuer:
    return AcmeIssuer(
        pebble.directory_url,
        certificates=tmp_path / "certificates",
        # Where the challenge_server fixture serves /.well-known/acme-challenge/ from.
        challenges=tmp_path / "web" / ".well-known" / "acme-challenge",
        accounts=tmp_path / "accounts",
        ca_bundle=pebble.ca_bundle,
    )


def _leaf(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _san(cert: x509.Certificate) -> set[str]:
    return set(
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        )
    )


def test_issues_over_http01_and_reuses(pebble: Pebble, challenge_server: Path, tmp_path: Path) -> None:
    issuer = _issuer(pebble, tmp_path)
    assert issuer.challenge_dir == challenge_server

    issued = issuer.ensure(["shop.example.com", "www.shop.example.com"])

    assert not issued.self_signed, issued.note
    assert issued.note.startswith("Issued by Pebble"), issued.note
    cert = _leaf(issued.fullchain)
    assert _san(cert) == {"shop.example.com", "www.shop.example.com"}
    assert cert.issuer != cert.subject
    # Leaf plus pebble's intermediate: nginx serves the whole chain.
    assert issued.fullchain.read_text().count("BEGIN CERTIFICATE") >= 2
    assert issued.private_key.stat().st_mode & 0o777 == 0o600
    assert issued.fullchain.stat().st_mode & 0o777 == 0o644
    assert issuer.account_key_file.stat().st_mode & 0o777 == 0o600
    # Challenge files are removed once the order is done.
    assert list(challenge_server.iterdir()) == []

    # A second ensure reuses the certificate: no new order, same files, same key.
    key_before = issued.private_key.read_bytes()
    again = _issuer(pebble, tmp_path).ensure(["www.shop.example.com", "shop.example.com"][::-1])
    assert again.private_key.read_bytes() == key_before
    assert _leaf(again.fullchain).serial_number == cert.serial_number


def test_renews_when_names_change(pebble: Pebble, challenge_server: Path, tmp_path: Path) -> None:
    issuer = _issuer(pebble, tmp_path)
    first = issuer.ensure(["blog.example.org"])
    second = issuer.ensure(["blog.example.org", "www.blog.example.org"])

    assert not second.self_signed
    assert _san(_leaf(second.fullchain)) == {"blog.example.org", "www.blog.example.org"}
    assert second.fullchain == first.fullchain  # same directory, new certificate in it


def test_validation_failure_falls_back_to_self_signed(pebble: Pebble, tmp_path: Path) -> None:
    # No challenge server: pebble's fetch is refused, the order fails, HTTPS still gets a cert.
    issued = _issuer(pebble, tmp_path).ensure(["nochallenge.example.com"])

    assert issued.self_signed
    assert issued.note.startswith(f"Self-signed: the ACME server at {pebble.directory_url} refused"), (
        issued.note
    )
    assert "nochallenge.example.com" in issued.note
    cert = _leaf(issued.fullchain)
    assert cert.issuer == cert.subject
    assert _san(cert) == {"nochallenge.example.com"}


def test_unreachable_server_falls_back_to_self_signed(tmp_path: Path) -> None:
    url = f"https://127.0.0.1:{free_port()}/dir"
    settings = Settings(data_dir=tmp_path, nginx_conf_dir=tmp_path / "nginx", acme_directory_url=url)
    issuer = build_certificate_issuer(settings)
    assert issuer.challenge_dir == tmp_path / "nginx" / "acme-challenges"

    issued = issuer.ensure(["down.example.com"])

    assert issued.self_signed
    assert issued.note == f"Self-signed: the ACME server at {url} could not be reached (connection refused)"
    assert issued.fullchain.parent == tmp_path / "nginx" / "certificates" / "down.example.com"
    assert issued.not_after is not None
    assert issued.not_after - dt.datetime.now(dt.UTC) > RENEW_BEFORE
    # Within the retry pause the stand-in is reused without another try.
    again = issuer.ensure(["down.example.com"])
    assert again.private_key.read_bytes() == issued.private_key.read_bytes()


def test_untrusted_tls_is_reported(pebble: Pebble, tmp_path: Path) -> None:
    issuer = AcmeIssuer(
        pebble.directory_url,
        certificates=tmp_path / "certificates",
        challenges=tmp_path / "challenges",
        accounts=tmp_path / "accounts",
    )
    issued = issuer.ensure(["untrusted.example.com"])
    assert issued.self_signed
    assert "could not be reached (TLS handshake failed" in issued.note


def test_private_ca_trusted_through_requests_ca_bundle(
    pebble: Pebble, challenge_server: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What docs/backends.md tells operators of a private ACME CA (step-ca, pebble) to do.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pebble.ca_bundle))
    settings = Settings(
        data_dir=tmp_path, nginx_conf_dir=tmp_path / "nginx", acme_directory_url=pebble.directory_url
    )
    issuer = build_certificate_issuer(settings)
    assert isinstance(issuer, AcmeIssuer)
    issuer.challenges = challenge_server  # where this test's stand-in for nginx serves from

    issued = issuer.ensure(["private.example.com"])

    assert not issued.self_signed, issued.note
