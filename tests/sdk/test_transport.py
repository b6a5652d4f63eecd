"""Retry policy, error mapping and signing, against a fake transport (no server needed)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx
import pytest

from reseller_api.client import (
    ApiError,
    Client,
    ServerError,
    TransportError,
    ValidationError,
    idempotency_key,
)
from reseller_api.client.core import Call
from reseller_api.wire.accounts import CreateAccount

SERVICEPACKS = b'[{"id": 1, "name": "Starter"}]'
PAGING = {"X-Paging-Skipped": "0", "X-Paging-Take": "1", "X-Paging-TotalResults": "1"}


def fake(answers: list[httpx.Response | Exception], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle)


def client_for(answers: list[httpx.Response | Exception], seen: list[httpx.Request], **kw: object) -> Client:
    naps: list[float] = []
    client = Client(
        "http://api.test", "key", "secret", transport=fake(answers, seen), sleep=naps.append, **kw
    )  # type: ignore[arg-type]
    client.naps = naps  # type: ignore[attr-defined]
    return client


def test_a_get_answered_5xx_is_retried_with_back_off_and_a_fresh_signature() -> None:
    seen: list[httpx.Request] = []
    answers: list[httpx.Response | Exception] = [
        httpx.Response(502),
        httpx.Response(503, json={"error_code": "service_unavailable", "error_text": "later"}),
        httpx.Response(200, content=SERVICEPACKS, headers=PAGING),
    ]
    client = client_for(answers, seen)
    assert [p.name for p in client.servicepacks.list()] == ["Starter"]
    assert client.naps == [0.5, 1.0]  # type: ignore[attr-defined]
    nonces = {r.headers["authorization"].split(":")[2] for r in seen}
    assert len(nonces) == 3


def test_a_get_gives_up_after_its_retries() -> None:
    seen: list[httpx.Request] = []
    client = client_for([httpx.Response(500)] * 3, seen)
    with pytest.raises(ServerError) as caught:
        client.servicepacks.list()
    assert caught.value.status == 500
    assert len(seen) == 3


def test_a_post_without_idempotency_keys_is_never_retried_blindly() -> None:
    seen: list[httpx.Request] = []
    client = client_for([httpx.Response(503), httpx.ConnectError("refused")], seen, idempotency_keys=False)
    with pytest.raises(ServerError):
        client.accounts.create("example.com", 1, "Secret123x")
    assert len(seen) == 1
    with pytest.raises(TransportError):
        client.accounts.create("example.com", 1, "Secret123x")
    assert len(seen) == 2
    assert all("idempotency-key" not in r.headers for r in seen)


ACCEPTED = httpx.Response(
    202, headers={"Location": "/v2/provisioningjobs/0f8fad5b-d9cb-469f-a165-70867728950e"}
)
IN_USE = httpx.Response(
    409, json={"error_code": "idempotency_key_in_use", "error_text": "later"}, headers={"Retry-After": "1"}
)


def test_a_write_carries_one_key_on_every_retry_and_is_retried_on_5xx_lost_answers_and_in_use() -> None:
    seen: list[httpx.Request] = []
    client = client_for(
        [httpx.ConnectError("reset"), httpx.Response(502), IN_USE, ACCEPTED], seen, server_error_retries=3
    )
    job = client.accounts.create("example.com", 1, "Secret123x")
    assert job.id == "0f8fad5b-d9cb-469f-a165-70867728950e"
    keys = {r.headers["idempotency-key"] for r in seen}
    assert len(seen) == 4
    assert len(keys) == 1
    assert len(keys.pop()) == 36  # a UUID
    assert len({r.headers["authorization"] for r in seen}) == 4  # signed afresh each try
    assert client.naps == [0.5, 1.0, 1.0]  # type: ignore[attr-defined]


def test_each_write_gets_its_own_key_unless_the_caller_gives_one() -> None:
    seen: list[httpx.Request] = []
    client = client_for([ACCEPTED, ACCEPTED, ACCEPTED], seen)
    client.accounts.create("a.example", 1, "Secret123x")
    with idempotency_key("order-42"):
        client.accounts.create("b.example", 1, "Secret123x")
    assert seen[0].headers["idempotency-key"] != "order-42"
    assert seen[1].headers["idempotency-key"] == "order-42"


def test_a_keyed_write_gives_up_after_its_retries() -> None:
    seen: list[httpx.Request] = []
    client = client_for([httpx.Response(500)] * 3, seen)
    with pytest.raises(ServerError):
        client.accounts.create("example.com", 1, "Secret123x")
    assert len(seen) == 3


def test_transport_errors_are_wrapped_from_the_httpx_error() -> None:
    seen: list[httpx.Request] = []
    client = client_for([httpx.ConnectError("refused")] * 3, seen, server_error_retries=2)
    with pytest.raises(TransportError) as caught:
        client.servicepacks.list()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert isinstance(caught.value, ApiError)
    assert caught.value.request is not None
    assert len(seen) == 3


def test_error_bodies_of_any_shape_map_to_the_tree() -> None:
    seen: list[httpx.Request] = []
    client = client_for(
        [
            httpx.Response(
                400,
                json={
                    "validation_errors": [
                        {"error_code": "a", "error_text": "A"},
                        {"error_code": "b", "error_text": "B"},
                    ]
                },
            ),
            httpx.Response(418, text="<html>teapot</html>"),
        ],
        seen,
    )
    with pytest.raises(ValidationError) as caught:
        client.accounts.create("example.com", 1)
    assert [e.error_code for e in caught.value.validation_errors] == ["a", "b"]
    assert (caught.value.error_code, caught.value.error_text) == ("a", "A")
    with pytest.raises(ApiError) as other:
        client.accounts.create("example.com", 1)
    assert (other.value.status, other.value.error_code) == (418, "http_418")


def test_a_body_that_does_not_fit_the_schema_is_a_server_error() -> None:
    seen: list[httpx.Request] = []
    client = client_for([httpx.Response(200, json=[{"id": "one"}])], seen)
    with pytest.raises(ServerError) as caught:
        client.servicepacks.list()
    assert caught.value.error_code == "unexpected_response"


def test_the_signature_covers_the_target_as_sent_and_the_body() -> None:
    seen: list[httpx.Request] = []
    client = client_for([httpx.Response(202, headers={"Location": "/v2/provisioningjobs/abc"})], seen)
    job = client.accounts.create("exämple.com", 1, "Secret123x")
    assert job.id == "abc"
    [request] = seen
    scheme, rest = request.headers["authorization"].split(" ", 1)
    key, signature, nonce, timestamp = rest.split(":")
    assert (scheme, key) == ("hmac", "key")
    body = request.content
    assert CreateAccount("exämple.com", 1, "Secret123x") == __import__("msgspec").json.decode(
        body, type=CreateAccount
    )
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 - the API's scheme
    message = f"keypost%2Fv2%2Faccounts{timestamp}{nonce}{md5}"
    expected = base64.b64encode(hmac.new(b"secret", message.encode(), hashlib.sha256).digest()).decode()
    assert signature == expected


def test_the_query_is_signed_in_the_order_it_is_sent() -> None:
    seen: list[httpx.Request] = []
    client = client_for([httpx.Response(200, json=[], headers=PAGING)], seen)
    client.accounts.list(identifier="a b~c", skip=5, take=7)
    target = client.target(Call("GET", "/v2/accounts", params={"identifier": "a b~c", "skip": 5, "take": 7}))
    assert target == "/v2/accounts?identifier=a+b~c&skip=5&take=7"
    assert seen[0].url.raw_path.decode() == target


def test_a_base_url_with_a_path_prefix_is_signed_with_it() -> None:
    seen: list[httpx.Request] = []
    client = Client(
        "http://api.test/reseller/",
        "key",
        "secret",
        transport=fake([httpx.Response(200, content=SERVICEPACKS, headers=PAGING)], seen),
    )
    client.servicepacks.list(take=1)
    assert seen[0].url.raw_path == b"/reseller/v2/servicepacks?skip=0&take=1"
    assert client.target(Call("GET", "/v2/servicepacks")) == "/reseller/v2/servicepacks"


def test_the_sdk_imports_nothing_server_only() -> None:
    import subprocess
    import sys

    code = (
        "import sys, reseller_api.client, reseller_api.client.cli; "
        "bad = [m for m in ('litestar', 'sqlalchemy', 'alembic', 'uvicorn') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
