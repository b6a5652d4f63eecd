"""The client signer (reseller_api.client.signing) against the official PHP client's recordings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import string
import time
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest

from reseller_api.client.signing import authorization_header, php_urlencode, signature
from reseller_api.conventions.hmac import parse_authorization, signature_matches
from tests.unit.vectors import API_KEY, API_SECRET, TIMESTAMP, VECTORS, Vector, params

RECORDED = [v for v in VECTORS if v.recorded]


def php_reference(data: bytes) -> str:
    """PHP ``urlencode`` from its manual: every byte but ``A-Za-z0-9-_.`` as %XX, space as +."""
    keep = (string.ascii_letters + string.digits + "-_.").encode()
    out = []
    for byte in data:
        if byte in keep:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def test_the_vector_file_is_what_the_tests_expect() -> None:
    assert API_KEY == "k3yAbc123"
    assert API_SECRET == "s3cr3tXyz789"
    assert len(VECTORS) == 30
    assert sum(v.accept for v in VECTORS) == 24
    assert sum(v.expect == "reject" for v in VECTORS) == 6
    assert len(RECORDED) == 15
    assert all(v.accept for v in RECORDED)
    assert all(v.timestamp == TIMESTAMP for v in RECORDED)


@pytest.mark.parametrize("vector", params(RECORDED))
def test_reproduces_the_official_php_client(vector: Vector) -> None:
    header = authorization_header(
        API_KEY,
        API_SECRET,
        vector.method,
        vector.target,
        vector.body,
        timestamp=vector.timestamp,
        nonce=vector.nonce,
    )
    assert header == vector.authorization


@pytest.mark.parametrize("vector", params(RECORDED))
def test_signature_is_hmac_sha256_of_the_documented_string(vector: Vector) -> None:
    """Recomputed here from the API text, without the signer's helpers."""
    content = base64.b64encode(hashlib.md5(vector.body).digest()).decode() if vector.body else ""  # noqa: S324
    message = (
        f"{API_KEY}{vector.method.lower()}{php_reference(unquote_to_bytes(vector.target))}"
        f"{vector.timestamp}{vector.nonce}{content}"
    )
    expected = base64.b64encode(
        hmac.new(API_SECRET.encode(), message.encode(), hashlib.sha256).digest()
    ).decode()
    assert expected == vector.authorization.split(":")[1]
    assert (
        signature(
            API_KEY,
            API_SECRET,
            vector.method,
            vector.target,
            vector.body,
            vector.timestamp,
            vector.nonce,
        )
        == expected
    )


def test_header_format() -> None:
    header = authorization_header("key1", "secret", "GET", "/v2/accounts", timestamp=1700000000, nonce="abc")
    assert re.fullmatch(r"hmac key1:[A-Za-z0-9+/]{43}=:abc:1700000000", header)


def test_defaults_are_a_fresh_nonce_and_the_current_time() -> None:
    before = int(time.time())
    first = authorization_header("key1", "secret", "GET", "/v2/accounts")
    second = authorization_header("key1", "secret", "GET", "/v2/accounts")
    after = int(time.time())
    _, _, nonce1, ts1 = first.split(":")
    _, _, nonce2, ts2 = second.split(":")
    assert nonce1 != nonce2
    assert re.fullmatch(r"[0-9a-f]{32}", nonce1)
    assert before <= int(ts1) <= after
    assert before <= int(ts2) <= after


def test_method_case_does_not_matter_but_the_method_does() -> None:
    sign = lambda method: signature("k", "s", method, "/v2/accounts", b"", 1, "n")  # noqa: E731
    assert sign("GET") == sign("get") == sign("Get")
    assert sign("GET") != sign("DELETE")


def test_body_is_covered_and_empty_body_adds_nothing() -> None:
    base: dict[str, Any] = {
        "api_key": "k",
        "api_secret": "s",
        "method": "POST",
        "target": "/v2/accounts",
        "timestamp": 1,
        "nonce": "n",
    }
    assert signature(**base, body=b"{}") != signature(**base, body=b"{ }")
    assert signature(**base, body=b"{}") != signature(**base, body=b"")
    # With an empty body the signed string ends at the nonce.
    expected = hmac.new(b"s", b"kpost%2Fv2%2Faccounts1n", hashlib.sha256).digest()
    assert signature(**base, body=b"") == base64.b64encode(expected).decode()


def test_the_target_is_signed_percent_decoded() -> None:
    """The PHP client url-encodes the decoded target: an escaped and a plain space sign alike."""
    sign = lambda target: signature("k", "s", "GET", target, b"", 1, "n")  # noqa: E731
    assert sign("/v2/dns/a%20b/records") == sign("/v2/dns/a b/records")
    assert sign("/v2/dns/b%C3%BCcher.be") == sign("/v2/dns/bücher.be") == sign("/v2/dns/b%c3%bccher.be")
    assert sign("/v2/dns/a%7Eb") == sign("/v2/dns/a~b")


# -- php_urlencode ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("", ""),
        ("abcXYZ019-_.", "abcXYZ019-_."),
        ("a b", "a+b"),
        ("~", "%7E"),
        ("/v2/accounts?skip=0&take=10", "%2Fv2%2Faccounts%3Fskip%3D0%26take%3D10"),
        ("ü", "%C3%BC"),
        ("€", "%E2%82%AC"),
        ("😀", "%F0%9F%98%80"),
        ("+", "%2B"),
        ("%", "%25"),
        ("*", "%2A"),
        ("a\nb", "a%0Ab"),
        ("\x7f", "%7F"),
    ],
)
def test_php_urlencode(text: str, encoded: str) -> None:
    assert php_urlencode(text) == encoded


def test_php_urlencode_matches_php_for_every_ascii_character() -> None:
    for code in range(128):
        char = chr(code)
        assert php_urlencode(char) == php_reference(char.encode()), repr(char)


def test_php_urlencode_hex_is_uppercase() -> None:
    encoded = php_urlencode("".join(chr(c) for c in range(0x80, 0x100)))
    assert re.fullmatch(r"(%[0-9A-F]{2})+", encoded)
    assert encoded == php_reference("".join(chr(c) for c in range(0x80, 0x100)).encode("utf-8"))


# -- the client and the server agree ----------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/v2/accounts",
        "/v2/accounts?skip=0&take=10",
        "/v2/Accounts?identifier=Example.COM",
        "/v2/dns/b%C3%BCcher.example/records",
        "/v2/dns/example.com/records?record_name=a%20b&type=TXT",
        "/v2/dns/a~b/records?x=(1)!*",
        "/v2/accounts?identifier=a%2Bb",
    ],
)
def test_the_server_accepts_what_the_client_signs(target: str) -> None:
    body = b'{"identifier":"example.com"}'
    header = authorization_header("key1", "secret1", "PUT", target, body, timestamp=1, nonce="n1")
    parsed = parse_authorization(header)
    assert parsed is not None
    assert signature_matches(parsed, b"secret1", "PUT", target, body)


def test_a_non_utf8_escape_is_signed_as_the_byte_php_would_sign() -> None:
    target = "/v2/accounts?identifier=caf%E9"
    expected = hmac.new(
        b"s", f"kget{php_reference(unquote_to_bytes(target))}1n".encode(), hashlib.sha256
    ).digest()
    header = authorization_header("k", "s", "GET", target, timestamp=1, nonce="n")
    parsed = parse_authorization(header)
    assert parsed is not None
    assert signature_matches(parsed, b"s", "GET", target, b"")
    assert header.split(":")[1] == base64.b64encode(expected).decode()
