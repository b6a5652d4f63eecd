"""``Idempotency-Key`` on writes: our extension, after the IETF draft (docs/extensions.md).

An ASGI layer inside the gate (keys are per API key, so it runs once the caller is known).
A ``POST``/``PUT``/``PATCH``/``DELETE`` without the header passes straight through: one scan
of the headers, nothing stored. With it:

- the first request claims the key (idempotency_records.py), runs with its commit held
  (store/database.py :class:`HeldCommit`), and its response (status, headers, body) is
  written in the same transaction as its changes before it is sent: a crash after the
  commit still replays it; a crash before the commit leaves nothing done, and once the
  claim's lease has passed the next request with the key runs it again;
- a repeat of the same request gets the stored response, byte for byte, with
  ``Idempotent-Replayed: true``, and changes nothing;
- a repeat while the first still runs gets 409 ``idempotency_key_in_use``; the same key
  with another method, path or body gets 422 ``idempotency_key_reused``;
- a request that must commit before its answer is known (an in-request backend push reads
  the committed state) commits early and marks its claim; if its process dies before the
  answer is stored, a repeat gets 409 ``idempotency_key_outcome_unknown``.

A request that failed with a 5xx and changed nothing is not stored: a retry runs it again.
The rate-limit headers are the gate's, added outside this layer, so a replay carries the
current ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import msgspec

from reseller_api import clock, errors
from reseller_api.conventions.gate import CREDENTIAL_SCOPE_KEY
from reseller_api.conventions.idempotency_records import Claimed, Records, Refused, Stored
from reseller_api.conventions.responses import RETRY_AFTER, CaseKept, send_json, send_json_error
from reseller_api.store.database import HELD_COMMIT, HeldCommit

ASGIApp = Callable[..., Awaitable[None]]
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HEADER = b"idempotency-key"
REPLAYED = (CaseKept(b"Idempotent-Replayed"), b"true")
MAX_LENGTH = 255


def parse_key(raw: bytes) -> str | None:
    """The key, or None when it is not 1-255 printable ASCII characters.

    The draft makes the value a Structured Field string (``"8e03978e-..."``, quoted); most
    clients in the field send it bare (``8e03978e-...``). Both are accepted and mean the same key.
    """
    value = raw.strip()
    if value[:1] == b'"':  # a Structured Field string, which must be well formed
        if len(value) < 2 or value[-1:] != b'"':
            return None
        inner = value[1:-1]
        # sf-string escapes: \\ and \" only.
        out = bytearray()
        escaped = False
        for byte in inner:
            if escaped:
                if byte not in (0x22, 0x5C):
                    return None
                out.append(byte)
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                return None
            else:
                out.append(byte)
        if escaped:
            return None
        value = bytes(out)
    if not 1 <= len(value) <= MAX_LENGTH or any(b < 0x20 or b > 0x7E for b in value):
        return None
    return value.decode("ascii")


def fingerprint(method: str, target: bytes, body: bytes) -> str:
    """What makes two requests "the same request": method, path with query, body."""
    digest = hashlib.sha256(method.encode("ascii"))
    digest.update(b"\0")
    digest.update(target)
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


class Idempotency:
    """``routable(method, path)``: whether the app has a handler for the request. One it has
    not (404, 405) is answered by the app as usual, never stored nor refused by its key."""

    def __init__(
        self,
        app: ASGIApp,
        records: Records,
        *,
        routable: Callable[[str, str], bool],
        now: Callable[[], float] = clock.time,
    ) -> None:
        self.app = app
        # What a read is handed to by the layer outside (controlpanel/audit.py), skipping this one.
        self.reads: ASGIApp = getattr(app, "reads", app)
        self.records = records
        self.routable = routable
        self.now = now

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        raw = None
        for name, value in scope["headers"]:
            if name == HEADER:
                raw = value
                break
        credential = scope.get(CREDENTIAL_SCOPE_KEY)
        if raw is None or credential is None or not self.routable(scope["method"], scope["path"]):
            # No key, not an API request (the panel), or nothing there to run (404, 405).
            await self.app(scope, receive, send)
            return
        key = parse_key(raw)
        if key is None:
            problem = {
                "error_code": errors.IDEMPOTENCY_KEY_INVALID.code,
                "error_text": errors.IDEMPOTENCY_KEY_INVALID.text,
            }
            await send_json(send, 400, msgspec.json.encode({"validation_errors": [problem]}))
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away
        raw_path = (scope.get("raw_path") or scope["path"].encode()).split(b"?", 1)[0]
        target = raw_path + (b"?" + scope["query_string"] if scope.get("query_string") else b"")
        claim = await anyio.to_thread.run_sync(
            self.records.claim, credential.key_id, key, fingerprint(scope["method"], target, body), self.now()
        )
        if isinstance(claim, Refused):
            in_use = claim.error is errors.IDEMPOTENCY_KEY_IN_USE
            extra: list[tuple[bytes, bytes]] = [(RETRY_AFTER, b"1")] if in_use else []
            await send_json_error(send, claim.error, extra)
            return
        if isinstance(claim, Stored):
            await _send(send, Stored(claim.status, [*claim.headers, REPLAYED], claim.body))
            return
        await self._run(scope, receive, send, body, credential.key_id, key, claim)

    async def _run(
        self,
        scope: dict[str, Any],
        receive: Any,
        send: Any,
        body: bytes,
        key_id: int,
        key: str,
        claim: Claimed,
    ) -> None:
        held = HeldCommit(
            self.records.database,
            on_flush=lambda conn: self.records.mark_committed(conn, key_id, key, claim.owner),
        )
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        token = HELD_COMMIT.set(held)
        try:
            await self.app(scope, _replay(body, receive), capture)
        except BaseException:
            HELD_COMMIT.reset(token)
            await anyio.to_thread.run_sync(held.abandon)
            if not held.wrote:
                await anyio.to_thread.run_sync(self.records.release, key_id, key, claim.owner)
            raise
        HELD_COMMIT.reset(token)
        response = Stored(int(start.get("status", 500)), list(start.get("headers", [])), b"".join(chunks))
        if response.status >= 500 and not held.wrote:
            await anyio.to_thread.run_sync(self.records.release, key_id, key, claim.owner)
            await _send(send, response)
            return
        finished = await anyio.to_thread.run_sync(
            held.commit, lambda conn: self.records.finish(conn, key_id, key, claim.owner, response)
        )
        if not finished:
            # Our claim outlived its lease and another request took the key over: its
            # outcome is the one that counts, ours was rolled back.
            await send_json_error(send, errors.IDEMPOTENCY_KEY_IN_USE, [(RETRY_AFTER, b"1")])
            return
        await _send(send, response)


async def _read_body(receive: Any) -> bytes | None:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(body)


def _replay(body: bytes, receive: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replay


async def _send(send: Any, response: Stored) -> None:
    await send({"type": "http.response.start", "status": response.status, "headers": response.headers})
    await send({"type": "http.response.body", "body": response.body})
