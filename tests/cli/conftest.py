"""``resellerctl`` against a real ``reseller-api serve``: a server per module, keys from the admin CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import DatabaseFactory
from tests.integration.conftest import CLI_TIMEOUT, Deployment, Server, _prepare, clean_environment

BIN = Path(sys.executable).parent
_SCRIPT = BIN / "resellerctl"
# The installed console script when there is one (it is what people run), else the module.
RESELLERCTL = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "reseller_api.client.cli"]


@dataclass
class Site:
    """A running server, its deployment, and the directory ``var/`` (the data dir) sits in."""

    deployment: Deployment
    server: Server
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = clean_environment()
        env["RESELLERCTL_CONFIG"] = str(self.home / "config" / "resellerctl.toml")
        env["XDG_STATE_HOME"] = str(self.home / "state")  # resellerctl's job history
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        env.update(extra)
        return env

    def key(self, reseller: str) -> dict[str, str]:
        created = self.deployment.admin_json(
            "key", "create", "--reseller", reseller, "--allow-ip", "127.0.0.1"
        )
        return {
            "RESELLER_API_URL": self.server.base_url,
            "RESELLER_API_KEY": created["api_key"],
            "RESELLER_API_SECRET": created["api_secret"],
        }

    def ctl(self, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        """Run ``resellerctl ARGS`` to completion; never a traceback, whatever happens."""
        done = subprocess.run(
            [*RESELLERCTL, *args],
            env=self.env(**env),
            cwd=self.home,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        return done


@contextmanager
def running_site(tmp_path_factory: pytest.TempPathFactory, db_factory: DatabaseFactory) -> Iterator[Site]:
    """A fresh deployment and a real server on it, in a new home directory; stopped on leaving."""
    home = tmp_path_factory.mktemp("home")
    data_dir = home / "var"  # so var/bootstrap-credentials.json is where `make run` leaves it
    data_dir.mkdir()
    deployment = _prepare(db_factory, data_dir)
    # The webhook tests' receiver listens on loopback, which only this setting allows.
    deployment.extra_env["RESELLER_API_WEBHOOK_ALLOW_PRIVATE"] = "true"
    server = Server(deployment, "cli")
    try:
        server.wait_ready()
        yield Site(deployment, server, home)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, db_factory: DatabaseFactory) -> Iterator[Site]:
    with running_site(tmp_path_factory, db_factory) as running:
        yield running
