"""Clients that hold on to the server: idle, slow, oversized, too many, keyless bodies.

Real sockets against a real ``reseller-api serve``, with short deadlines set through the
documented settings. Each test says how long the server may take to cut the client off:
the configured time, plus slack for a loaded machine, never the client's goodwill.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from reseller_api.client.signing import authorization_header
from tests.integration.conftest import Deployment, Server

pytestmark = pytest.mark.integration

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.5
KEEP_ALIVE = 1.0
MAX_CONNECTIONS = 40
SLACK = 3.0  # a loaded two-core machine schedules the server late


@pytest.fixture(scope="module")
def guarded(shared_deployment: Deployment) -> Iterator[Server]:
    server = Server(
        shared_deployment,
        "guarded",
        RESELLER_API_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        RESELLER_API_BODY_TIMEOUT=str(BODY_TIMEOUT),
        RESELLER_API_KEEP_ALIVE_TIMEOUT=str(KEEP_ALIVE),
        RESELLER_API_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
    )
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def read_until_closed(sock: socket.socket, limit: float) -> tuple[float, bytes]:
    """Everything the server sends until it closes; how long that took (fails past ``limit``)."""
    started = time.monotonic()
    sock.settimeout(limit)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        pytest.fail(f"still open after {limit:.1f}s; received {received[:200]!r}")
    except ConnectionResetError:
        pass
    return time.monotonic() - started, received


def trickle(sock: socket.socket, data: bytes, *, every: float, deadline: float) -> tuple[float, bytes]:
    """Send ``data`` a byte every ``every`` seconds until the server cuts us off: how long, and its answer."""
    started = time.monotonic()
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(every)
        if time.monotonic() - started > deadline + SLACK:
            pytest.fail(f"the server still reads what arrives a byte every {every}s")
    _, received = read_until_closed(sock, SLACK)
    return time.monotonic() - started, received


def status_of(received: bytes) -> int:
    return int(received.split(b" ", 2)[1])


def error_code(received: bytes) -> str:
    return str(json.loads(received.partition(b"\r\n\r\n")[2])["error_code"])


def test_a_connection_that_never_sends_a_request_is_closed(guarded: Server) -> None:
    with connect(guarded) as sock:
        took, received = read_until_closed(sock, KEEP_ALIVE + SLACK)
    assert received == b""
    assert took >= KEEP_ALIVE - 0.1


def test_an_idle_connection_after_a_response_is_closed(guarded: Server) -> None:
    with connect(guarded) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        took, received = read_until_closed(sock, KEEP_ALIVE + SLACK)
    assert status_of(received) == 200
    assert took >= KEEP_ALIVE - 0.1


def test_headers_sent_a_byte_at_a_time_are_cut_off(guarded: Server) -> None:
    """Slowloris: steady progress does not buy time; the headers have their deadline."""
    request = b"GET /v2/servicepacks HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200
    with connect(guarded) as sock:
        took, received = trickle(sock, request, every=0.05, deadline=HEADER_TIMEOUT)
    assert status_of(received) == 408
    assert error_code(received) == "request_timeout"
    assert took >= HEADER_TIMEOUT - 0.1


def test_a_signed_request_whose_body_trickles_in_is_cut_off(
    guarded: Server, shared_deployment: Deployment
) -> None:
    creds = shared_deployment.bootstrap_credentials()
    body = json.dumps(
        {"identifier": "slow.example", "servicepack_id": 1, "ftp_password": "Secret123x"}
    ).encode()
    auth = authorization_header(creds["api_key"], creds["api_secret"], "POST", "/v2/accounts", body)
    head = (
        f"POST /v2/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with connect(guarded) as sock:
        sock.sendall(head + body[:10])
        took, received = trickle(sock, body[10:-1], every=0.2, deadline=BODY_TIMEOUT)
    assert status_of(received) == 408
    assert error_code(received) == "request_timeout"
    assert took >= BODY_TIMEOUT - 0.1
    # Nothing was ordered.
    with guarded.client(creds["api_key"], creds["api_secret"]) as client:
        assert client.get("/v2/accounts?identifier=slow.example").json() == []


def test_headers_without_end_are_refused(guarded: Server) -> None:
    with connect(guarded) as sock:
        sock.sendall(b"GET /v2/servicepacks HTTP/1.1\r\nHost: x\r\n")
        try:
            for _ in range(100):
                sock.sendall(b"X-Padding: " + b"a" * 1000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        _, received = read_until_closed(sock, SLACK)
    assert status_of(received) == 431
    assert error_code(received) == "request_headers_too_large"


def test_past_the_connection_cap_requests_get_a_clear_503(guarded: Server) -> None:
    held = [connect(guarded) for _ in range(MAX_CONNECTIONS + 5)]
    try:
        time.sleep(0.3)  # the server has accepted them all
        with httpx.Client(base_url=guarded.base_url, trust_env=False, timeout=10) as http:
            busy = http.get("/healthz")
        assert busy.status_code == 503
        assert busy.json()["error_code"] == "service_unavailable"
        assert busy.headers["retry-after"] == "1"
    finally:
        for sock in held:
            sock.close()
    # Once the idle connections are gone, everyone is served again.
    deadline = time.monotonic() + KEEP_ALIVE + SLACK
    while True:
        with httpx.Client(base_url=guarded.base_url, trust_env=False, timeout=10) as http:
            if http.get("/healthz").status_code == 200:
                break
        assert time.monotonic() < deadline, "still refusing after the held connections closed"
        time.sleep(0.1)


def rss_kib(server: Server) -> int:
    status = Path(f"/proc/{server.pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0])


def test_keyless_bodies_are_never_buffered(guarded: Server) -> None:
    """Many clients announce 1 MiB bodies without a key: refused on their headers, unread.

    They send all but the last byte, so a server reading bodies before checking the key
    would hold every one of them at once.
    """
    size = 1_048_576
    head = (
        "POST /v2/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    chunk = b" " * 65536
    with httpx.Client(base_url=guarded.base_url, trust_env=False, timeout=10) as http:
        assert http.get("/v2/openapi.json").status_code == 200  # warm
    before = rss_kib(guarded)
    senders = [connect(guarded) for _ in range(MAX_CONNECTIONS - 5)]
    try:
        answers = []
        for sock in senders:
            sock.settimeout(2)
            sent = 0
            try:
                sock.sendall(head)
                while sent < size - 1:
                    part = chunk[: min(len(chunk), size - 1 - sent)]
                    sock.sendall(part)
                    sent += len(part)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                pass  # refused and closed: the rest is never read
            answers.append(sock)
        # The kernel took the bytes at once; give the server time to read what it would.
        peak = before
        for _ in range(20):
            time.sleep(0.1)
            peak = max(peak, rss_kib(guarded))
        grown_mib = (peak - before) / 1024
        assert grown_mib < 16, f"the server grew {grown_mib:.0f} MiB holding keyless bodies"
        statuses = []
        for sock in answers:
            _, received = read_until_closed(sock, SLACK)
            statuses.append(status_of(received) if received else None)
    finally:
        for sock in senders:
            sock.close()
    assert set(statuses) <= {401, None}, statuses
    assert statuses.count(401) >= len(statuses) // 2, statuses


def test_idle_sockets_cannot_lock_legitimate_clients_out(
    deployment: Deployment, start_server: Callable[..., Server]
) -> None:
    """300 idle sockets against 256 open files: they are closed, and a real client gets in."""
    server = start_server(
        deployment, "few-files", open_files=256, RESELLER_API_KEEP_ALIVE_TIMEOUT=str(KEEP_ALIVE)
    )
    idle = [connect(server) for _ in range(300)]
    try:
        deadline = time.monotonic() + KEEP_ALIVE + 2 * SLACK
        while True:
            try:
                with httpx.Client(base_url=server.base_url, trust_env=False, timeout=1) as http:
                    if http.get("/healthz").status_code == 200:
                        break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "a legitimate client is still locked out"
    finally:
        for sock in idle:
            sock.close()
    assert "open-file limit (256)" in server.stderr
    assert "Traceback" not in server.stderr
