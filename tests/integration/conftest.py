"""Real ``reseller-api`` processes on real ports, talked to over real HTTP.

Every server runs as a subprocess with its own data directory (and so its own generated
0600 ``secret.key``); SQLite lives under that directory, or with ``--db postgresql`` the
run's PostgreSQL database is reset before the server starts. Each process writes its
stderr to a file so that tests can assert on what an operator would see.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from reseller_api.client.signing import authorization_header
from reseller_api.settings import normalise_database_url
from reseller_api.store.database import Database
from tests.harness import DatabaseFactory
from tests.integration.pebble import Pebble, running_pebble

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
CLI_TIMEOUT = 60.0
_SCRIPT = Path(sys.executable).with_name("reseller-api")
# The installed console script when there is one (it is what operators run), else the module.
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "reseller_api.cli.main"]
RATE_LIMIT_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-usage",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
)


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _limit_open_files(count: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))


def clean_environment() -> dict[str, str]:
    """Our environment without any RESELLER_API_* variable (a developer's own settings stay out)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESELLER_API_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Deployment:
    """One data directory (and database): what a server and the admin CLI share."""

    data_dir: Path
    database_url: str | None = None  # None: the default SQLite file under data_dir
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def bootstrap_file(self) -> Path:
        return self.data_dir / "bootstrap-credentials.json"

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret.key"

    def env(self, **overrides: str) -> dict[str, str]:
        env = clean_environment()
        env["RESELLER_API_DATA_DIR"] = str(self.data_dir)
        env["RESELLER_API_JOB_DURATION"] = "0.3"
        if self.database_url is not None:
            env["RESELLER_API_DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run ``reseller-api ARGS`` to completion, capturing stdout and stderr."""
        return subprocess.run(
            [*COMMAND, *args],
            env=self.env(**env),
            cwd=self.data_dir,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )

    def admin(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``reseller-api admin ARGS``; it must succeed without a traceback."""
        done = self.cli("admin", *args)
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"admin {' '.join(args)} exited {done.returncode}:\n{output}"
        assert "Traceback" not in output, output
        return done

    def admin_json(self, *args: str) -> Any:
        """Run ``reseller-api admin ARGS --json``; stdout must be exactly one JSON document."""
        return json.loads(self.admin(*args, "--json").stdout)

    def bootstrap_credentials(self) -> dict[str, str]:
        return dict(json.loads(self.bootstrap_file.read_text()))

    @contextmanager
    def database(self) -> Iterator[Database]:
        """The deployment's database, opened in the test process."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'reseller-api.db'}"
        database = Database(normalise_database_url(url), pool_size=2)
        try:
            yield database
        finally:
            database.dispose()


class Server:
    """A running ``reseller-api serve`` subprocess."""

    def __init__(
        self,
        deployment: Deployment,
        name: str,
        *,
        command: list[str] | None = None,
        port: int | None = None,
        open_files: int | None = None,
        **env: str,
    ) -> None:
        """``open_files``: the process's RLIMIT_NOFILE (soft and hard), as ``ulimit -n`` would set."""
        self.deployment = deployment
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = deployment.data_dir / f"{name}.stderr.log"
        self.stdout_path = deployment.data_dir / f"{name}.stdout.log"
        with self.stderr_path.open("wb") as err, self.stdout_path.open("wb") as out:
            self.process = subprocess.Popen(
                [*(command or COMMAND), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=deployment.env(**env),
                cwd=deployment.data_dir,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                preexec_fn=None if open_files is None else lambda: _limit_open_files(open_files),
            )

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Poll the unauthenticated OpenAPI document until the server answers it."""
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, trust_env=False, timeout=2.0) as client:
            while True:
                if self.process.poll() is not None:
                    status = self.process.returncode
                    raise AssertionError(f"server exited with {status} before it was ready:\n{self.stderr}")
                try:
                    if client.get("/v2/openapi.json").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"server not ready after {timeout}s:\n{self.stderr}")
                time.sleep(0.05)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it does not leave in time; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup, as a crash or an OOM kill."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def client(self, api_key: str, api_secret: str) -> SignedClient:
        return SignedClient(
            httpx.Client(base_url=self.base_url, trust_env=False, timeout=10.0), api_key, api_secret
        )


@dataclass
class SignedClient:
    """httpx over the wire, every request signed with one key."""

    http: httpx.Client
    api_key: str
    api_secret: str
    responses: list[httpx.Response] = field(default_factory=list)

    def build(self, method: str, target: str, body: Any = None) -> httpx.Request:
        content = b"" if body is None else json.dumps(body).encode()
        headers = {
            "Authorization": authorization_header(self.api_key, self.api_secret, method, target, content)
        }
        if content:
            headers["Content-Type"] = "application/json"
        return self.http.build_request(method, target, content=content, headers=headers)

    def send(self, request: httpx.Request) -> httpx.Response:
        response = self.http.send(request)
        self.responses.append(response)
        return response

    def request(self, method: str, target: str, body: Any = None) -> httpx.Response:
        return self.send(self.build(method, target, body))

    def get(self, target: str) -> httpx.Response:
        return self.request("GET", target)

    def post(self, target: str, body: Any = None) -> httpx.Response:
        return self.request("POST", target, body)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SignedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def error_code(response: httpx.Response) -> str:
    return str(response.json().get("error_code"))


# -- fixtures ------------------------------------------------------------------------------


def _prepare(db_factory: DatabaseFactory, data_dir: Path) -> Deployment:
    """A deployment on an empty database: nothing for SQLite, a reset for PostgreSQL."""
    if db_factory.engine != "postgresql":
        return Deployment(data_dir)
    with db_factory.database(data_dir):
        pass  # truncate and reseed to the freshly migrated state
    return Deployment(data_dir, db_factory.url.replace("postgresql+psycopg://", "postgresql://"))


@pytest.fixture
def deployment(tmp_path: Path, db_factory: DatabaseFactory) -> Deployment:
    """A fresh data directory and empty database for one test."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return _prepare(db_factory, data_dir)


@pytest.fixture
def start_server() -> Iterator[Callable[..., Server]]:
    """Start servers (``start_server(deployment, name, **env)``); all are stopped at teardown."""
    servers: list[Server] = []

    def start(
        deployment: Deployment, name: str = "server", *, open_files: int | None = None, **env: str
    ) -> Server:
        server = Server(deployment, name, open_files=open_files, **env)
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def open_client() -> Iterator[Callable[[Server, str, str], SignedClient]]:
    """Signed clients for a server; all closed at teardown."""
    clients: list[SignedClient] = []

    def make(server: Server, api_key: str, api_secret: str) -> SignedClient:
        client = server.client(api_key, api_secret)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def shared_deployment(tmp_path_factory: pytest.TempPathFactory, db_factory: DatabaseFactory) -> Deployment:
    return _prepare(db_factory, tmp_path_factory.mktemp("shared-data"))


@pytest.fixture(scope="module")
def shared_server(shared_deployment: Deployment) -> Iterator[Server]:
    """One server for the tests of a module that neither restart nor kill it."""
    server = Server(shared_deployment, "shared")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def empty_deployment(tmp_path: Path, db_factory: DatabaseFactory) -> Iterator[Deployment]:
    """A data directory and a database that no migration has touched (a new PostgreSQL database
    with ``--db postgresql``, dropped after the test)."""
    import uuid

    import psycopg

    from tests.harness import PG_ADMIN_DSN

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if db_factory.engine != "postgresql":
        yield Deployment(data_dir)
        return
    name = f"reseller_api_empty_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Deployment(data_dir, f"postgresql://postgres@127.0.0.1:5432/{name}")
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def pebble(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pebble]:
    """A private pebble (ACME server) with its fake DNS, for the tests of one module."""
    with running_pebble(tmp_path_factory.mktemp("pebble")) as server:
        yield server
