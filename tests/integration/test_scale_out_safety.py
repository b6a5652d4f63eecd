"""What the fast production path must keep, against the real servers (issue 16's last paragraph).

Two ``reseller-api serve`` processes on PostgreSQL + Redis: a replayed nonce is refused by
every process, the rate limit is global and exact under concurrent load, a revoked key is
refused at once by every process, and Redis or PostgreSQL going away answers 503 with
``Retry-After``, then service resumes by itself when it is back. The hot read (``GET
/v2/accounts/{id}``, asyncpg) and the Redis script (nonce + limit in one round trip) are
what these exercise.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import Deployment, Server, SignedClient, error_code, free_port
from tests.integration.test_scale_out import (
    Worker,
    _key,
    _pg_ctl,
    _wait_job,
    on_throwaway_cluster,
    requires_services,
    throwaway_cluster,  # noqa: F401 - a fixture this module uses too
)
from tests.integration.test_scale_out import scale_deployment as scale_deployment
from tests.integration.test_scale_out import workers as workers

pytestmark = pytest.mark.integration


def _account(deployment: Deployment, client: SignedClient) -> str:
    """A provisioned account's path (a worker runs the job)."""
    order = client.post("/v2/accounts", {"identifier": f"safe{time.monotonic_ns()}.be", "servicepack_id": 3})
    assert order.status_code == 202, order.text
    finished = _wait_job(client, order.headers["location"])
    assert finished.status_code == 201, finished.text
    return str(finished.json()["resource_links"][0])


def _two_processes(
    deployment: Deployment,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
    workers: Callable[..., Worker],
) -> tuple[list[SignedClient], str, dict[str, str]]:
    """Two API processes and a worker; a client of one key on each, and a provisioned account."""
    servers = [start_server(deployment, "api-1"), start_server(deployment, "api-2")]
    workers(deployment, SCALE_TEST_MARKER=str(deployment.data_dir / "calls"))
    key = _key(deployment, "alice")
    clients = [open_client(server, key["api_key"], key["api_secret"]) for server in servers]
    return clients, _account(deployment, clients[0]), key


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert error_code(response) == "service_unavailable"
    assert int(response.headers["retry-after"]) > 0


@requires_services
def test_a_replayed_hot_read_is_refused_by_every_process(
    scale_deployment: Deployment,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
    workers: Callable[..., Worker],
) -> None:
    (first, other), account, _ = _two_processes(scale_deployment, start_server, open_client, workers)
    request = first.build("GET", account)
    assert first.send(request).status_code == 200
    for client in (first, other):  # the same bytes, to the process that served it and to another
        replay = client.send(client.http.build_request("GET", account, headers=dict(request.headers)))
        assert replay.status_code == 401
        assert error_code(replay) == "authorization_nonce_reused"


@requires_services
def test_the_rate_limit_is_exact_under_concurrent_load_on_two_processes(
    scale_deployment: Deployment,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
) -> None:
    one, two = start_server(scale_deployment, "api-1"), start_server(scale_deployment, "api-2")
    key = _key(scale_deployment, "alice", "25/hour")
    clients = [open_client(s, key["api_key"], key["api_secret"]) for s in (one, two)]
    requests = [clients[n % 2].build("GET", "/v2/servicepacks") for n in range(60)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda n: clients[n % 2].http.send(requests[n]), range(60)))
    statuses = [r.status_code for r in answers]
    assert statuses.count(200) == 25, statuses
    assert statuses.count(429) == 35, statuses
    usages = sorted(int(r.headers["x-ratelimit-usage"]) for r in answers if r.status_code == 200)
    assert usages == list(range(1, 26))  # one counter, each request its own count


@requires_services
def test_a_revoked_key_is_refused_at_once_by_every_process(
    scale_deployment: Deployment,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
    workers: Callable[..., Worker],
) -> None:
    clients, account, key = _two_processes(scale_deployment, start_server, open_client, workers)
    for client in clients:  # both processes have the key cached
        for _ in range(20):
            assert client.get(account).status_code == 200
    scale_deployment.admin("key", "revoke", key["api_key"])  # a third process
    for client in clients:
        refused = client.get(account)
        assert refused.status_code == 401, refused.text
        assert error_code(refused) == "authorization_api_key_invalid"


# -- Redis going away --------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own on a free port (the machine's Redis is shared: never stopped)."""

    def __init__(self, directory: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.binary is not None
        argv = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(
            [*argv, "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True, check=False
            ).stdout.strip()
            != "PONG"
        ):
            assert time.monotonic() < deadline, "the private redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)  # gone at once, as a crash
            self.process.wait()
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@requires_services
def test_redis_going_away_is_503_with_retry_after_then_resumes_by_itself(
    scale_deployment: Deployment,
    private_redis: PrivateRedis,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
    workers: Callable[..., Worker],
) -> None:
    scale_deployment.extra_env["RESELLER_API_REDIS_URL"] = private_redis.url
    server = start_server(scale_deployment, "api")
    workers(scale_deployment, SCALE_TEST_MARKER=str(scale_deployment.data_dir / "calls"))
    key = _key(scale_deployment, "alice", "100000/hour")
    client = open_client(server, key["api_key"], key["api_secret"])
    account = _account(scale_deployment, client)
    assert client.get(account).status_code == 200

    private_redis.stop()
    for _ in range(3):
        _assert_unavailable(client.get(account))

    private_redis.start()  # an empty Redis on the same address: nothing of ours survived
    deadline = time.monotonic() + 30
    while (response := client.get(account)).status_code != 200:
        _assert_unavailable(response)
        assert time.monotonic() < deadline, "service did not resume after Redis came back"
        time.sleep(0.2)
    assert client.get("/v2/servicepacks").status_code == 200
    assert "Traceback" not in server.stderr


# -- PostgreSQL going away -----------------------------------------------------------------------


@requires_services
def test_postgresql_going_away_is_503_on_the_hot_read_then_resumes_by_itself(
    throwaway_cluster: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
    workers: Callable[..., Worker],
) -> None:
    version, name, _ = throwaway_cluster.split()
    with on_throwaway_cluster(throwaway_cluster, tmp_path, start_server, workers) as (deployment, server):
        key = _key(deployment, "alice", "100000/hour")
        client = open_client(server, key["api_key"], key["api_secret"])
        account = _account(deployment, client)
        for _ in range(10):  # the async read connections are open and warm
            assert client.get(account).status_code == 200

        _pg_ctl(version, name, "stop")  # fast shutdown: every connection is cut
        try:
            for _ in range(3):
                _assert_unavailable(client.get(account))
        finally:
            _pg_ctl(version, name, "start")

        deadline = time.monotonic() + 60
        while (response := client.get(account)).status_code != 200:
            _assert_unavailable(response)
            assert time.monotonic() < deadline, "service did not resume after PostgreSQL came back"
            time.sleep(0.2)
        for _ in range(10):
            assert client.get(account).status_code == 200
