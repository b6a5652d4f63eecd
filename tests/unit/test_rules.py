"""Password rules and domain name canonicalisation (reseller_api.rules)."""

from __future__ import annotations

import pytest

from reseller_api.errors import CATALOGUE
from reseller_api.rules import (
    DOMAIN_NAME_INVALID,
    PASSWORD_INVALID,
    canonical_domain_name,
    password_problem,
)

FORBIDDEN = ["*", "€", "$", "&", "+", "}", "{", "'", '"', "\\"]


# -- passwords ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "abcd1234",  # 8: the shortest
        "Secret123x",
        "a1" * 10,  # 20: the longest
        "1abcdefg",
        "ABCDEFG1",
        "Ab1!#%^-_=",  # other punctuation is allowed
        "pass.word-1_ok",
        "Pässwörd1",  # non-ASCII letters are allowed alongside ASCII ones
    ],
)
def test_good_passwords(password: str) -> None:
    assert password_problem(password) is None


@pytest.mark.parametrize(("length", "ok"), [(7, False), (8, True), (20, True), (21, False)])
def test_length_boundaries(length: int, ok: bool) -> None:
    password = ("a1" * 11)[:length]
    assert len(password) == length
    problem = password_problem(password)
    if ok:
        assert problem is None
    else:
        assert problem is not None
        assert "between 8 and 20" in problem.error_text


@pytest.mark.parametrize("char", FORBIDDEN)
def test_each_forbidden_character(char: str) -> None:
    for password in (f"abc{char}1234", f"{char}abcd1234", f"abcd1234{char}"):
        problem = password_problem(password)
        assert problem is not None, password
        assert problem.error_code == PASSWORD_INVALID.code
        assert char in problem.error_text


def test_every_forbidden_character_is_named_in_the_error_text() -> None:
    assert all(char in PASSWORD_INVALID.text for char in FORBIDDEN)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("abcdefgh", "at least one digit"),
        ("12345678", "at least one letter"),
        ("abcd 1234", "spaces"),
        ("abcd\t1234", "spaces"),
        (" abcd1234", "spaces"),
        ("abcd1234 ", "spaces"),
        ("abcd\u00a01234", "spaces"),
        ("äöüäöü123", "at least one letter"),  # only ASCII letters count
        ("abcdefg٣", "at least one digit"),  # only ASCII digits count
        ("", "between 8 and 20"),
    ],
)
def test_bad_passwords(password: str, reason: str) -> None:
    problem = password_problem(password)
    assert problem is not None
    assert problem.error_code == PASSWORD_INVALID.code
    assert reason in problem.error_text


def test_all_reasons_are_given_at_once_and_the_field_is_named() -> None:
    problem = password_problem("$ {", field="ftp_password")
    assert problem is not None
    text = problem.error_text
    assert text.startswith("ftp_password ")
    for reason in ("between 8 and 20", "one digit", "one letter", "spaces", "$", "{"):
        assert reason in text


def test_error_codes_are_in_the_catalogue() -> None:
    assert CATALOGUE[PASSWORD_INVALID.code].status == 400
    assert CATALOGUE[DOMAIN_NAME_INVALID.code].status == 400


# -- domain names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("example.com", "example.com"),
        ("EXAMPLE.COM", "example.com"),
        ("Example.Com", "example.com"),
        ("example.com.", "example.com"),
        ("  example.com  ", "example.com"),
        ("www.sub.example.co.uk", "www.sub.example.co.uk"),
        ("bücher.be", "xn--bcher-kva.be"),
        ("Bücher.BE", "xn--bcher-kva.be"),
        ("BÜCHER.be", "xn--bcher-kva.be"),
        ("xn--bcher-kva.be", "xn--bcher-kva.be"),
        ("XN--BCHER-KVA.BE", "xn--bcher-kva.be"),
        ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
        ("example.xn--p1ai", "example.xn--p1ai"),
        ("1-2-3.be", "1-2-3.be"),
        ("123.be", "123.be"),
        ("a.be", "a.be"),
        ("a" * 63 + ".be", "a" * 63 + ".be"),
    ],
)
def test_canonical_domain_names(name: str, canonical: str) -> None:
    assert canonical_domain_name(name) == canonical


def _name_of_length(length: int) -> str:
    """Labels of 63 'a's joined by dots, padded to ``length`` characters, ending in .be."""
    labels, remaining = [], length - 3
    while remaining > 0:
        size = min(63, remaining)
        labels.append("a" * size)
        remaining -= size + 1
    name = ".".join(labels) + ".be"
    assert len(name) == length, (len(name), length)
    return name


def test_length_limit_is_253() -> None:
    assert canonical_domain_name(_name_of_length(253)) == _name_of_length(253)
    assert canonical_domain_name(_name_of_length(254)) is None
    assert canonical_domain_name("a" * 300 + ".be") is None


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param(".", id="dot"),
        pytest.param("   ", id="blank"),
        pytest.param("localhost", id="single-label"),
        pytest.param("be", id="tld-only"),
        pytest.param("example.123", id="numeric-tld"),
        pytest.param("example.c0m", id="tld-with-digit"),
        pytest.param("1.2.3.4", id="ip-address"),
        pytest.param("-example.com", id="leading-hyphen"),
        pytest.param("example-.com", id="trailing-hyphen"),
        pytest.param("exa_mple.com", id="underscore"),
        pytest.param("exa mple.com", id="space"),
        pytest.param("example..com", id="empty-label"),
        pytest.param(".example.com", id="leading-dot"),
        pytest.param("a" * 64 + ".be", id="label-too-long"),
        pytest.param("exa*mple.com", id="star"),
        pytest.param("example.com/x", id="slash"),
        pytest.param("xn--zz.com", id="bad-punycode"),
        pytest.param("xn--.com", id="empty-punycode"),
        pytest.param("example.xn--", id="punycode-tld-too-short"),
        pytest.param("http://example.com", id="url"),
        pytest.param("user@example.com", id="email"),
    ],
)
def test_invalid_domain_names(name: str) -> None:
    assert canonical_domain_name(name) is None
