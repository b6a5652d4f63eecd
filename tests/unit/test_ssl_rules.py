"""The rules of SSL certificate requests that need no server: CSR names against the type,
where a validation file is fetched from, and what the ACME issuer does with a CA's answer."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from reseller_api.backends.acme_authority import _refusal, split_chain, usable_chain
from reseller_api.backends.acme_challenges import AcmeFailure
from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.nginx.hosting import loopback
from reseller_api.resources.sslcertificates.csr import CsrProblem, check_type, parse
from reseller_api.resources.sslcertificates.validations import expected
from tests.api.test_sslcertificates import make_csr


@pytest.mark.parametrize(
    ("names", "certificate_type", "fits"),
    [
        (("example.com",), "standard", True),
        (("example.com", "www.example.com"), "standard", True),
        (("example.com", "shop.example.com"), "standard", False),
        (("example.com", "shop.example.com"), "multi_domain", True),
        (("example.com",), "multi_domain", False),
        (("*.example.com",), "wildcard", True),
        (("*.example.com", "example.com"), "wildcard", True),
        (("*.example.com", "other.net"), "wildcard", False),
        (("example.com",), "wildcard", False),
        (("example.com", "*.example.com"), "multi_domain", False),
    ],
)
def test_names_fit_the_type(names: tuple[str, ...], certificate_type: str, fits: bool) -> None:
    parsed = parse(make_csr(names[0], *names))
    if fits:
        check_type(parsed, certificate_type)
    else:
        with pytest.raises(CsrProblem):
            check_type(parsed, certificate_type)


def test_names_are_canonical_and_unique() -> None:
    parsed = parse(make_csr("Example.COM", "example.com", "WWW.example.com", "xn--bcher-kva.example.com"))
    assert parsed.names == ("example.com", "www.example.com", "xn--bcher-kva.example.com")
    with pytest.raises(CsrProblem, match="not a domain name"):
        parse(make_csr("example.com", "exa mple.com"))
    with pytest.raises(CsrProblem, match="PEM"):
        parse("-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----")


def test_validation_values_are_stable_per_csr_and_name() -> None:
    csr = parse(make_csr("example.com"))
    first, again = expected(csr.der, "SSL-ABC", "example.com"), expected(csr.der, "SSL-ABC", "example.com")
    assert first == again
    assert first.cname_name.startswith("_")
    assert first.cname_name.endswith(".example.com")
    assert first.file_path.startswith("/.well-known/pki-validation/")
    assert first.file_path.endswith(".txt")
    assert len(first.file_content) == 3
    assert expected(csr.der, "SSL-ABC", "*.example.com").cname_name == first.cname_name
    assert expected(parse(make_csr("example.com")).der, "SSL-ABC", "example.com") != first


@pytest.mark.parametrize(
    ("listen", "address"),
    [
        ("80", "127.0.0.1:80"),
        ("8080", "127.0.0.1:8080"),
        ("0.0.0.0:8080", "127.0.0.1:8080"),
        ("[::]:80", "[::1]:80"),
        ("127.0.0.2:81", "127.0.0.2:81"),
    ],
)
def test_nginx_is_asked_on_its_own_http_listen_address(listen: str, address: str) -> None:
    assert loopback(listen) == address


NOW = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)


def _chain(public_key: ec.EllipticCurvePublicKey, not_after: dt.datetime) -> tuple[str, x509.Certificate]:
    """A full chain as an ACME CA sends it: the leaf for ``public_key``, then its issuer."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "test intermediate")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "example.com")]))
        .issuer_name(ca_name)
        .public_key(public_key)
        .serial_number(2)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(not_after)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return leaf.public_bytes(pem).decode() + ca.public_bytes(pem).decode(), leaf


def test_an_ordered_chain_is_kept_only_for_the_csrs_key_while_it_is_fresh() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = make_csr("example.com", key=key)
    fresh, leaf = _chain(key.public_key(), NOW + dt.timedelta(days=90))
    assert usable_chain(fresh, csr, NOW)
    other, _ = _chain(ec.generate_private_key(ec.SECP256R1()).public_key(), NOW + dt.timedelta(days=90))
    assert not usable_chain(other, csr, NOW)
    expiring, _ = _chain(key.public_key(), NOW + dt.timedelta(hours=12))
    assert not usable_chain(expiring, csr, NOW)
    assert not usable_chain("not a PEM", csr, NOW)

    leaf_pem, issuers_pem = split_chain(fresh)
    assert x509.load_pem_x509_certificate(leaf_pem.encode()) == leaf
    assert leaf_pem + issuers_pem == fresh
    assert issuers_pem.count("BEGIN CERTIFICATE") == 1


@pytest.mark.parametrize(
    ("failure", "kind", "text"),
    [
        (
            AcmeFailure("validation failed: a.example: 404", reached=True),
            BackendRefused,
            "the ACME server at URL refused the certificate (validation failed: a.example: 404)",
        ),
        (
            AcmeFailure("connection refused", reached=False, transient=True),
            BackendUnavailable,
            "the ACME server at URL could not be reached (connection refused)",
        ),
        (
            AcmeFailure("cannot store the account key under /x: denied", reached=False),
            BackendRefused,
            "cannot order from the ACME server at URL: cannot store the account key under /x: denied",
        ),
    ],
)
def test_a_ca_failure_fails_the_job_retried_only_when_the_network_failed(
    failure: AcmeFailure, kind: type[Exception], text: str
) -> None:
    error = _refusal("URL", failure)
    assert type(error) is kind
    assert str(error) == text
