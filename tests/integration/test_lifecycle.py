"""Process lifecycle: first start, restart, kill -9. Every test here runs its own servers."""

from __future__ import annotations

import os
import pty
import select as io_select
import signal
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reseller_api.settings import normalise_database_url
from reseller_api.store.database import Database
from reseller_api.store.tables import accounts, simulated_objects
from tests.integration.conftest import COMMAND, Deployment, Server, SignedClient, free_port

pytestmark = pytest.mark.integration

OpenClient = Callable[[Server, str, str], SignedClient]
StartServer = Callable[..., Server]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_saves_the_default_credentials_and_logs_only_where(
    deployment: Deployment, start_server: StartServer, open_client: OpenClient
) -> None:
    first = start_server(deployment, "first")

    # The file: readable by the owner only.
    assert mode(deployment.bootstrap_file) == 0o600
    saved = deployment.bootstrap_credentials()
    assert set(saved) == {"reseller", "api_key", "api_secret"}
    assert saved["reseller"] == "default"
    # Without a terminal (systemd, a container) the output is a journal: no secret there,
    # only where it was saved.
    output = first.stderr + first.stdout_path.read_text()
    assert saved["api_secret"] not in output
    assert "api_secret" not in output
    assert f"its key and secret are in {deployment.bootstrap_file} (mode 0600)" in first.stderr
    assert mode(deployment.secret_key_file) == 0o600
    sqlite_file = deployment.data_dir / "reseller-api.db"
    assert sqlite_file.exists() == (deployment.database_url is None), "the configured database is used"
    secret_key = deployment.secret_key_file.read_bytes()
    assert secret_key.strip(), "the generated secret key file is not empty"
    assert saved["api_secret"].encode() not in secret_key

    # The credentials work from 127.0.0.1.
    client = open_client(first, saved["api_key"], saved["api_secret"])
    packs = client.get("/v2/servicepacks")
    assert packs.status_code == 200, packs.text
    assert isinstance(packs.json(), list)
    assert packs.json(), "the migration seeds a servicepack catalogue"

    # A graceful stop: SIGTERM runs the shutdown (the job runner is stopped), no traceback.
    status = first.stop()
    assert status in (0, -signal.SIGTERM), first.stderr
    assert "Application shutdown complete" in first.stderr
    assert "Traceback" not in first.stderr
    bootstrap_before = deployment.bootstrap_file.stat()

    # A second start on the same data dir: nothing created, nothing rewritten, same secrets valid.
    second = start_server(deployment, "second")
    assert "first start" not in second.stderr, second.stderr
    assert saved["api_secret"] not in second.stderr
    assert deployment.bootstrap_credentials() == saved
    assert deployment.bootstrap_file.stat().st_mtime_ns == bootstrap_before.st_mtime_ns
    assert deployment.secret_key_file.read_bytes() == secret_key
    assert mode(deployment.secret_key_file) == 0o600
    again = open_client(second, saved["api_key"], saved["api_secret"]).get("/v2/servicepacks")
    assert again.status_code == 200, again.text


def test_first_start_at_a_terminal_shows_the_secret_there_once(deployment: Deployment) -> None:
    """Someone at a terminal (``make run``) sees the new key and secret; the log still does not."""
    controller, terminal = pty.openpty()
    stderr_path = deployment.data_dir / "tty.stderr.log"
    port = free_port()
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [*COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=deployment.env(),
            cwd=deployment.data_dir,
            stdin=terminal,
            stdout=terminal,
            stderr=stderr,
        )
    os.close(terminal)
    shown = b""
    try:
        deadline = time.monotonic() + 30
        while b"not shown again" not in shown and time.monotonic() < deadline:
            if io_select.select([controller], [], [], 0.5)[0]:
                try:
                    shown += os.read(controller, 4096)
                except OSError:  # the process ended and closed the terminal
                    break
    finally:
        process.terminate()
        process.wait(timeout=10)
        os.close(controller)
    saved = deployment.bootstrap_credentials()
    text = shown.decode()
    assert text.count(saved["api_secret"]) == 1, text
    assert saved["api_key"] in text
    assert saved["api_secret"] not in stderr_path.read_text()


def _count(deployment: Deployment, query: object) -> int:
    url = deployment.database_url or f"sqlite:///{deployment.data_dir / 'reseller-api.db'}"
    database = Database(normalise_database_url(url), pool_size=1)
    try:
        with database.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]
    finally:
        database.dispose()


def test_a_pending_job_survives_kill_9_and_runs_exactly_once(
    deployment: Deployment, start_server: StartServer, open_client: OpenClient
) -> None:
    created = deployment.admin_json("key", "create", "--reseller", "acme", "--allow-ip", "127.0.0.1")
    order = {"identifier": "crash.example", "servicepack_id": 1, "ftp_password": "Secret123x"}

    doomed = start_server(deployment, "doomed", RESELLER_API_JOB_DURATION="3")
    client = open_client(doomed, created["api_key"], created["api_secret"])
    accepted = client.post("/v2/accounts", order)
    doomed.kill()
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["location"]
    assert doomed.process.returncode == -signal.SIGKILL

    revived = start_server(deployment, "revived")
    client = open_client(revived, created["api_key"], created["api_secret"])
    deadline = time.monotonic() + 20
    while True:
        job = client.get(location)
        if job.status_code != 200:
            break
        assert job.json()["status"] == "ongoing", job.text
        assert time.monotonic() < deadline, f"job still ongoing after a restart:\n{revived.stderr}"
        time.sleep(0.1)
    assert job.status_code == 201, job.text
    link = job.json()["resource_links"][0]

    account = client.get(link)
    assert account.status_code == 200, account.text
    assert account.json()["identifier"] == "crash.example"
    listed = client.get("/v2/accounts?take=1000")
    assert listed.status_code == 200, listed.text
    same = [a for a in listed.json() if a["identifier"] == "crash.example"]
    assert len(same) == 1, listed.json()
    assert same[0]["id"] == account.json()["id"]

    # Exactly once below the API too: one account row, one simulated hosting.
    assert _count(deployment, select(func.count()).where(accounts.c.identifier == "crash.example")) == 1
    hostings = select(func.count()).where(
        simulated_objects.c.kind == "hosting", simulated_objects.c.name == "crash.example"
    )
    assert _count(deployment, hostings) == 1

    # A second restart does not run the finished job again.
    revived.stop()
    third = start_server(deployment, "third")
    client = open_client(third, created["api_key"], created["api_secret"])
    assert client.get(location).status_code == 201
    time.sleep(0.6)  # more than the runner's idle poll
    listed = client.get("/v2/accounts?identifier=crash.example")
    assert listed.status_code == 200, listed.text
    assert len(listed.json()) == 1
    assert listed.headers["x-paging-totalresults"] == "1"
    assert "Traceback" not in third.stderr + revived.stderr
