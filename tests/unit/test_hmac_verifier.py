"""The server's verifier (reseller_api.conventions.hmac): parsing, canonical forms, matching."""

from __future__ import annotations

import base64
import hashlib
import hmac
import string
from urllib.parse import quote, quote_plus, unquote_to_bytes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reseller_api.conventions.hmac import (
    ParsedAuthorization,
    body_digest,
    canonical_targets,
    parse_authorization,
    signature_matches,
)
from tests.unit.vectors import API_KEY, API_SECRET, TIMESTAMP, VECTORS, Vector, params

SECRET = API_SECRET.encode()
SIG = "77vSJyp6DAtAD+o7ExXAFYerhY/0YKwgZzq0GGT3270="
GOOD = f"hmac {API_KEY}:{SIG}:6b086b2b74ea4:{TIMESTAMP}"


# -- parse_authorization ----------------------------------------------------------------


def test_parses_a_good_header() -> None:
    parsed = parse_authorization(GOOD)
    assert parsed == ParsedAuthorization(API_KEY, base64.b64decode(SIG), "6b086b2b74ea4", TIMESTAMP)
    assert len(parsed.signature) == 32


@pytest.mark.parametrize(
    "header",
    [
        f"  {GOOD}  ",
        f"{GOOD}\r\n",
        f"hmac some-key_1.x:{SIG}:n:0",
        f"hmac {API_KEY}:{SIG}:{'n' * 128}:{TIMESTAMP}",
        f"hmac {'k' * 128}:{SIG}:n:{TIMESTAMP}",
    ],
)
def test_parses_acceptable_variants(header: str) -> None:
    assert parse_authorization(header) is not None


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="empty"),
        pytest.param("hmac", id="scheme-only"),
        pytest.param("hmac ", id="scheme-and-space"),
        pytest.param(f"{API_KEY}:{SIG}:n:{TIMESTAMP}", id="no-scheme"),
        pytest.param(f"Bearer {API_KEY}:{SIG}:n:{TIMESTAMP}", id="bearer"),
        pytest.param(f"Basic {API_KEY}:{SIG}:n:{TIMESTAMP}", id="basic"),
        pytest.param(f"hmac  {API_KEY}:{SIG}:n:{TIMESTAMP}", id="two-spaces"),
        pytest.param(f"hmac:{API_KEY}:{SIG}:n:{TIMESTAMP}", id="colon-after-scheme"),
        pytest.param(f"hmac {API_KEY}:{SIG}:n", id="missing-timestamp"),
        pytest.param(f"hmac {API_KEY}:{SIG}:{TIMESTAMP}", id="missing-nonce"),
        pytest.param(f"hmac {SIG}:n:{TIMESTAMP}", id="missing-key"),
        pytest.param(f"hmac {API_KEY}:n:{TIMESTAMP}", id="missing-signature"),
        pytest.param(f"hmac :{SIG}:n:{TIMESTAMP}", id="empty-key"),
        pytest.param(f"hmac {API_KEY}::n:{TIMESTAMP}", id="empty-signature"),
        pytest.param(f"hmac {API_KEY}:{SIG}::{TIMESTAMP}", id="empty-nonce"),
        pytest.param(f"hmac {API_KEY}:{SIG}:n:", id="empty-timestamp"),
        pytest.param(f"hmac {API_KEY}:{SIG}:a:b:{TIMESTAMP}", id="nonce-with-colon"),
        pytest.param(f"hmac {API_KEY}:{SIG}:a b:{TIMESTAMP}", id="nonce-with-space"),
        pytest.param(f"hmac {API_KEY}:{SIG}:{'n' * 129}:{TIMESTAMP}", id="nonce-too-long"),
        pytest.param(f"hmac {'k' * 129}:{SIG}:n:{TIMESTAMP}", id="key-too-long"),
        pytest.param(f"hmac {API_KEY}:{SIG}:n:{TIMESTAMP}000", id="ms-timestamp"),
        pytest.param(f"hmac {API_KEY}:{SIG}:n:-{TIMESTAMP}", id="negative-timestamp"),
        pytest.param(f"hmac {API_KEY}:{SIG}:n:{TIMESTAMP}.5", id="fractional-timestamp"),
        pytest.param(f"hmac {API_KEY}:{SIG}:n:0x6b08", id="hex-timestamp"),
        pytest.param(f"hmac {API_KEY}:{SIG.rstrip('=')}:n:{TIMESTAMP}", id="signature-unpadded"),
        pytest.param(f"hmac {API_KEY}:{SIG[:-2]}==:n:{TIMESTAMP}", id="signature-too-short"),
        pytest.param(f"hmac {API_KEY}:A{SIG}:n:{TIMESTAMP}", id="signature-too-long"),
        pytest.param(f"hmac {API_KEY}:{SIG.replace('+', '-')}:n:{TIMESTAMP}", id="base64url-minus"),
        pytest.param(f"hmac {API_KEY}:{SIG.replace('/', '_')}:n:{TIMESTAMP}", id="base64url-underscore"),
        pytest.param(f"hmac {API_KEY}:{SIG[:-3]}*{SIG[-2:]}:n:{TIMESTAMP}", id="signature-bad-char"),
        pytest.param(f"hmac {API_KEY}:{SIG}:n:{TIMESTAMP}:extra", id="five-parts"),
        pytest.param(f"hmac {API_KEY}:{SIG}:n:{TIMESTAMP}\nhmac x", id="two-lines"),
        pytest.param(
            f"hmac {API_KEY}:{base64.b64encode(bytes(31)).decode()}:n:{TIMESTAMP}",
            id="31-byte-signature",
        ),
    ],
)
def test_refuses_malformed_headers(header: str) -> None:
    assert parse_authorization(header) is None


# -- the vectors ------------------------------------------------------------------------


def _verify(vector: Vector, secret: bytes = SECRET) -> bool:
    parsed = parse_authorization(vector.authorization)
    if parsed is None:
        return False
    return signature_matches(parsed, secret, vector.method, vector.target, vector.body)


@pytest.mark.parametrize("vector", params([v for v in VECTORS if v.accept]))
def test_accept_vectors_verify(vector: Vector) -> None:
    parsed = parse_authorization(vector.authorization)
    assert parsed is not None
    assert parsed.api_key == API_KEY
    assert parsed.timestamp == TIMESTAMP
    assert _verify(vector)


@pytest.mark.parametrize("vector", params([v for v in VECTORS if not v.accept]))
def test_reject_vectors_do_not_verify(vector: Vector) -> None:
    assert not _verify(vector)


@pytest.mark.parametrize("vector", params([v for v in VECTORS if v.accept]))
def test_accept_vectors_fail_with_another_secret(vector: Vector) -> None:
    assert not _verify(vector, b"s3cr3tXyz788")
    assert not _verify(vector, b"")


# -- what the signature covers ----------------------------------------------------------

POST_VECTOR = next(v for v in VECTORS if v.accept and v.recorded and v.method == "POST" and v.body)
QUERY_VECTOR = next(v for v in VECTORS if v.accept and v.recorded and "%20" in v.target)


@pytest.mark.parametrize("vector", [POST_VECTOR, QUERY_VECTOR], ids=["post", "query"])
def test_any_change_is_refused(vector: Vector) -> None:
    parsed = parse_authorization(vector.authorization)
    assert parsed is not None
    assert signature_matches(parsed, SECRET, vector.method, vector.target, vector.body)
    changed_method = "PATCH" if vector.method != "PATCH" else "PUT"
    assert not signature_matches(parsed, SECRET, changed_method, vector.target, vector.body)
    assert not signature_matches(parsed, SECRET, vector.method, vector.target + "x", vector.body)
    assert not signature_matches(parsed, SECRET, vector.method, vector.target + "/", vector.body)
    assert not signature_matches(parsed, SECRET, vector.method, vector.target + "?", vector.body)
    assert not signature_matches(parsed, SECRET, vector.method, vector.target, vector.body + b" ")
    assert not signature_matches(parsed, SECRET, vector.method, vector.target, b"x" + vector.body)
    assert not signature_matches(parsed, b"other-secret", vector.method, vector.target, vector.body)
    assert not signature_matches(parsed, SECRET.upper(), vector.method, vector.target, vector.body)
    # The key, the nonce and the timestamp in the header are signed too.
    for other in (
        ParsedAuthorization("k3yAbc124", parsed.signature, parsed.nonce, parsed.timestamp),
        ParsedAuthorization(parsed.api_key, parsed.signature, parsed.nonce + "0", parsed.timestamp),
        ParsedAuthorization(parsed.api_key, parsed.signature, parsed.nonce, parsed.timestamp + 1),
        ParsedAuthorization(parsed.api_key, bytes(32), parsed.nonce, parsed.timestamp),
    ):
        assert not signature_matches(other, SECRET, vector.method, vector.target, vector.body)


def test_a_body_on_a_bodyless_signature_is_refused() -> None:
    vector = next(v for v in VECTORS if v.accept and v.method == "DELETE" and not v.body)
    parsed = parse_authorization(vector.authorization)
    assert parsed is not None
    assert not signature_matches(parsed, SECRET, "DELETE", vector.target, b"[]")


def test_body_digest() -> None:
    assert body_digest(b"") == ""
    assert body_digest(b"abc") == base64.b64encode(hashlib.md5(b"abc").digest()).decode()  # noqa: S324
    assert body_digest(b"abc") == "kAFQmDzST7DWlj99KOF/cg=="


# -- canonical_targets ------------------------------------------------------------------
# Reference encoders written from each client's documentation, independent of the module.


def _decoded(target: str) -> str:
    return unquote_to_bytes(target).decode("utf-8", "surrogateescape")


def php(text: str) -> str:
    """PHP urlencode: A-Za-z0-9-_. kept, space +, all else %XX (uppercase)."""
    return quote_plus(text, safe="", errors="surrogateescape").replace("~", "%7E")


def go(text: str) -> str:
    """Go url.QueryEscape: A-Za-z0-9-_.~ kept, space +."""
    return quote_plus(text, safe="", errors="surrogateescape")


def rfc3986(text: str) -> str:
    """RFC 3986 unreserved kept, everything else (space too) %XX."""
    return quote(text, safe="", errors="surrogateescape")


def dotnet(text: str) -> str:
    """.NET WebUtility.UrlEncode: A-Za-z0-9-_.!*() kept, space +, uppercase hex."""
    return quote_plus(text, safe="!*()", errors="surrogateescape").replace("~", "%7E")


TRICKY = "/v2/dns/B%C3%BCcher%20Ex~ample.COM/records?q=a%20b&x=(1)!*&e=%E2%82%AC"


def test_reference_encoders_differ_on_the_tricky_target() -> None:
    decoded = _decoded(TRICKY)
    assert decoded == "/v2/dns/Bücher Ex~ample.COM/records?q=a b&x=(1)!*&e=€"
    forms = {php(decoded), go(decoded.lower()), rfc3986(decoded.lower()), dotnet(decoded)}
    assert len(forms) == 4
    assert php(decoded) == (
        "%2Fv2%2Fdns%2FB%C3%BCcher+Ex%7Eample.COM%2Frecords%3Fq%3Da+b%26x%3D%281%29%21%2A%26e%3D%E2%82%AC"
    )
    assert go(decoded.lower()) == (
        "%2Fv2%2Fdns%2Fb%C3%BCcher+ex~ample.com%2Frecords%3Fq%3Da+b%26x%3D%281%29%21%2A%26e%3D%E2%82%AC"
    )
    assert rfc3986(decoded.lower()) == (
        "%2Fv2%2Fdns%2Fb%C3%BCcher%20ex~ample.com%2Frecords%3Fq%3Da%20b%26x%3D%281%29%21%2A%26e%3D%E2%82%AC"
    )
    assert dotnet(decoded) == (
        "%2Fv2%2Fdns%2FB%C3%BCcher+Ex%7Eample.COM%2Frecords%3Fq%3Da+b%26x%3D(1)!*%26e%3D%E2%82%AC"
    )


@pytest.mark.parametrize(
    "target",
    [
        TRICKY,
        "/v2/dns/b%C3%BCcher.example/records",
        "/v2/dns/example.com/records?record_name=a%20b&type=TXT",
        "/v2/dns/a~b/records",
        "/v2/dns/A~B/records?Name=X%7EY",
        "/v2/accounts?identifier=%C3%9Cber.BE",
        "/v2/accounts?identifier=a+b",
        "/v2/accounts?identifier=caf%E9",
    ],
)
@pytest.mark.parametrize("encoder", [php, go, rfc3986, dotnet])
def test_every_client_form_is_a_canonical_target(target: str, encoder: object) -> None:
    """Each client's encoding of the target (decoded or as sent, lowercased or not) is tried."""
    assert callable(encoder)
    forms = canonical_targets(target)
    decoded = _decoded(target)
    for base in (decoded, target):
        for text in (base, base.lower()):
            assert encoder(text) in forms, (encoder, text)


def test_the_documented_client_forms_for_a_path_with_spaces_tilde_uppercase_and_utf8() -> None:
    decoded = _decoded(TRICKY)
    forms = canonical_targets(TRICKY)
    assert php(decoded) in forms  # official PHP client: decoded, not lowercased
    assert go(decoded.lower()) in forms  # lego: lowercased, then QueryEscape
    assert rfc3986(decoded.lower()) in forms  # TypeScript client
    assert dotnet(decoded) in forms  # Posh-ACME
    # Every form is a fully escaped string: it can be signed as is.
    for form in forms:
        assert not set(form) & set("/? ")
        assert form.isascii()


@pytest.mark.parametrize(
    "target",
    [
        "/v2/accounts",
        "/v2/Accounts?skip=0&take=10",
        "/v2/dns/Example.com/records?type=TXT&name=_acme-x",
    ],
)
def test_plain_targets_have_one_form_per_case(target: str) -> None:
    """For plain ASCII targets every client agrees; only lowercasing makes a second form."""
    expected = {php(target), php(target.lower())}
    for encoder in (go, rfc3986, dotnet):
        assert encoder(target) in expected
        assert encoder(target.lower()) in expected
    assert canonical_targets(target) == expected


@pytest.mark.parametrize("encoder", [php, go, rfc3986, dotnet])
@pytest.mark.parametrize("lower", [False, True], ids=["as-is", "lowercased"])
def test_a_signature_over_any_client_form_matches(encoder: object, lower: bool) -> None:
    assert callable(encoder)
    decoded = _decoded(TRICKY)
    text = decoded.lower() if lower else decoded
    body = b'{"a":1}'
    message = f"{API_KEY}put{encoder(text)}{TIMESTAMP}nonce1{body_digest(body)}"
    sig = hmac.new(SECRET, message.encode(), hashlib.sha256).digest()
    parsed = ParsedAuthorization(API_KEY, sig, "nonce1", TIMESTAMP)
    assert signature_matches(parsed, SECRET, "PUT", TRICKY, body)
    assert not signature_matches(parsed, SECRET, "PUT", TRICKY, body + b" ")
    assert not signature_matches(parsed, b"x" + SECRET, "PUT", TRICKY, body)


def test_an_unencoded_target_is_not_a_form() -> None:
    """The verifier tries known encodings, not anything: the raw target itself is refused."""
    message = f"{API_KEY}get{TRICKY}{TIMESTAMP}n"
    sig = hmac.new(SECRET, message.encode(), hashlib.sha256).digest()
    parsed = ParsedAuthorization(API_KEY, sig, "n", TIMESTAMP)
    assert not signature_matches(parsed, SECRET, "GET", TRICKY, b"")


_PATH_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=30
)


@settings(max_examples=200, deadline=None)
@given(segment=_PATH_TEXT, value=_PATH_TEXT)
def test_the_php_form_of_any_path_and_query_is_tried(segment: str, value: str) -> None:
    """Whatever the client url-encodes on the wire, the PHP client's signed form is a candidate."""
    target = "/v2/dns/" + quote(segment, safe="") + "/records?name=" + quote(value, safe="")
    decoded = f"/v2/dns/{segment}/records?name={value}"
    forms = canonical_targets(target)
    assert php(decoded) in forms
    assert go(decoded.lower()) in forms
    assert all(set(form) <= set(string.ascii_letters + string.digits + "%+-_.~!*()") for form in forms)
