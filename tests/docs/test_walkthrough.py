"""README.md, then docs/operations.md, run as a newcomer runs them (``make docs-check``).

The blocks marked ``<!-- docs-check: run ... -->`` run in the order the documents give
them, against one real ``reseller-api serve`` in a directory laid out as after ``make run``
(``var/`` beside the commands, ``.venv/bin`` on the PATH as after ``source
.venv/bin/activate``). So an example that only works on a fresh server (the SDK's account
clashing with the quickstart's ``example.com``), or a command that changed, fails here.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.docs.documents import ROOT, Block, blocks, logical_lines
from tests.harness import PG_ADMIN_DSN
from tests.integration.conftest import Deployment, Server, clean_environment
from tests.integration.realservers import REQUIRE_ENV

pytestmark = pytest.mark.integration

ORDER = (ROOT / "README.md", ROOT / "docs" / "operations.md")
DOCUMENTED_URL = "http://127.0.0.1:8000"
TIMEOUT = 120


def marked(mark: str) -> list[Block]:
    return [block for path in ORDER for block in blocks(path) if block.mark == mark]


class Walk:
    """A home directory with ``var/``, a running server, and the shell the reader types in."""

    def __init__(self, home: Path) -> None:
        self.home = home
        (home / "var").mkdir(parents=True)
        # Jobs finish as soon as the runner takes them: the reader's waits are short.
        self.deployment = Deployment(home / "var", extra_env={"RESELLER_API_JOB_DURATION": "0"})
        self.server = self._start(None)

    def _start(self, port: int | None) -> Server:
        # Restarted on the same port: the reader's saved resellerctl profile names it.
        server = Server(self.deployment, f"docs-{uuid.uuid4().hex[:6]}", port=port)
        server.wait_ready()
        return server

    def env(self) -> dict[str, str]:
        env = clean_environment()
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env["RESELLERCTL_CONFIG"] = str(self.home / "config" / "resellerctl.toml")
        return env

    def run(self, block: Block) -> list[str]:
        """The block's output (one entry per command); every command must succeed."""
        if block.language == "python":
            return [self._run([sys.executable, "-c", self._here(block.text)], block.where)]
        outputs = []
        for line in logical_lines(block.text):
            if line.strip() and not line.lstrip().startswith("#"):
                outputs.append(
                    self._run(["bash", "-e", "-o", "pipefail", "-c", self._here(line)], block.where)
                )
        return outputs

    def _here(self, text: str) -> str:
        return text.replace(DOCUMENTED_URL, self.server.base_url)

    def _run(self, command: list[str], where: str) -> str:
        done = subprocess.run(
            command,
            cwd=self.home,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        shown = f"{where}: {command[-1]}\n{done.stdout}\n{done.stderr}"
        assert done.returncode == 0, shown
        assert "Traceback" not in done.stdout + done.stderr, shown
        return done.stdout

    def restart_around(self, block: Block) -> list[str]:
        self.server.stop()
        try:
            return self.run(block)
        finally:
            self.server = self._start(self.server.port)


@pytest.fixture
def walk(tmp_path: Path) -> Iterator[Walk]:
    walk = Walk(tmp_path / "home")
    try:
        yield walk
    finally:
        walk.server.stop()


def test_the_documents_run_in_order_against_one_server(walk: Walk) -> None:
    outputs: dict[str, list[str]] = {}
    for path in ORDER:
        for block in blocks(path):
            if block.mark == "run":
                outputs[block.where] = walk.run(block)
            elif block.mark == "run, server stopped":
                outputs[block.where] = walk.restart_around(block)
    readme = [out for where, out in outputs.items() if where.startswith("README.md")]
    assert len(readme) == 3  # the quickstart, the SDK, the shell walk-through

    quickstart = readme[0][0].splitlines()
    assert "Linux hosting Starter" in quickstart[0]
    assert "'identifier': 'example.com'" in quickstart[-1]

    sdk = readme[1][0].splitlines()
    assert sdk[0].endswith("Linux hosting Starter")  # example.net's account, a fresh identifier
    assert any(line.endswith("v=spf1 -all") for line in sdk)
    assert any(line.startswith("404 ") for line in sdk)
    assert sdk[-1].startswith("RateLimit(")

    shell = readme[2]
    config = walk.home / "config" / "resellerctl.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # the profile holds a secret
    assert "Linux hosting Starter" in shell[1]
    assert "example.org" in shell[2]
    [record] = json.loads(shell[-1])
    assert (record["type"], record["content"], record["ttl"]) == ("TXT", "v=spf1 -all", 3600)

    operations = "\n".join(
        out for where, block in outputs.items() if where.startswith("docs/") for out in block
    )
    assert "backed up 1 API key(s)" in operations  # the first start's, which all of it used
    assert "restored 1 API key(s)" in operations
    assert "re-encrypted 1 API secret(s)" in operations
    assert "up to date" in operations
    # After the restore and the key rotation, the reader's saved credentials still work.
    listed = walk.run(Block(ROOT, 0, "sh", "resellerctl accounts list", None))
    assert "example.net" in listed[0]


def _postgresql_up() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def test_the_postgresql_backup_and_restore_run(tmp_path: Path) -> None:
    if not _postgresql_up():
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail("PostgreSQL is not running on 127.0.0.1:5432", pytrace=False)
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    steps = marked("run postgresql")
    assert [b.text.split()[0] for b in steps] == ["pg_dump", "pg_restore"]
    name = f"reseller_api_docs_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        deployment = Deployment(tmp_path, f"postgresql://postgres@127.0.0.1:5432/{name}")
        created = deployment.admin_json("key", "create", "--reseller", "kept", "--allow-ip", "127.0.0.1")
        env = {**clean_environment(), "PGHOST": "127.0.0.1", "PGUSER": "postgres", "PGDATABASE": name}
        for block in steps:
            for line in logical_lines(block.text):
                done = subprocess.run(
                    ["bash", "-e", "-c", line],
                    cwd=tmp_path,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                assert done.returncode == 0, f"{block.where}: {line}\n{done.stderr}"
        listed = deployment.admin_json("key", "list")
        assert [k["api_key"] for k in listed] == [created["api_key"]]
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
