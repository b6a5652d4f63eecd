"""Header names on the real wire, as the vendor sends them, through ``reseller-api serve`` (uvicorn).

uvicorn's HTTP/1.1 protocol lowercases every header name the app gives it; the in-process
client reads names case-insensitively. So this reads the server's bytes off a plain socket:
``Location``, ``Content-Type``, ``Content-Length``, ``Retry-After``, ``Date`` capitalised,
``x-ratelimit-*`` and ``x-paging-*`` lowercase, bodies still framed right (two requests on one
keep-alive connection), and no ``Content-Type`` nor ``Content-Length`` on a 204.
"""

from __future__ import annotations

import json
import socket
import time
import uuid

import pytest

from reseller_api.client.signing import authorization_header
from tests.integration.conftest import Deployment, Server
from tests.integration.test_over_http import new_key

pytestmark = pytest.mark.integration


class Connection:
    """One keep-alive HTTP/1.1 connection, read byte for byte."""

    def __init__(self, server: Server, api_key: str, api_secret: str) -> None:
        self.server = server
        self.api_key = api_key
        self.api_secret = api_secret
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "the server closed the connection"
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def _read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            assert chunk, "the server closed the connection"
            self.buffer += chunk
        body, self.buffer = self.buffer[:size], self.buffer[size:]
        return body

    def request(
        self, method: str, target: str, body: object = None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, header lines as sent, body framed by the answer's own Content-Length)."""
        content = b"" if body is None else json.dumps(body).encode()
        auth = authorization_header(self.api_key, self.api_secret, method, target, content)
        head = (
            f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{self.server.port}\r\nAuthorization: {auth}\r\n"
        )
        if content:
            head += f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + content)
        status_line, *lines = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        headers = [(name, value.strip()) for name, _, value in (line.partition(":") for line in lines)]
        length = [int(value) for name, value in headers if name.lower() == "content-length"]
        assert not any(name.lower() == "transfer-encoding" for name, _ in headers), headers
        return int(status_line.split()[1]), headers, self._read(length[0] if length else 0)


def test_header_names_reach_the_wire_as_the_vendor_sends_them(
    shared_deployment: Deployment, shared_server: Server
) -> None:
    created = new_key(shared_deployment, f"wire-{uuid.uuid4().hex[:8]}")
    wire = Connection(shared_server, created["api_key"], created["api_secret"])
    try:
        order = {"identifier": f"wire-{uuid.uuid4().hex[:8]}.com", "servicepack_id": 4}
        status, headers, body = wire.request("POST", "/v2/accounts", order)
        assert status == 202, body
        names = [name for name, _ in headers]
        assert {"Location", "Retry-After", "Content-Length", "Date"} <= set(names), names
        assert {
            "x-ratelimit-limit",
            "x-ratelimit-usage",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        } <= set(names)
        assert ("Content-Length", "0") in headers
        assert "Content-Type" not in names
        assert not [n for n in names if n.lower() in ("location", "date") and n != n.capitalize()]

        # The same connection: the 202 was framed right, and a JSON list is too.
        status, headers, body = wire.request("GET", "/v2/accounts?skip=0&take=5")
        assert status == 200
        assert ("Content-Type", "application/json; charset=utf-8") in headers
        names = [name for name, _ in headers]
        assert {"x-paging-skipped", "x-paging-take", "x-paging-totalresults", "Content-Length"} <= set(names)
        assert isinstance(json.loads(body), list)  # exactly Content-Length bytes: valid JSON

        status, headers, body = wire.request("GET", "/v2/accounts/2147483000")  # an error, cased the same
        assert status == 404
        assert ("Content-Type", "application/json; charset=utf-8") in headers
        assert json.loads(body)["error_code"]
    finally:
        wire.close()


def test_a_204_has_neither_content_type_nor_content_length(
    shared_deployment: Deployment, shared_server: Server
) -> None:
    created = new_key(shared_deployment, f"wire-{uuid.uuid4().hex[:8]}")
    wire = Connection(shared_server, created["api_key"], created["api_secret"])
    try:
        name = f"wire-{uuid.uuid4().hex[:8]}.be"
        status, headers, _ = wire.request("POST", "/v2/domains/registrations", {"domain_name": name})
        assert status == 202
        job = dict(headers)["Location"]
        for _ in range(200):
            status, headers, body = wire.request("GET", job)
            if status != 200:
                break
            time.sleep(0.05)
        assert status == 201, body
        status, headers, body = wire.request("PUT", f"/v2/domains/{name}/renew", {"will_renew": False})
        assert status == 204, body
        names = {n.lower() for n, _ in headers}
        assert not names & {"content-type", "content-length", "transfer-encoding"}, headers
        assert "Date" in {n for n, _ in headers}
        # Still framed right: the connection serves the next request.
        assert wire.request("GET", "/v2/servicepacks")[0] == 200
    finally:
        wire.close()
