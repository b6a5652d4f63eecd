"""The rules of SSL certificate requests that need no server: CSR names against the type, and
where a validation file is fetched from."""

from __future__ import annotations

import pytest

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
