"""Test your integration against a sandbox server: fixtures, a test clock, injected faults.

A pytest fixture of your own starts one server for the session::

    import pytest
    from reseller_api.client.testing import SandboxServer

    @pytest.fixture(scope="session")
    def sandbox():
        with SandboxServer(fixture="tests/data/sandbox.yaml") as server:
            yield server

    @pytest.fixture(autouse=True)
    def clean(sandbox):
        sandbox.reset()           # every test starts from the fixture's state, no fault rules
        yield

``SandboxServer`` runs ``reseller-api serve`` (this package's server, which must be
installed) with ``RESELLER_API_SANDBOX=true`` on a free loopback port, with a database
and an operator token of its own in a temporary directory, and drives it over its
``/sandbox/...`` HTTP endpoints (any language can: see README, "Testing your
integration"). Only httpx and the standard library are used here.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from reseller_api.client.sync import Client

__all__ = ["SandboxError", "SandboxServer"]


class SandboxError(Exception):
    """The sandbox refused a request (``error_code``, ``error_text`` as the API's errors)."""

    def __init__(self, status: int, error_code: str, error_text: str) -> None:
        super().__init__(f"{status} {error_code}: {error_text}")
        self.status = status
        self.error_code = error_code
        self.error_text = error_text


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SandboxServer:
    """A sandbox server in a subprocess; a context manager (``start``/``stop`` otherwise)."""

    def __init__(
        self,
        fixture: str | os.PathLike[str] | None = None,
        *,
        env: dict[str, str] | None = None,
        startup_timeout: float = 30.0,
        program: list[str] | None = None,
    ) -> None:
        self.fixture = Path(fixture) if fixture is not None else None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_urlsafe(24)
        self._env = env or {}
        self._startup_timeout = startup_timeout
        self._program = program or [sys.executable, "-m", "reseller_api.cli.main"]
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._http: httpx.Client | None = None

    # -- life --------------------------------------------------------------------------

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="reseller-api-sandbox-"))
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RESELLER_API_")},
            "RESELLER_API_DATA_DIR": str(self._dir),
            "RESELLER_API_SANDBOX": "true",
            "RESELLER_API_SANDBOX_TOKEN": self.token,
            **self._env,
        }
        log = (self._dir / "server.log").open("wb")
        self._process = subprocess.Popen(  # noqa: S603 (our own program, no shell)
            [*self._program, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30.0,
            trust_env=False,
        )
        self._wait_ready()
        if self.fixture is not None:
            self.load(self.fixture)

    def _wait_ready(self) -> None:
        assert self._process is not None
        assert self._http is not None
        deadline = time.monotonic() + self._startup_timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the sandbox server exited at start: {self.log()[-2000:]}")
            try:
                if self._http.get("/sandbox/state").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sandbox server did not start in {self._startup_timeout:.0f}s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGTERM)
                try:
                    self._process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def log(self) -> str:
        """What the server wrote (for a failing test's message)."""
        if self._dir is None or not (self._dir / "server.log").exists():
            return ""
        return (self._dir / "server.log").read_text(errors="replace")

    def client(self, api_key: str, api_secret: str, **options: Any) -> Client:
        """An SDK client of this server (``reseller_api.client.Client`` options apply)."""
        return Client(self.url, api_key, api_secret, **options)

    # -- the sandbox ------------------------------------------------------------------

    def _call(self, method: str, path: str, json: Any = None, content: bytes | None = None) -> Any:
        if self._http is None:
            raise RuntimeError("the sandbox server is not running: start() it first")
        response = self._http.request(method, "/sandbox" + path, json=json, content=content)
        if response.status_code >= 400:
            body = response.json()
            raise SandboxError(response.status_code, body.get("error_code", ""), body.get("error_text", ""))
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/state")
        return result

    def load(self, fixture: str | os.PathLike[str]) -> dict[str, Any]:
        """Create what a fixture file describes (YAML or JSON)."""
        result: dict[str, Any] = self._call("POST", "/fixtures", content=Path(fixture).read_bytes())
        return result

    def reset(self) -> None:
        """Back to the state just after the load; every fault rule removed."""
        self._call("POST", "/reset")

    def dump(self) -> str:
        """The current state as a fixture file (YAML; API secrets left out)."""
        return str(self._call("GET", "/dump"))

    def freeze(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/clock/freeze")
        return result

    def advance(self, duration: str | float) -> dict[str, Any]:
        """Move the sandbox's time forward: ``"366d"``, ``"12h"``, or seconds."""
        body = {"by": duration} if isinstance(duration, str) else {"seconds": duration}
        result: dict[str, Any] = self._call("POST", "/clock/advance", json=body)
        return result

    def resume(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/clock/resume")
        return result

    def job_mode(self, mode: str) -> None:
        """``estimate`` (the default), ``instant`` or ``manual`` (held until :meth:`release`)."""
        self._call("PUT", "/jobs/mode", json={"mode": mode})

    def release(self, job_id: str | None = None) -> int:
        """Let one held job run (its id, or its ``Location``), or all of them."""
        body = {"all": True} if job_id is None else {"id": job_id.rstrip("/").rsplit("/", 1)[-1]}
        return int(self._call("POST", "/jobs/release", json=body)["released"])

    def fail_requests(
        self,
        status: int | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        api_key: str | None = None,
        retry_after: int | None = None,
        latency: float = 0.0,
        times: int | str = "once",
        probability: float = 1.0,
    ) -> dict[str, Any]:
        """Matching ``/v2`` requests answer ``status`` (429, 500, 503) and/or wait ``latency`` s.

        ``times``: a count, ``"once"`` or ``"always"``. Returns the rule (its ``id``, ``hits``).
        """
        rule: dict[str, Any] = {"target": "request", "status": status, "method": method, "path": path}
        rule["api_key"] = api_key
        rule.update(retry_after=retry_after, latency=latency, times=times, probability=probability)
        result: dict[str, Any] = self._call("POST", "/faults", json=rule)
        return result

    def fail_jobs(
        self, reason: str, *, kind: str | None = None, times: int | str = "once", probability: float = 1.0
    ) -> dict[str, Any]:
        """The next job(s) of ``kind`` (``account.create``...; None: any) fail with ``reason``."""
        rule = {
            "target": "job",
            "job_kind": kind,
            "reason": reason,
            "times": times,
            "probability": probability,
        }
        result: dict[str, Any] = self._call("POST", "/faults", json=rule)
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/faults")
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")
