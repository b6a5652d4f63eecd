"""SDK clients driving the app in-process (its lifespan, hence the job runner, runs for the test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient, TestClient

from reseller_api.client import AsyncClient, Client
from reseller_api.credentials.service import CredentialsService
from tests.harness import ClientAddress, DatabaseFactory
from tests.integration.conftest import Deployment, Server, _prepare

BASE_URL = "http://testserver.local"


class Through(httpx.BaseTransport):
    """Hands the SDK's requests, untouched, to the test's in-process client (one app, one lifespan)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # A transport never follows redirects: the SDK sees the 303 (a redirect needs a new signature).
        response = self.client.send(request, follow_redirects=False)
        return httpx.Response(response.status_code, headers=response.headers, content=response.read())


class AsyncThrough(httpx.AsyncBaseTransport):
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.client.send(request, follow_redirects=False)
        return httpx.Response(response.status_code, headers=response.headers, content=await response.aread())


def make_client(
    test_client: TestClient[Any], credentials: CredentialsService, reseller: str, **kw: Any
) -> Client:
    created = credentials.create_key(reseller, ["127.0.0.1"], rate_limit=kw.pop("rate_limit", None))
    return Client(BASE_URL, created.api_key, created.api_secret, transport=Through(test_client), **kw)


@pytest.fixture
def sdk(test_client: TestClient[Any], credentials: CredentialsService) -> Iterator[Client]:
    """The SDK as reseller alice."""
    with make_client(test_client, credentials, "alice") as client:
        yield client


@pytest.fixture
def other_sdk(test_client: TestClient[Any], credentials: CredentialsService) -> Iterator[Client]:
    """The SDK as reseller bob, who must never see alice's things."""
    with make_client(test_client, credentials, "bob") as client:
        yield client


@pytest.fixture
async def async_sdk(app: Any, credentials: CredentialsService) -> AsyncIterator[AsyncClient]:
    """The async SDK as alice, on the test's own event loop."""
    created = credentials.create_key("alice", ["127.0.0.1"])
    async with AsyncTestClient(ClientAddress(app), base_url=BASE_URL) as test_client:  # type: ignore[arg-type]
        transport = AsyncThrough(test_client)
        async with AsyncClient(BASE_URL, created.api_key, created.api_secret, transport=transport) as client:
            yield client


# -- a real `reseller-api serve` over TCP ---------------------------------------------------


@pytest.fixture
def served(tmp_path: Path, db_factory: DatabaseFactory) -> Iterator[tuple[Deployment, Server]]:
    """A fresh deployment and a real server process on it (stopped at teardown)."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    deployment = _prepare(db_factory, data_dir)
    server = Server(deployment, "sdk")
    try:
        server.wait_ready()
        yield deployment, server
    finally:
        server.stop()


def tcp_client(deployment: Deployment, server: Server, reseller: str, *extra: str, **kw: Any) -> Client:
    created = deployment.admin_json(
        "key", "create", "--reseller", reseller, "--allow-ip", "127.0.0.1", *extra
    )
    return Client(server.base_url, created["api_key"], created["api_secret"], **kw)


@pytest.fixture(params=["app", "tcp"])
def pair(
    request: pytest.FixtureRequest, test_client: TestClient[Any], credentials: CredentialsService
) -> Iterator[tuple[Client, Client]]:
    """Alice's and bob's SDK clients: in-process, then against a real server over TCP."""
    if request.param == "app":
        clients = (
            make_client(test_client, credentials, "alice"),
            make_client(test_client, credentials, "bob"),
        )
    else:
        deployment, server = request.getfixturevalue("served")
        clients = (tcp_client(deployment, server, "alice"), tcp_client(deployment, server, "bob"))
    yield clients
    for client in clients:
        client.close()
