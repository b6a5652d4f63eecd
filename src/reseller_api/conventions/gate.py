"""The gate every ``/v2`` request passes: HMAC, nonce, IP whitelist, rate limit.

It wraps the whole ASGI app (not a framework middleware) so that it runs before routing:
unknown paths and wrong methods are authenticated and carry the rate-limit headers too,
as clients that read ``x-ratelimit-*`` on every response expect. It reads the body once
(the signature covers it), then replays it to the app.

Order matters: the signature is checked before the IP whitelist and the nonce, so an
unauthenticated caller learns nothing about a key's whitelist and cannot burn nonces.
Every failure is counted against the caller's IP; past ``RESELLER_API_AUTH_FAILURE_LIMIT``
that IP gets 429 before any cryptography is done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from limits import RateLimitItem

from reseller_api import errors
from reseller_api.caching import BoundedMemo
from reseller_api.conventions.hmac import parse_authorization, signature_matches
from reseller_api.conventions.network import IPNetwork, client_address
from reseller_api.conventions.nonces import NonceStore
from reseller_api.conventions.ratelimit import Decision, RateLimiter
from reseller_api.conventions.responses import as_sent, send_json_error
from reseller_api.credentials.cache import Credential, KeyCache

ASGIApp = Callable[..., Awaitable[None]]

CREDENTIAL_SCOPE_KEY = "reseller_api.credential"
PUBLIC_PREFIXES = ("/v2/openapi.json", "/v2/documentation")
log = logging.getLogger("reseller_api.auth")


class _Refused(Exception):
    def __init__(self, error: errors.ErrorCode) -> None:
        self.error = error


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: KeyCache,
        nonces: NonceStore,
        limiter: RateLimiter,
        failure_limit: RateLimitItem,
        max_age: int,
        max_body: int,
        trusted_proxies: tuple[IPNetwork, ...],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.keys = keys
        self.nonces = nonces
        self.limiter = limiter
        self.failure_limit = failure_limit
        self.max_age = max_age
        self.max_body = max_body
        self.trusted_proxies = trusted_proxies
        self.clock = clock

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/v2") or path.startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        now = self.clock()
        address = client_address(scope, self.trusted_proxies)
        ip_identity = _IP_IDENTITIES[address]
        # A flood of bad signatures from one address stops costing us anything here.
        blocked = self.limiter.blocked(self.failure_limit, ip_identity)
        if blocked is not None:
            await send_json_error(send, errors.RATE_LIMITED, blocked.headers())
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
                await self._refuse(send, scope, address, ip_identity, errors.BODY_TOO_LARGE)
                return

        try:
            credential = self._authenticate(scope, bytes(body), now, address)
        except _Refused as refused:
            await self._refuse(send, scope, address, ip_identity, refused.error)
            return

        decision = self.limiter.hit(credential.rate_limit, f"key:{credential.key_id}")
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
    ) -> None:
        """Answer a refusal, counted against the caller's IP (429 once it is over the limit)."""
        failures = self.limiter.hit(self.failure_limit, ip_identity)
        log.info("refused %s %s from %s: %s", scope["method"], scope["path"], address, error.code)
        await send_json_error(send, error if failures.allowed else errors.RATE_LIMITED, failures.headers())

    def _authenticate(self, scope: dict[str, Any], body: bytes, now: float, address: Any) -> Credential:
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        if header is None:
            raise _Refused(errors.AUTH_HEADER_MISSING)
        parsed = parse_authorization(header)
        if parsed is None:
            raise _Refused(errors.AUTH_HEADER_INVALID)
        credential = self.keys.get(parsed.api_key)
        if credential is None:
            raise _Refused(errors.AUTH_KEY_UNKNOWN)
        if abs(now - parsed.timestamp) > self.max_age:
            raise _Refused(errors.AUTH_TIMESTAMP)
        # raw_path is the path as sent, undecoded; some servers (and httpx's test
        # transport) leave the query string on it, which the ASGI spec does not.
        raw_path = (scope.get("raw_path") or scope["path"].encode()).split(b"?", 1)[0]
        target = raw_path.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        if not signature_matches(parsed, credential.secret, scope["method"], target, body):
            raise _Refused(errors.AUTH_HMAC_INVALID)
        if not credential.allows(address):
            raise _Refused(errors.AUTH_IP_NOT_WHITELISTED)
        if not self.nonces.use(parsed.api_key, parsed.nonce, now):
            raise _Refused(errors.AUTH_NONCE_REUSED)
        return credential


# ``ip:<address>``, the failure counter's identity: formatting an address costs a
# microsecond, and the same few addresses call again and again.
_IP_IDENTITIES: BoundedMemo[Any, str] = BoundedMemo(lambda address: f"ip:{address}", 4096)


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
