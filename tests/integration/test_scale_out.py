"""Scale-out against the real servers on this machine: PostgreSQL, Redis, procrastinate.

Two ``reseller-api serve`` processes on two ports share one PostgreSQL database and one
Redis; ``reseller-api worker`` processes run the jobs. Every test has its own database
and its own Redis key prefix.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from tests.harness import PG_ADMIN_DSN
from tests.integration.conftest import (
    RATE_LIMIT_HEADERS,
    STOP_TIMEOUT,
    Deployment,
    Server,
    SignedClient,
    clean_environment,
    error_code,
)

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("RESELLER_API_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
HOSTING = {"servicepack_id": 1, "ftp_password": "Secret123x"}

# A worker whose mail step says when it starts (one line per call, in a file) and then
# takes SCALE_TEST_PAUSE seconds: the test can kill it in the middle of a job.
WORKER_SCRIPT = """
import os, sys, time
from reseller_api.backends.simulated import SimulatedMail
original = SimulatedMail.ensure_mail_zone
def watched(self, domain_name):
    with open(os.environ["SCALE_TEST_MARKER"], "a") as marker:
        marker.write(f"{os.getpid()} {domain_name}\\n")
    time.sleep(float(os.environ.get("SCALE_TEST_PAUSE", "0")))
    original(self, domain_name)
SimulatedMail.ensure_mail_zone = watched
from reseller_api.cli.main import main
sys.exit(main(["worker"]))
"""


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


requires_services = pytest.mark.skipif(not _redis_up(), reason="Redis is not running on this machine")


class Worker:
    """A ``reseller-api worker`` subprocess (with the watched mail step)."""

    def __init__(self, deployment: Deployment, name: str, **env: str) -> None:
        self.stderr_path = deployment.data_dir / f"{name}.stderr.log"
        with self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WORKER_SCRIPT],
                env=deployment.env(**env),
                cwd=deployment.data_dir,
                stdout=subprocess.DEVNULL,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT * 4)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def _create_database(admin_dsn: str, host_port: str) -> tuple[str, Callable[[], None]]:
    name = f"reseller_api_scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql://postgres@{host_port}/{name}", drop


def _scale_out_deployment(data_dir: Path, database_url: str) -> Deployment:
    deployment = Deployment(
        data_dir,
        database_url,
        extra_env={
            "RESELLER_API_REDIS_URL": REDIS_URL,
            "RESELLER_API_REDIS_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
            "RESELLER_API_JOB_RUNNER": "procrastinate",
            "RESELLER_API_PROCESSES": "2",
            "RESELLER_API_DB_POOL_SIZE": "4",
            "RESELLER_API_WORKER_CONCURRENCY": "2",
        },
    )
    done = deployment.cli("migrate")
    assert done.returncode == 0, done.stderr
    return deployment


@pytest.fixture
def scale_deployment(tmp_path: Path) -> Iterator[Deployment]:
    """PostgreSQL (a fresh database on the main cluster) + Redis + procrastinate."""
    if not _redis_up():
        pytest.skip("Redis is not running on this machine")
    url, drop = _create_database(PG_ADMIN_DSN, "127.0.0.1:5432")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    try:
        yield _scale_out_deployment(data_dir, url)
    finally:
        drop()


@pytest.fixture
def workers() -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(deployment: Deployment, name: str = "worker", **env: str) -> Worker:
        worker = Worker(deployment, name, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _key(deployment: Deployment, reseller: str, rate_limit: str = "1000/minute") -> dict[str, str]:
    created: dict[str, str] = deployment.admin_json(
        "key", "create", "--reseller", reseller, "--allow-ip", "127.0.0.1", "--rate-limit", rate_limit
    )
    return created


def _wait_job(client: SignedClient, location: str, timeout: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(location)
        if response.status_code != 200 or response.json()["status"] != "ongoing":
            return response
        assert time.monotonic() < deadline, f"{location} still ongoing after {timeout}s"
        time.sleep(0.1)


def _wait_runners(server: Server, timeout: float = 30.0) -> str:
    """Wait until /metrics counts a live worker (readiness does not depend on workers)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=server.base_url, trust_env=False) as http:
        while "reseller_api_job_runners 0.0" in (metrics := http.get("/metrics").text):
            assert time.monotonic() < deadline, metrics
            time.sleep(0.2)
    assert "reseller_api_job_runners 1.0" in metrics
    return metrics


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return list(conn.execute(sql).fetchall())


# -- two API processes ---------------------------------------------------------------------


@requires_services
def test_rate_limit_and_nonces_are_shared_by_two_api_processes(
    scale_deployment: Deployment,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
) -> None:
    one, two = start_server(scale_deployment, "api-1"), start_server(scale_deployment, "api-2")
    assert one.port != two.port
    limited = _key(scale_deployment, "alice", "10/hour")
    clients = [open_client(server, limited["api_key"], limited["api_secret"]) for server in (one, two)]

    answers = [clients[n % 2].get("/v2/servicepacks") for n in range(16)]
    statuses = [r.status_code for r in answers]
    assert statuses.count(200) == 10, statuses  # exactly N across both processes
    assert statuses.count(429) == 6
    refused = [r for r in answers if r.status_code == 429]
    for response in refused:
        assert error_code(response) == "rate_limit_exceeded"
        assert response.reason_phrase == "Too many requests, retry later"
        assert all(name in response.headers for name in RATE_LIMIT_HEADERS)
        assert response.headers["x-ratelimit-limit"] == "10"
        assert response.headers["x-ratelimit-remaining"] == "0"
        assert 0 < int(response.headers["retry-after"]) <= 3600
    usages = sorted(int(r.headers["x-ratelimit-usage"]) for r in answers if r.status_code == 200)
    assert usages == list(range(1, 11))  # one counter, not one per process

    # A request captured on its way to one process is refused by the other.
    other = _key(scale_deployment, "bob")
    first = open_client(one, other["api_key"], other["api_secret"])
    replayer = open_client(two, other["api_key"], other["api_secret"])
    request = first.build("GET", "/v2/accounts")
    assert first.send(request).status_code == 200
    replay = replayer.http.build_request("GET", "/v2/accounts", headers=dict(request.headers))
    refused_replay = replayer.send(replay)
    assert refused_replay.status_code == 401
    assert error_code(refused_replay) == "authorization_nonce_reused"


@requires_services
def test_health_readiness_and_metrics(
    scale_deployment: Deployment,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
    workers: Callable[..., Worker],
) -> None:
    server = start_server(scale_deployment, "api")
    with httpx.Client(base_url=server.base_url, trust_env=False) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        # No worker yet: accepted jobs would wait, but this API process can answer, so it
        # stays in the load balancer; the missing worker shows in /metrics and `status`.
        ready = http.get("/readyz")
        assert ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}
        assert "reseller_api_job_runners 0.0" in http.get("/metrics").text
        status = scale_deployment.cli("status")
        assert status.returncode == 1, status.stdout + status.stderr
        assert "procrastinate: 0 live worker(s)" in status.stdout
        workers(scale_deployment, SCALE_TEST_MARKER=str(scale_deployment.data_dir / "calls"))
        _wait_runners(server)
        status = scale_deployment.cli("status")
        assert status.returncode == 0, status.stdout + status.stderr
        assert "procrastinate: 1 live worker(s)" in status.stdout

        key = _key(scale_deployment, "alice", "2/hour")
        client = open_client(server, key["api_key"], key["api_secret"])
        for _ in range(3):
            client.get("/v2/servicepacks")
        metrics = http.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'reseller_api_requests_total{method="GET",route="/v2/servicepacks",status="200"} 2.0' in text
    assert 'reseller_api_requests_total{method="GET",route="unmatched",status="429"} 1.0' in text
    assert 'reseller_api_rate_limit_refusals_total{limit="key"} 1.0' in text
    assert 'reseller_api_request_duration_seconds_bucket{le="0.5",route="/v2/servicepacks"}' in text
    assert 'reseller_api_jobs{status="ongoing"} 0.0' in text


# -- workers -------------------------------------------------------------------------------


@requires_services
def test_jobs_survive_a_worker_killed_mid_job_and_finish_exactly_once(
    scale_deployment: Deployment,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
    workers: Callable[..., Worker],
) -> None:
    one, two = start_server(scale_deployment, "api-1"), start_server(scale_deployment, "api-2")
    key = _key(scale_deployment, "alice")
    writer, reader = (open_client(s, key["api_key"], key["api_secret"]) for s in (one, two))
    marker = scale_deployment.data_dir / "mail-calls"
    env = {"SCALE_TEST_MARKER": str(marker)}
    doomed = workers(scale_deployment, "worker-1", SCALE_TEST_PAUSE="60", **env)

    order = writer.post("/v2/accounts", {"identifier": "killed.be", **HOSTING})
    assert order.status_code == 202
    deadline = time.monotonic() + 30
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, doomed.stderr
        time.sleep(0.05)
    doomed.kill()  # kill -9 in the middle of the job's mail step
    assert reader.get(order.headers["location"]).json()["status"] == "ongoing"

    workers(scale_deployment, "worker-2", **env)
    finished = _wait_job(reader, order.headers["location"])
    assert finished.status_code == 201, finished.text
    account = reader.get(finished.json()["resource_links"][0])
    assert account.status_code == 200

    url = scale_deployment.database_url
    assert url is not None
    calls = marker.read_text().splitlines()
    assert len(calls) == 2
    assert calls[0].split()[0] != calls[1].split()[0]  # two runs, by two workers
    world = _rows(url, "SELECT kind, name FROM simulated_objects ORDER BY kind")
    assert world == [
        ("dns_zone", "killed.be"),
        ("hosting", "killed.be"),
        ("mail_zone", "killed.be"),
        ("registry_domain", "killed.be"),  # the pack's domain asset: registered once
    ]
    assert _rows(url, "SELECT status, attempts FROM provisioning_jobs") == [("finished", 2)]
    assert _rows(url, "SELECT count(*) FROM linux_hostings") == [(1,)]
    assert _rows(url, "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'") == [(0,)]


@requires_services
def test_jobs_made_through_one_process_are_run_by_workers_elsewhere(
    scale_deployment: Deployment,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
    workers: Callable[..., Worker],
) -> None:
    server = start_server(scale_deployment, "api")
    key = _key(scale_deployment, "alice")
    client = open_client(server, key["api_key"], key["api_secret"])
    marker = scale_deployment.data_dir / "mail-calls"
    for n in (1, 2):
        workers(scale_deployment, f"worker-{n}", SCALE_TEST_MARKER=str(marker))
    locations = [
        client.post("/v2/accounts", {"identifier": f"shop{n}.be", "servicepack_id": 3}).headers["location"]
        for n in range(8)
    ]
    assert all(_wait_job(client, location).status_code == 201 for location in locations)
    pids = {line.split()[0] for line in marker.read_text().splitlines()}
    assert len(marker.read_text().splitlines()) == 8
    assert len(pids) >= 1  # both may have run some; none ran any twice


# -- PostgreSQL restarted under load --------------------------------------------------------


@pytest.fixture(scope="module")
def throwaway_cluster() -> Iterator[str]:
    """A PostgreSQL cluster of our own on a free port, so restarting it bothers nobody."""
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or os.geteuid() != 0:
        pytest.skip("needs root and Debian's pg_createcluster to make a throw-away PostgreSQL cluster")
    from tests.integration.conftest import free_port

    version, name, port = versions[-1], f"scale{uuid.uuid4().hex[:6]}", free_port()
    created = subprocess.run(
        ["pg_createcluster", version, name, "-p", str(port), "--", "--auth=trust"],
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0:
        pytest.skip(f"pg_createcluster failed: {created.stderr.strip()}")
    try:
        _pg_ctl(version, name, "start")
        yield f"{version} {name} {port}"
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True, check=False)


def _pg_ctl(version: str, name: str, action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action],
        check=True,
        capture_output=True,
        env=clean_environment(),
    )


@contextlib.contextmanager
def on_throwaway_cluster(
    cluster: str, tmp_path: Path, start_server: Callable[..., Server], workers: Callable[..., Worker]
) -> Iterator[tuple[Deployment, Server]]:
    """A deployment on the throw-away cluster, with one API process and one worker.

    Both are stopped before the database is dropped (a worker would wait for it).
    """
    _, _, port = cluster.split()
    url, drop = _create_database(f"postgresql://postgres@127.0.0.1:{port}/postgres", f"127.0.0.1:{port}")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    deployment = _scale_out_deployment(data_dir, url)
    running: list[Server | Worker] = []
    try:
        server = start_server(deployment, "api")
        running += [server, workers(deployment, SCALE_TEST_MARKER=str(data_dir / "calls"))]
        yield deployment, server
    finally:
        for process in running:
            process.stop()
        drop()


@requires_services
def test_postgresql_restart_under_load_is_503_then_resumes_with_nothing_lost(
    throwaway_cluster: str,
    tmp_path: Path,
    start_server: Callable[..., Server],
    open_client: Callable[..., SignedClient],
    workers: Callable[..., Worker],
) -> None:
    version, name, _ = throwaway_cluster.split()
    with on_throwaway_cluster(throwaway_cluster, tmp_path, start_server, workers) as (deployment, server):
        _wait_runners(server)  # the worker is up and beating
        key = _key(deployment, "alice", "100000/hour")
        client = open_client(server, key["api_key"], key["api_secret"])
        accepted = [  # orders in flight when the database goes away
            client.post("/v2/accounts", {"identifier": f"before{n}.be", "servicepack_id": 3}).headers[
                "location"
            ]
            for n in range(3)
        ]
        outage: list[httpx.Response] = []
        _pg_ctl(version, name, "stop")  # fast shutdown: every connection is cut
        try:
            for n in range(5):
                response = client.post("/v2/accounts", {"identifier": f"down{n}.be", "servicepack_id": 3})
                outage.append(response)
                if response.status_code == 202:
                    accepted.append(response.headers["location"])
        finally:
            _pg_ctl(version, name, "start")
        assert outage, "no request was made during the outage"
        for response in outage:
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/json")
            assert error_code(response) == "service_unavailable"
        # Service resumes by itself: the pool reconnects, the worker too.
        deadline = time.monotonic() + 60
        while True:
            response = client.post("/v2/accounts", {"identifier": "back.be", "servicepack_id": 3})
            if response.status_code == 202:
                accepted.append(response.headers["location"])
                break
            assert response.status_code == 503, response.text
            assert time.monotonic() < deadline, "service did not resume after the restart"
            time.sleep(0.5)
        for n in range(5):
            response = client.post("/v2/accounts", {"identifier": f"up{n}.be", "servicepack_id": 3})
            assert response.status_code == 202, response.text
            accepted.append(response.headers["location"])
        for location in accepted:  # nothing accepted is lost
            assert _wait_job(client, location, timeout=90).status_code == 201
        with httpx.Client(base_url=server.base_url, trust_env=False) as http:
            assert http.get("/readyz").status_code == 200


def test_settings_refuse_procrastinate_on_sqlite(tmp_path: Path) -> None:
    done = Deployment(tmp_path, extra_env={"RESELLER_API_JOB_RUNNER": "procrastinate"}).cli("migrate")
    assert done.returncode == 2
    assert "RESELLER_API_JOB_RUNNER=procrastinate needs PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
