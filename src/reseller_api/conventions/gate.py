"""The gate every ``/v2`` request passes: HMAC, nonce, IP whitelist, rate limit.

It wraps the whole ASGI app (not a framework middleware) so that it runs before routing:
unknown paths and wrong methods are authenticated and carry the rate-limit headers too,
as clients that read ``x-ratelimit-*`` on every response expect. Whether a request needs
a signature is decided on its path as the router will match it (``//v2/...`` and
``/%2Fv2/...`` are ``/v2/...`` to Litestar, so they are to us too). It reads the body
once (the signature covers it), then replays it to the app.

Order matters. What the headers alone can refuse (no or a malformed ``Authorization``, an
unknown key, a timestamp out of the window, an address the key does not allow, a declared
body over the limit) is refused before a byte of the body is read: a caller without a key
costs us its headers, never a buffered body. The signature is checked before the nonce,
so an unauthenticated caller cannot burn nonces. Every failure is counted against the
caller's IP; past ``RESELLER_API_AUTH_FAILURE_LIMIT`` that IP gets 429 before any
cryptography is done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from limits import RateLimitItem
from litestar.utils import normalize_path

from reseller_api import clock as installation_clock
from reseller_api import errors
from reseller_api.caching import BoundedMemo
from reseller_api.conventions.admission import Admission
from reseller_api.conventions.hmac import ParsedAuthorization, parse_authorization, signature_matches
from reseller_api.conventions.network import IPNetwork, client_address
from reseller_api.conventions.ratelimit import Decision, RateLimiter
from reseller_api.conventions.responses import as_sent, send_json_error
from reseller_api.credentials.cache import Credential, KeyCache

ASGIApp = Callable[..., Awaitable[None]]

CREDENTIAL_SCOPE_KEY = "reseller_api.credential"
# The documentation is public: exactly these paths and what lies under the second.
PUBLIC_PATHS = frozenset({"/v2/openapi.json", "/v2/documentation"})
PUBLIC_PREFIX = "/v2/documentation/"
log = logging.getLogger("reseller_api.auth")
# Refusals made before the body was read close the connection when a body was announced:
# nothing of it is read, buffered or waited for.
_CLOSE = [(b"connection", b"close")]


def needs_signature(path: str) -> bool:
    """Whether a request for ``path`` must be signed, judged on the path as it is routed.

    Litestar matches ``normalize_path(path)``: no leading or trailing slash doubled, runs
    of slashes collapsed. A path under ``/v2`` with a ``.`` or ``..`` segment is never
    public, whatever the router would make of it.
    """
    if not path.startswith("/") or "//" in path or (path.endswith("/") and len(path) > 1):
        path = normalize_path(path)
    if not path.startswith("/v2"):
        return False
    if "/." in path:
        return True
    return path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIX)


class _Refused(Exception):
    def __init__(self, error: errors.ErrorCode) -> None:
        self.error = error


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: KeyCache,
        admission: Admission,
        limiter: RateLimiter,
        failure_limit: RateLimitItem,
        max_age: int,
        max_body: int,
        trusted_proxies: tuple[IPNetwork, ...],
        clock: Callable[[], float] = installation_clock.time,
        wall: Callable[[], float] | None = None,
    ) -> None:
        self.app = app
        self.keys = keys
        self.admission = admission
        self.limiter = limiter
        self.failure_limit = failure_limit
        self.max_age = max_age
        self.max_body = max_body
        self.trusted_proxies = trusted_proxies
        self.clock = clock
        # The sandbox (reseller_api/sandbox) moves ``clock``; a client signing with its own
        # real clock must still get in, so its timestamp may fall in either window.
        self.wall = wall

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not needs_signature(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        now = self.clock()
        address = client_address(scope, self.trusted_proxies)
        ip_identity = _IP_IDENTITIES[address]
        # A flood of bad signatures from one address stops costing us anything here.
        blocked = self.limiter.blocked(self.failure_limit, ip_identity)
        if blocked is not None:
            await send_json_error(send, errors.RATE_LIMITED, [*blocked.headers(), *_close_if_body(scope)])
            return

        try:
            credential, parsed = await self._identify(scope, now, address)
        except _Refused as refused:
            await self._refuse(send, scope, address, ip_identity, refused.error, _close_if_body(scope))
            return

        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                await self._refuse(send, scope, address, ip_identity, errors.BODY_TOO_LARGE, _CLOSE)
                return

        try:
            decision = await self._verify(scope, credential, parsed, bytes(body), now, ip_identity)
        except _Refused as refused:
            await self._refuse(send, scope, address, ip_identity, refused.error)
            return

        if not decision.allowed:
            await send_json_error(send, errors.RATE_LIMITED, decision.headers())
            return
        scope[CREDENTIAL_SCOPE_KEY] = credential
        await self.app(scope, _replay(bytes(body), receive), _with_headers(send, decision))

    async def _refuse(
        self,
        send: Any,
        scope: dict[str, Any],
        address: Any,
        ip_identity: str,
        error: errors.ErrorCode,
        extra: list[tuple[bytes, bytes]] = (),  # type: ignore[assignment]
    ) -> None:
        """Answer a refusal, counted against the caller's IP (429 once it is over the limit)."""
        failures = await self.limiter.hit(self.failure_limit, ip_identity)
        # The path as a repr: a decoded %0A must not start a forged line in the log.
        log.info("refused %s %r from %s: %s", scope["method"], scope["path"], address, error.code)
        await send_json_error(
            send, error if failures.allowed else errors.RATE_LIMITED, [*failures.headers(), *extra]
        )

    async def _identify(
        self, scope: dict[str, Any], now: float, address: Any
    ) -> tuple[Credential, ParsedAuthorization]:
        """Everything the headers alone can refuse, before any of the body is read."""
        header = None
        declared = 0
        for name, value in scope["headers"]:
            if name == b"authorization" and header is None:
                header = value.decode("latin-1")
            elif name == b"content-length":
                declared = int(value) if value.isdigit() else 0
        if header is None:
            raise _Refused(errors.AUTH_HEADER_MISSING)
        parsed = parse_authorization(header)
        if parsed is None:
            raise _Refused(errors.AUTH_HEADER_INVALID)
        keys = self.keys
        credential = keys.get_inline(parsed.api_key) if keys.inline else await keys.get(parsed.api_key)
        if credential is None:
            raise _Refused(errors.AUTH_KEY_UNKNOWN)
        # Whole seconds, as the header carries: a timestamp exactly max_age away is in the
        # window whatever the fraction of the current second.
        if abs(int(now) - parsed.timestamp) > self.max_age and not self._in_wall_window(parsed):
            raise _Refused(errors.AUTH_TIMESTAMP)
        if not credential.allows(address):
            raise _Refused(errors.AUTH_IP_NOT_WHITELISTED)
        if declared > self.max_body:
            raise _Refused(errors.BODY_TOO_LARGE)
        return credential, parsed

    def _in_wall_window(self, parsed: ParsedAuthorization) -> bool:
        return self.wall is not None and abs(int(self.wall()) - parsed.timestamp) <= self.max_age

    async def _verify(
        self,
        scope: dict[str, Any],
        credential: Credential,
        parsed: ParsedAuthorization,
        body: bytes,
        now: float,
        ip_identity: str,
    ) -> Decision:
        """The signature, then the nonce and the key's rate limit: the verdict, or _Refused."""
        # raw_path is the path as sent, undecoded; some servers (and httpx's test
        # transport) leave the query string on it, which the ASGI spec does not.
        raw_path = (scope.get("raw_path") or scope["path"].encode()).split(b"?", 1)[0]
        target = raw_path.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        if not signature_matches(parsed, credential.secret, scope["method"], target, body):
            raise _Refused(errors.AUTH_HMAC_INVALID)
        timestamp = parsed.timestamp
        if self.wall is not None:
            # Nonces and rate limits count on the wall clock (a nonce is remembered until its
            # timestamp + window): a timestamp signed on the sandbox's clock is moved onto it.
            wall = self.wall()
            if abs(int(wall) - timestamp) > self.max_age:
                timestamp -= int(now) - int(wall)
            now = wall
        # The nonce, then the key's rate limit: one step (on Redis, one round trip).
        decision = await self.admission.admit(
            credential.rate_limit,
            _KEY_IDENTITIES[credential.key_id],
            parsed.api_key,
            parsed.nonce,
            timestamp,
            now,
            (self.failure_limit, ip_identity),
        )
        if decision is None:
            raise _Refused(errors.AUTH_NONCE_REUSED)
        return decision


# ``ip:<address>``, the failure counter's identity: formatting an address costs a
# microsecond, and the same few addresses call again and again.
_IP_IDENTITIES: BoundedMemo[Any, str] = BoundedMemo(lambda address: f"ip:{address}", 4096)
# ``key:<id>``, the rate limit's identity for a key.
_KEY_IDENTITIES: BoundedMemo[int, str] = BoundedMemo(lambda key_id: f"key:{key_id}", 4096)


def _close_if_body(scope: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    """``Connection: close`` when the request announced a body we are not going to read."""
    for name, value in scope["headers"]:
        if (name == b"content-length" and value.strip() not in (b"", b"0")) or name == b"transfer-encoding":
            return _CLOSE
    return []


def _replay(body: bytes, receive: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replay


def _with_headers(send: Any, decision: Decision) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """The app's answer with the rate-limit headers, its header names as the vendor sends them."""
    extra = decision.headers()

    async def send_with_headers(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": as_sent(message.get("headers", ()), extra)}
        await send(message)

    return send_with_headers
