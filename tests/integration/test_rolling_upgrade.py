"""A rolling upgrade, for real: the previous release serves (and writes) while this release
migrates its database, then both serve side by side (docs/operations.md, "Upgrades").

The previous release is the project's own source at :data:`PREVIOUS_RELEASE` (its schema is
revision 0006), taken from git and run from that tree with this environment's packages.
When a release ships, move :data:`PREVIOUS_RELEASE` to it.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reseller_api.crypto import fingerprint, read_key_file
from reseller_api.store import migrate
from tests.integration.conftest import Deployment, Server, SignedClient
from tests.integration.realservers import REQUIRE_ENV

pytestmark = pytest.mark.integration

PREVIOUS_RELEASE = "6efae5f9f74ab1a34142665c91d17eead5c137bc"  # schema 0006
REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """How to run the previous release's ``reseller-api`` (its ``src/`` first on the path)."""
    done = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", PREVIOUS_RELEASE, "src"],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        message = f"the previous release ({PREVIOUS_RELEASE[:7]}) is not in this git repository"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    target = tmp_path_factory.mktemp("previous-release")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(target, filter="data")
    source = target / "src"
    script = f"import sys; sys.path.insert(0, {str(source)!r}); "
    script += "from reseller_api.cli.main import main; sys.exit(main())"
    return [sys.executable, "-c", script]


def test_the_previous_releases_database_is_migrated_while_it_serves(
    empty_deployment: Deployment,
    previous_release: list[str],
    open_client: Callable[..., SignedClient],
) -> None:
    deployment = empty_deployment
    old = Server(deployment, "previous", command=previous_release)
    new: Server | None = None
    try:
        old.wait_ready()
        credentials = deployment.bootstrap_credentials()
        before = open_client(old, credentials["api_key"], credentials["api_secret"])
        order = before.post(
            "/v2/accounts", {"identifier": "upgrade.be", "servicepack_id": 1, "ftp_password": "Secret123x"}
        )
        assert order.status_code == 202, order.text
        account = _finished(before, order.headers["location"])
        status = deployment.cli("migrate", "--status")
        assert "current: 0006" in status.stdout, status.stdout + status.stderr
        assert f"pending: {migrate.head()}" in status.stdout

        # Requests in flight, reads and writes, to the previous release while we migrate.
        answers: list[tuple[str, int]] = []
        stop = threading.Event()

        def keep_calling() -> None:
            with old.client(credentials["api_key"], credentials["api_secret"]) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    read = client.get(account)
                    answers.append(("GET", read.status_code))
                    body = {"type": "TXT", "record_name": f"r{n}", "content": f"in flight {n}"}
                    write = client.post("/v2/dns/upgrade.be/records", body)
                    answers.append(("POST", write.status_code))
                    time.sleep(0.01)

        caller = threading.Thread(target=keep_calling)
        caller.start()
        try:
            time.sleep(0.3)
            migrated = deployment.cli("migrate")
            time.sleep(0.3)
            # This release serves beside the previous one (whose runner keeps the jobs).
            new = Server(deployment, "this", RESELLER_API_JOB_RUNNER="worker")
            new.wait_ready()
            time.sleep(0.3)
        finally:
            stop.set()
            caller.join()
        assert migrated.returncode == 0, migrated.stderr
        assert re.search(rf"applied [0-9, ]*{migrate.head()}", migrated.stdout), migrated.stdout
        assert answers
        failures = [answer for answer in answers if answer[1] not in (200, 201)]
        assert failures == [], failures[:5]
        assert {method for method, _ in answers} == {"GET", "POST"}

        # Same keys, same data, from either release; a job ordered from the new one is run
        # by the old one's runner.
        after = open_client(new, credentials["api_key"], credentials["api_secret"])
        assert after.get(account).json()["identifier"] == "upgrade.be"
        records = after.get("/v2/dns/upgrade.be/records?type=TXT&take=1000").json()
        assert len(records) == sum(1 for method, _ in answers if method == "POST")
        second = after.post("/v2/accounts", {"identifier": "mixed.be", "servicepack_id": 3})
        assert second.status_code == 202, second.text
        assert before.get(_finished(after, second.headers["location"])).status_code == 200
        with deployment.database() as database:
            assert migrate.current_revision(database) == migrate.head()
        key = read_key_file(deployment.secret_key_file)[0]
        assert f"{fingerprint(key)}" in deployment.admin("secret-key", "status").stdout
        assert "Traceback" not in old.stderr + new.stderr
    finally:
        if new is not None:
            new.stop()
        old.stop()


def _finished(client: SignedClient, location: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while (job := client.get(location)).status_code == 200:
        assert job.json()["status"] == "ongoing", job.text
        assert time.monotonic() < deadline, job.text
        time.sleep(0.1)
    assert job.status_code == 201, job.text
    return str(job.json()["resource_links"][0])
