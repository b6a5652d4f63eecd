"""``/sandbox/...``: the sandbox driven over HTTP, and the request faults. Not the vendor's API.

An ASGI layer just inside the gate (``app.create_app`` installs it only when
``RESELLER_API_SANDBOX=true``; otherwise ``/sandbox`` is an unknown path, 404):

- ``/sandbox/...`` needs no HMAC signature (it is not under ``/v2``) but ``Authorization:
  Bearer <RESELLER_API_SANDBOX_TOKEN>``, compared in constant time and never logged;
- a signed ``/v2`` request (the gate has identified its key) that matches a request fault
  waits the rule's latency (``asyncio.sleep``: the event loop keeps serving, and a shutdown
  cancels it) and/or answers the rule's status with the API's own error body, before the
  idempotency layer stores anything: a client's retry with the same Idempotency-Key runs.

Endpoints (JSON in and out; errors in the API's format ``{"error_code", "error_text"}``):
``GET /sandbox/state``; ``GET /sandbox/clock``, ``POST /sandbox/clock/freeze|resume``,
``POST /sandbox/clock/advance`` ``{"by": "366d"}``; ``PUT /sandbox/jobs/mode`` ``{"mode"}``;
``POST /sandbox/jobs/release`` ``{"id"}`` or ``{"all": true}``; ``GET|POST|DELETE
/sandbox/faults``, ``DELETE /sandbox/faults/{id}``; ``POST /sandbox/fixtures`` (a fixture
file, YAML or JSON), ``POST /sandbox/reset``, ``GET /sandbox/dump``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.utils import normalize_path

from reseller_api import errors
from reseller_api.conventions.gate import CREDENTIAL_SCOPE_KEY
from reseller_api.conventions.responses import error_body, send_json
from reseller_api.logs import REQUEST_ID_SCOPE_KEY
from reseller_api.sandbox import SandboxError, faults
from reseller_api.sandbox import clock as sandbox_clock
from reseller_api.sandbox import jobs as job_modes
from reseller_api.sandbox.runtime import Sandbox, renew_due_domains
from reseller_api.sandbox.state import State

ASGIApp = Callable[..., Awaitable[None]]
# Not in the API's error catalogue (reseller_api.errors.define): /sandbox is not the vendor's API.
log = logging.getLogger("reseller_api.sandbox")
PREFIX = "/sandbox"
MAX_BODY = 4 * 1024 * 1024  # a fixture file

TOKEN_MISSING = errors.ErrorCode(
    "sandbox_token_missing", 401, "The sandbox needs Authorization: Bearer <RESELLER_API_SANDBOX_TOKEN>."
)
TOKEN_INVALID = errors.ErrorCode("sandbox_token_invalid", 401, "The sandbox token is not this server's.")
TOKEN_NOT_SET = errors.ErrorCode(
    "sandbox_token_not_configured",
    403,
    "Set RESELLER_API_SANDBOX_TOKEN on the server to drive the sandbox over HTTP "
    "(the reseller-api sandbox commands need none).",
)
SANDBOX_INVALID = errors.ErrorCode("sandbox_request_invalid", 400, "The sandbox cannot do that.")
SANDBOX_NOT_FOUND = errors.ErrorCode("sandbox_not_found", 404, "No such sandbox endpoint or rule.")


class Problem(Exception):
    def __init__(self, error: errors.ErrorCode, text: str | None = None) -> None:
        super().__init__(text or error.text)
        self.error = error
        self.text = text or error.text


Fixtures = Any  # reseller_api.sandbox.fixtures.Fixtures (imported lazily: yaml and every service)


class SandboxLayer:
    def __init__(self, app: ASGIApp, *, sandbox: Sandbox, token: str | None, fixtures: Fixtures) -> None:
        self.app = app
        self.sandbox = sandbox
        self.database = sandbox.database
        self._token = token.encode() if token else None
        self.fixtures = fixtures

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = normalize_path(scope.get("path", ""))
        if path == PREFIX or path.startswith(PREFIX + "/"):
            await self._sandbox(scope, path, receive, send)
            return
        credential = scope.get(CREDENTIAL_SCOPE_KEY)
        if credential is not None:
            state = self.sandbox.cache.get()
            if state.request_faults and await self._fault(scope, state, credential.api_key, send):
                return
        await self.app(scope, receive, send)

    async def _fault(self, scope: dict[str, Any], state: State, api_key: str, send: Any) -> bool:
        """Apply the first matching rule that has a use left; whether the request was answered."""
        method, path = scope["method"], scope.get("path", "")
        for rule in state.request_faults:
            if not rule.matches(method, path, api_key):
                continue
            if not await asyncio.to_thread(faults.take, self.database, rule):
                continue
            self.sandbox.cache.invalidate()  # a spent rule must stop matching here at once
            if rule.latency:
                await asyncio.sleep(rule.latency)
            if rule.status is None:
                return False
            await send_json(send, rule.status, self._error_body(scope, rule.status), self._headers(rule))
            return True
        return False

    @staticmethod
    def _error_body(scope: dict[str, Any], status: int) -> bytes:
        """The bodies the API itself sends for these statuses (conventions/errors.py)."""
        if status == 429:
            return error_body(errors.RATE_LIMITED.code, errors.RATE_LIMITED.text)
        if status == 503:
            return error_body(errors.UNAVAILABLE.code, errors.UNAVAILABLE.text)
        reference = str(scope.get(REQUEST_ID_SCOPE_KEY) or "")
        return error_body(errors.INTERNAL.code, f"{errors.INTERNAL.text} Reference: {reference}.")

    @staticmethod
    def _headers(rule: faults.Fault) -> list[tuple[bytes, bytes]]:
        if rule.retry_after is None:
            return []
        return [(b"Retry-After", str(rule.retry_after).encode())]

    # -- /sandbox/... ------------------------------------------------------------------

    async def _sandbox(self, scope: dict[str, Any], path: str, receive: Any, send: Any) -> None:
        try:
            self._authorise(scope)
            body = await _read_body(receive)
            if body is None:
                return  # the client went away
            status, payload = await self._route(scope["method"], path, body)
        except Problem as problem:
            await send_json(send, problem.error.status, error_body(problem.error.code, problem.text))
            return
        except SandboxError as exc:
            await send_json(send, 400, error_body(SANDBOX_INVALID.code, str(exc)))
            return
        if isinstance(payload, bytes):  # the dump: YAML
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"application/yaml; charset=utf-8"),
                        (b"content-length", b"%d" % len(payload)),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": payload})
            return
        await send_json(send, status, json.dumps(payload).encode())

    def _authorise(self, scope: dict[str, Any]) -> None:
        if self._token is None:
            raise Problem(TOKEN_NOT_SET)
        header = next((v for n, v in scope["headers"] if n == b"authorization"), None)
        if header is None or not header[:7].lower() == b"bearer ":
            raise Problem(TOKEN_MISSING)
        # Constant time: how much of a guess matched must not show in the answer's timing.
        if not hmac.compare_digest(header[7:].strip(), self._token):
            log.info("sandbox: refused a request with a wrong token")  # never the token itself
            raise Problem(TOKEN_INVALID)

    async def _route(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        parts = path[len(PREFIX) :].strip("/").split("/")
        route = (method, *parts)
        database = self.database
        if route == ("GET", "state"):
            return 200, await asyncio.to_thread(self._state)
        if parts[0] == "clock":
            return 200, await self._clock(method, parts[1:], body)
        if route == ("PUT", "jobs", "mode"):
            mode = _field(_json(body), "mode", str)
            await asyncio.to_thread(job_modes.set_mode, database, mode)
            self.sandbox.changed()
            return 200, {"job_mode": mode}
        if route == ("POST", "jobs", "release"):
            data = _json(body)
            if data.get("all") is True:
                job_id = None
            elif isinstance(data.get("id"), str):
                job_id = data["id"]
            else:
                raise SandboxError('give {"id": "<job id>"} or {"all": true}')
            released = await asyncio.to_thread(job_modes.release, database, job_id)
            self.sandbox.changed()
            return 200, {"released": released}
        if parts[0] == "faults":
            return await self._faults(method, parts[1:], body)
        if route == ("POST", "fixtures"):
            summary = await asyncio.to_thread(self.fixtures.load_text, body.decode("utf-8", "replace"))
            self.sandbox.changed()
            return 200, summary
        if route == ("POST", "reset"):
            summary = await asyncio.to_thread(self.fixtures.reset)
            self.sandbox.changed()
            return 200, summary
        if route == ("GET", "dump"):
            text: str = await asyncio.to_thread(self.fixtures.dump_text)
            return 200, text.encode()
        raise Problem(SANDBOX_NOT_FOUND)

    def _state(self) -> dict[str, Any]:
        state = self.sandbox.cache.get()
        return {
            "clock": sandbox_clock.describe(state),
            "job_mode": state.job_mode,
            "fixture_loaded": state.fixture_loaded,
            "faults": [f.as_json() for f in faults.listing(self.database)],
        }

    async def _clock(self, method: str, parts: list[str], body: bytes) -> dict[str, object]:
        database = self.database
        if method == "GET" and not parts:
            state = self.sandbox.cache.get()
        elif method == "POST" and parts == ["freeze"]:
            state = await asyncio.to_thread(sandbox_clock.freeze, database)
        elif method == "POST" and parts == ["resume"]:
            state = await asyncio.to_thread(sandbox_clock.resume, database)
        elif method == "POST" and parts == ["advance"]:
            data = _json(body)
            if isinstance(data.get("by"), str):
                seconds = sandbox_clock.parse_duration(data["by"])
            elif isinstance(data.get("seconds"), int | float) and not isinstance(data["seconds"], bool):
                seconds = float(data["seconds"])
            else:
                raise SandboxError('give {"by": "366d"} or {"seconds": N}')
            state = await asyncio.to_thread(advance_and_renew, database, seconds)
        else:
            raise Problem(SANDBOX_NOT_FOUND)
        self.sandbox.changed()
        return sandbox_clock.describe(state)

    async def _faults(self, method: str, parts: list[str], body: bytes) -> tuple[int, Any]:
        database = self.database
        if method == "GET" and not parts:
            return 200, [f.as_json() for f in await asyncio.to_thread(faults.listing, database)]
        if method == "DELETE" and not parts:
            removed = await asyncio.to_thread(faults.clear, database)
            self.sandbox.changed()
            return 200, {"removed": removed}
        if method == "DELETE" and len(parts) == 1 and parts[0].isdigit():
            removed = await asyncio.to_thread(faults.clear, database, int(parts[0]))
            if not removed:
                raise Problem(SANDBOX_NOT_FOUND, f"no fault rule {parts[0]}")
            self.sandbox.changed()
            return 200, {"removed": removed}
        if method == "POST" and not parts:
            fault_id = await asyncio.to_thread(add_fault, database, _json(body))
            self.sandbox.changed()
            rule = next(f for f in await asyncio.to_thread(faults.listing, database) if f.id == fault_id)
            return 201, rule.as_json()
        raise Problem(SANDBOX_NOT_FOUND)


def advance_and_renew(database: Any, seconds: float) -> State:
    state = sandbox_clock.advance(database, seconds)
    renew_due_domains(database, state.now(time.time()))
    return state


def add_fault(database: Any, data: dict[str, Any]) -> int:
    """A rule from its JSON description (``target``: ``request`` or ``job``)."""
    times = _times(data)
    probability = _optional(data, "probability", float, 1.0)
    target = data.get("target", "request")
    if target == faults.JOB:
        return faults.add_job_fault(
            database,
            job_kind=_optional(data, "job_kind", str, None),
            reason=_field(data, "reason", str),
            times=times,
            probability=probability,
        )
    if target != faults.REQUEST:
        raise SandboxError("target: request or job")
    return faults.add_request_fault(
        database,
        method=_optional(data, "method", str, None),
        path=_optional(data, "path", str, None),
        api_key=_optional(data, "api_key", str, None),
        status=_optional(data, "status", int, None),
        retry_after=_optional(data, "retry_after", int, None),
        latency=_optional(data, "latency", float, 0.0),
        times=times,
        probability=probability,
    )


def _times(data: dict[str, Any]) -> int | None:
    """``"times"``: a count, ``"once"`` (the default) or ``"always"``."""
    times = data.get("times", 1)
    if times == "once":
        return 1
    if times == "always" or times is None:
        return None
    if isinstance(times, int) and not isinstance(times, bool):
        return times
    raise SandboxError('times: a count, "once" or "always"')


def _json(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise SandboxError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise SandboxError("the body must be a JSON object")
    return data


def _field(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise SandboxError(f"{name}: required, a {kind.__name__}")
    return value


def _optional(data: dict[str, Any], name: str, kind: type, default: Any) -> Any:
    value = data.get(name)
    if value is None:
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise SandboxError(f"{name}: a {kind.__name__}")
    return value


async def _read_body(receive: Any) -> bytes | None:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            raise SandboxError("the body is larger than 4 MiB")
        if not message.get("more_body", False):
            return bytes(body)
