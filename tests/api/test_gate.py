"""The gate as an attacker meets it: refusals before the body, every spelling of a /v2 path.

These call the ASGI application directly with hand-made scopes: HTTP clients normalise
paths such as ``//v2/...`` before sending them, and a test must see whether the body was
read at all. Real sockets are in tests/integration/test_slow_clients.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from reseller_api.client.signing import authorization_header
from reseller_api.credentials.service import CredentialsService, NewCredentials

BODY = json.dumps({"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}).encode()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    body_reads: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Any,
    method: str,
    path: str,
    *,
    headers: list[tuple[bytes, bytes]] = (),  # type: ignore[assignment]
    body: bytes = b"",
    raw_path: bytes | None = None,
    query: bytes = b"",
    client: str = "127.0.0.1",
) -> Answer:
    """One request straight into the ASGI app; counts how often the app asked for the body."""
    answer = Answer(0, {}, b"")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path if raw_path is not None else path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver.local"), *headers],
        "client": (client, 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }

    async def receive() -> dict[str, Any]:
        answer.body_reads += 1
        if answer.body_reads == 1:
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client never sends more
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        answer.events.append(message)
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return answer


@pytest.fixture
def key(credentials: CredentialsService) -> NewCredentials:
    return credentials.create_key("alice", ["127.0.0.1"])


def signed(
    key: NewCredentials, method: str, target: str, body: bytes = b"", **kw: Any
) -> list[tuple[bytes, bytes]]:
    header = authorization_header(key.api_key, key.api_secret, method, target, body, **kw)
    return [(b"authorization", header.encode()), (b"content-type", b"application/json")]


def with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    return [*headers, (b"content-length", str(length).encode())]


# -- refused before a byte of the body is read ------------------------------------------------


def test_a_request_without_authorization_is_refused_before_its_body(app: Any) -> None:
    answer = call(app, "POST", "/v2/accounts", headers=with_length([], len(BODY)), body=BODY)
    assert answer.status == 401
    assert answer.json()["error_code"] == "authorization_header_missing"
    assert answer.body_reads == 0
    # The announced body is neither read nor waited for: the connection ends with the answer.
    assert answer.headers["connection"] == "close"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("malformed", "auth_authorization_header_invalid_format"),
        ("unknown key", "authorization_api_key_invalid"),
        ("stale", "authorization_timestamp_invalid"),
        ("not whitelisted", "authorization_ip_not_whitelisted"),
        ("too large", "request_body_too_large"),
    ],
)
def test_what_the_headers_alone_refuse_is_refused_before_the_body(
    app: Any, key: NewCredentials, case: str, code: str
) -> None:
    headers = signed(key, "POST", "/v2/accounts", BODY)
    client, length = "127.0.0.1", len(BODY)
    if case == "malformed":
        headers = [(b"authorization", b"hmac nope")]
    elif case == "unknown key":
        headers = signed(NewCredentials("x", "0" * 32, key.api_secret), "POST", "/v2/accounts", BODY)
    elif case == "stale":
        headers = signed(key, "POST", "/v2/accounts", BODY, timestamp=int(time.time()) - 3600)
    elif case == "not whitelisted":
        client = "203.0.113.9"
    else:
        length = 1_048_577
    answer = call(app, "POST", "/v2/accounts", headers=with_length(headers, length), body=BODY, client=client)
    assert answer.json()["error_code"] == code
    assert answer.body_reads == 0, "the body was read before the refusal"
    assert answer.headers["connection"] == "close"


def test_a_refusal_without_a_body_keeps_the_connection(app: Any) -> None:
    answer = call(app, "GET", "/v2/accounts")
    assert answer.status == 401
    assert "connection" not in answer.headers


def test_a_signed_request_still_reads_and_checks_its_body(app: Any, key: NewCredentials) -> None:
    headers = with_length(signed(key, "POST", "/v2/accounts", BODY), len(BODY))
    answer = call(app, "POST", "/v2/accounts", headers=headers, body=BODY)
    assert answer.status == 202, answer.body
    assert answer.body_reads >= 1
    tampered = call(app, "POST", "/v2/accounts", headers=headers, body=BODY.replace(b"example", b"exampla"))
    assert tampered.json()["error_code"] == "authorization_hmac_invalid"


# -- every spelling of a /v2 path needs a signature ---------------------------------------------

SPELLINGS = [
    ("//v2/accounts", b"//v2/accounts"),
    ("//v2/accounts", b"/%2Fv2/accounts"),  # uvicorn decodes %2F into the path
    ("///v2///accounts//", b"///v2///accounts//"),
    ("/v2//accounts", b"/v2//accounts"),
    ("/v2/accounts/", b"/v2/accounts/"),
    ("v2/accounts", b"v2/accounts"),
    ("//v2/accounts/1", b"//v2/accounts/1"),
    ("//v2/servicepacks", b"//v2/servicepacks"),
    ("//v2/dns/example.com/records", b"//v2/dns/example.com/records"),
    ("/v2/./accounts", b"/v2/./accounts"),
    ("/v2/documentation/../accounts", b"/v2/documentation/../accounts"),
    ("/v2/openapi.json/../accounts", b"/v2/openapi.json/../accounts"),
    ("//v2//documentation/../accounts", b"//v2//documentation/../accounts"),
]


@pytest.mark.parametrize(("path", "raw_path"), SPELLINGS)
def test_every_spelling_of_a_v2_path_needs_a_signature(
    app: Any, path: str, raw_path: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        answer = call(app, "GET", path, raw_path=raw_path)
    assert answer.status == 401, answer.body
    assert answer.json()["error_code"] == "authorization_header_missing"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], caplog.text


@pytest.mark.parametrize("raw_path", [b"//v2/accounts", b"/%2Fv2/accounts", b"/v2//accounts/"])
def test_a_signed_request_in_any_spelling_reaches_its_route(
    app: Any, key: NewCredentials, raw_path: bytes
) -> None:
    path = raw_path.decode().replace("%2F", "/")
    answer = call(app, "GET", path, raw_path=raw_path, headers=signed(key, "GET", raw_path.decode()))
    assert answer.status == 200, answer.body
    assert answer.json() == []


@pytest.mark.parametrize(
    "path", ["/v2/openapi.json", "//v2/openapi.json", "/v2/documentation", "/v2/documentation/errorcodes"]
)
def test_the_documentation_stays_public(app: Any, path: str) -> None:
    assert call(app, "GET", path).status == 200


def test_a_route_reached_without_the_gate_is_401_not_500(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Defence in depth: a handler that finds no credential refuses, it does not crash."""
    litestar = app.litestar
    with caplog.at_level(logging.INFO):
        for path in ("/v2/accounts", "/v2/accounts/1"):
            answer = call(litestar, "GET", path)
            assert answer.status == 401, answer.body
            assert answer.json()["error_code"] == "authorization_header_missing"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
