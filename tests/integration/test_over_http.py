"""The API over a real socket, against one shared ``reseller-api serve`` process."""

from __future__ import annotations

import json
import re
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from reseller_api.client.signing import authorization_header
from tests.integration.conftest import (
    RATE_LIMIT_HEADERS,
    Deployment,
    Server,
    SignedClient,
    error_code,
)

pytestmark = pytest.mark.integration

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
JOB_LOCATION = re.compile(r"^/v2/provisioningjobs/([0-9a-f-]{36})$")
ACCOUNT_LINK = re.compile(r"^/v2/accounts/(\d+)$")


def new_key(deployment: Deployment, reseller: str, *extra: str) -> dict[str, str]:
    created = deployment.admin_json(
        "key", "create", "--reseller", reseller, "--allow-ip", "127.0.0.1", *extra
    )
    assert set(created) == {"reseller", "api_key", "api_secret"}, created
    assert created["reseller"] == reseller
    return dict(created)


@pytest.fixture
def acme(shared_deployment: Deployment, shared_server: Server) -> Iterator[SignedClient]:
    created = new_key(shared_deployment, f"acme-{uuid.uuid4().hex[:8]}")
    client = shared_server.client(created["api_key"], created["api_secret"])
    yield client
    client.close()


def test_provisioning_scenario(acme: SignedClient, shared_server: Server) -> None:
    order = {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
    posted_at = time.time()
    accepted = acme.post("/v2/accounts", order)
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["location"]
    match = JOB_LOCATION.fullmatch(location)
    assert match, f"Location must be a relative job path, got {location!r}"
    job_id = match[1]
    assert str(uuid.UUID(job_id)) == job_id

    ongoing = acme.get(location)
    assert ongoing.status_code == 200, ongoing.text
    body = ongoing.json()
    assert set(body) == {"id", "status", "completion"}, body
    assert body["id"] == job_id
    assert body["status"] == "ongoing"
    assert set(body["completion"]) == {"estimate"}
    estimate = body["completion"]["estimate"]
    assert ISO_Z.fullmatch(estimate), estimate
    when = datetime.fromisoformat(estimate).replace(tzinfo=UTC).timestamp()
    assert posted_at - 1 <= when <= posted_at + 60, (estimate, posted_at)

    deadline = time.monotonic() + 15
    while (done := acme.get(location)).status_code == 200:
        assert done.json()["status"] == "ongoing", done.text
        assert time.monotonic() < deadline, "job still ongoing after 15 s"
        time.sleep(0.1)
    assert done.status_code == 201, done.text
    finished = done.json()
    assert set(finished) == {"id", "resource_links"}, finished
    assert finished["id"] == job_id
    assert len(finished["resource_links"]) == 1
    link = finished["resource_links"][0]
    link_match = ACCOUNT_LINK.fullmatch(link)
    assert link_match, link
    assert done.headers["location"] == link
    account_id = int(link_match[1])

    account = acme.get(link)
    assert account.status_code == 200, account.text
    detail = account.json()
    assert set(detail) == {"id", "identifier", "servicepack", "addons"}, detail
    assert detail["id"] == account_id
    assert detail["identifier"] == "example.com"
    assert detail["servicepack"]["id"] == 1
    assert isinstance(detail["servicepack"]["name"], str)
    assert detail["servicepack"]["name"]
    assert detail["addons"] == []

    listed = acme.get("/v2/accounts")
    assert listed.status_code == 200, listed.text
    assert listed.json() == [{"id": account_id, "identifier": "example.com", "servicepack_id": 1}]
    assert listed.headers["x-paging-skipped"] == "0"
    assert listed.headers["x-paging-take"] == "1"
    assert listed.headers["x-paging-totalresults"] == "1"

    missing = acme.get(f"/v2/provisioningjobs/{uuid.uuid4()}")
    assert missing.status_code == 404, missing.text
    assert error_code(missing) == "not_found"

    # Every response, 2xx and 4xx alike, carries the four rate-limit headers, counting up.
    usages = []
    for response in acme.responses:
        for header in RATE_LIMIT_HEADERS:
            assert header in response.headers, (
                response.request.url,
                header,
                dict(response.headers),
            )
        limit = int(response.headers["x-ratelimit-limit"])
        usage = int(response.headers["x-ratelimit-usage"])
        assert limit == 1000
        assert usage + int(response.headers["x-ratelimit-remaining"]) == limit
        assert int(response.headers["x-ratelimit-reset"]) >= 0
        usages.append(usage)
    assert usages == list(range(1, len(acme.responses) + 1))

    # The FTP password (or its hash) never reaches the server's log.
    assert "Secret123x" not in shared_server.stderr
    assert "$argon2" not in shared_server.stderr


def test_rate_limit_reset_never_exceeds_the_window(acme: SignedClient) -> None:
    first = acme.get("/v2/servicepacks")  # the first hit of this key opens its 1-minute window
    assert first.status_code == 200, first.text
    assert int(first.headers["x-ratelimit-reset"]) <= 60, dict(first.headers)


def raw_request(
    server: Server, method: str, target: str, authorization: str
) -> tuple[str, dict[str, str], bytes]:
    """One request on a plain socket: the status line exactly as sent, headers, body."""
    request = (
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: {authorization}\r\nConnection: close\r\n\r\n"
    ).encode()
    chunks = []
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status_line, headers, body


def test_rate_limit_over_the_wire(shared_deployment: Deployment, shared_server: Server) -> None:
    created = new_key(shared_deployment, f"limited-{uuid.uuid4().hex[:8]}", "--rate-limit", "3/minute")
    listed = shared_deployment.admin_json("key", "list")
    assert [k["rate_limit"] for k in listed if k["api_key"] == created["api_key"]] == ["3/minute"]

    with shared_server.client(created["api_key"], created["api_secret"]) as client:
        for remaining in (2, 1, 0):
            passed = client.get("/v2/servicepacks")
            assert passed.status_code == 200, passed.text
            assert passed.headers["x-ratelimit-limit"] == "3"
            assert passed.headers["x-ratelimit-remaining"] == str(remaining)
            assert "retry-after" not in passed.headers

        auth = authorization_header(created["api_key"], created["api_secret"], "GET", "/v2/servicepacks")
        status_line, headers, body = raw_request(shared_server, "GET", "/v2/servicepacks", auth)
        assert status_line == "HTTP/1.1 429 Too many requests, retry later"
        assert json.loads(body)["error_code"] == "rate_limit_exceeded"
        assert headers["content-type"].startswith("application/json")
        assert headers["retry-after"] == headers["x-ratelimit-reset"]
        assert 1 <= int(headers["retry-after"]) <= 60
        assert headers["x-ratelimit-remaining"] == "0"
        assert headers["x-ratelimit-limit"] == "3"

        refused = client.get("/v2/servicepacks")
        assert refused.status_code == 429, refused.text
        assert refused.reason_phrase == "Too many requests, retry later"
        assert error_code(refused) == "rate_limit_exceeded"
        assert refused.headers["retry-after"] == refused.headers["x-ratelimit-reset"]
        assert refused.headers["x-ratelimit-remaining"] == "0"


def test_a_replayed_request_is_refused(acme: SignedClient) -> None:
    request = acme.build("GET", "/v2/servicepacks")
    first = acme.send(request)
    assert first.status_code == 200, first.text
    replay = acme.send(request)
    assert replay.status_code == 401, replay.text
    assert error_code(replay) == "authorization_nonce_reused"
    fresh = acme.get("/v2/servicepacks")
    assert fresh.status_code == 200, "the same key with a fresh nonce still works"


def test_the_same_signed_post_twice_creates_nothing_twice(acme: SignedClient) -> None:
    request = acme.build(
        "POST",
        "/v2/accounts",
        {"identifier": "replay.example", "servicepack_id": 1, "ftp_password": "Secret123x"},
    )
    first = acme.send(request)
    assert first.status_code == 202, first.text
    second = acme.send(request)
    assert second.status_code == 401, second.text
    assert error_code(second) == "authorization_nonce_reused"


def test_unsigned_and_badly_signed_requests(acme: SignedClient, shared_server: Server) -> None:
    with httpx.Client(base_url=shared_server.base_url, trust_env=False, timeout=10) as http:
        unsigned = http.get("/v2/servicepacks")
        assert unsigned.status_code == 401
        assert error_code(unsigned) == "authorization_header_missing"
        forged = authorization_header(acme.api_key, "not-the-secret", "GET", "/v2/servicepacks")
        wrong = http.get("/v2/servicepacks", headers={"Authorization": forged})
        assert wrong.status_code == 401
        assert error_code(wrong) == "authorization_hmac_invalid"
        docs = http.get("/v2/openapi.json")
        assert docs.status_code == 200
