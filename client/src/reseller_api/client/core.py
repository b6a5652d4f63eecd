"""What the sync and the async client share: building signed requests, reading answers, retry policy.

Neither client does I/O here; :mod:`reseller_api.client.sync` and
:mod:`reseller_api.client.aio` only send what this module builds and sleep when it says so.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote, urlencode, urlsplit

import httpx
import msgspec

from reseller_api.client import errors
from reseller_api.client.signing import authorization_header
from reseller_api.client.version import __version__

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
DEFAULT_PAGE_SIZE = 100
# Back-off for GETs answered 5xx or not answered at all: 0.5 s, 1 s, 2 s ...
SERVER_ERROR_BACKOFF = 0.5
MAX_RETRY_AFTER = 120.0  # a broken Retry-After must not park a client for hours

Outcome = Literal["body", "none", "location", "id", "bytes", "body_or_redirect"]
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The key the caller chose for the writes sent inside ``idempotency_key(...)``.
_CHOSEN_KEY: ContextVar[str | None] = ContextVar("reseller_api_client_idempotency_key", default=None)


@contextmanager
def idempotency_key(key: str | None) -> Iterator[None]:
    """Send ``key`` as the ``Idempotency-Key`` of the writes made inside the block.

    Wrap one write: running the block again (after a crash of your own program, say) with
    the same key then gets the first outcome instead of doing the write twice. A second,
    different write in the same block would be refused with 422 ``idempotency_key_reused``.
    ``None`` leaves the client's own keys (a new UUID per write).
    """
    token = _CHOSEN_KEY.set(key)
    try:
        yield
    finally:
        _CHOSEN_KEY.reset(token)


ParamValue = str | int | bool | None


def segment(value: str | int) -> str:
    """One path segment, percent-encoded (an e-mail address or a fingerprint may hold ``@``, ``:``)."""
    return quote(str(value), safe="@:")


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One operation, fully described: what to send and how to read the answer.

    ``outcome`` says what a success returns: the decoded body (``type``), nothing (204),
    the ``Location`` header of a 201 that creates something without a body, the last
    segment of that ``Location`` (the new thing's id), the raw bytes (a download), or the
    decoded body unless the answer is a 303, whose ``Location`` it then returns (an SSL
    certificate request, once issued, redirects to its certificate).
    """

    method: str
    path: str
    type: Any = None
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    body: Any = None
    outcome: Outcome = "body"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The latest ``X-RateLimit-*`` values the server sent."""

    limit: int
    usage: int
    remaining: int
    reset: int  # seconds until the window resets

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> RateLimit | None:
        try:
            return cls(
                int(headers["x-ratelimit-limit"]),
                int(headers["x-ratelimit-usage"]),
                int(headers["x-ratelimit-remaining"]),
                int(headers["x-ratelimit-reset"]),
            )
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a collection and where it sits in the whole."""

    items: list[T]
    skipped: int
    total: int


class BaseClient:
    """Settings and the pure logic of both clients.

    ``base_url`` is the API's root (``https://api.example.com``; paths start with ``/v2``).
    ``rate_limit_retries`` is how many 429s are slept off (``Retry-After``) before
    :class:`~reseller_api.client.errors.RateLimitError`; 0 disables. ``server_error_retries``
    is how many times a request answered 5xx (or not answered) is tried again, with back-off.

    Every write carries an ``Idempotency-Key`` (a new UUID per call, the same on each of
    its retries, or the one given with :func:`idempotency_key`), so a write is retried
    like a GET: the server answers a repeat with the first outcome (docs/extensions.md).
    ``idempotency_keys=False`` sends none and never retries a write, for a server that
    does not implement the extension (the vendor's).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_secret: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        rate_limit_retries: int = 3,
        server_error_retries: int = 2,
        poll_interval: float = 0.25,
        idempotency_keys: bool = True,
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required, e.g. http://127.0.0.1:8000")
        if rate_limit_retries < 0 or server_error_retries < 0:
            raise ValueError("retry counts cannot be negative")
        self.base_url = base_url.rstrip("/")
        self.path_prefix = urlsplit(self.base_url).path  # signed too: it is part of the path as sent
        self.api_key = api_key
        self._api_secret = api_secret
        self.timeout = timeout
        self.rate_limit_retries = rate_limit_retries
        self.server_error_retries = server_error_retries
        self.poll_interval = poll_interval
        self.idempotency_keys = idempotency_keys
        self.rate_limit: RateLimit | None = None

    def __repr__(self) -> str:  # never shows the secret
        return f"{type(self).__name__}({self.base_url!r}, api_key={self.api_key!r})"

    # -- building ---------------------------------------------------------------------

    def target(self, call: Call[Any]) -> str:
        """Path and query exactly as they go on the wire (what the signature covers)."""
        params = {k: _param(v) for k, v in call.params.items() if v is not None}
        query = urlencode(params)
        return self.path_prefix + call.path + (f"?{query}" if query else "")

    def key_for(self, call: Call[Any]) -> str | None:
        """The ``Idempotency-Key`` of one call (all its attempts), or None for a read."""
        if call.method not in WRITES or not self.idempotency_keys:
            return None
        return _CHOSEN_KEY.get() or str(uuid.uuid4())

    def build(
        self, http: httpx.Client | httpx.AsyncClient, call: Call[Any], key: str | None = None
    ) -> httpx.Request:
        """A freshly signed request: every attempt gets its own nonce and timestamp."""
        target = self.target(call)
        content = b"" if call.body is None else msgspec.json.encode(call.body)
        headers = {
            "Authorization": authorization_header(
                self.api_key, self._api_secret, call.method, target, content
            ),
            "Accept": "application/json",
            "User-Agent": f"reseller-api-python/{__version__}",
        }
        if content:
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        return http.build_request(
            call.method, self.base_url + target[len(self.path_prefix) :], content=content, headers=headers
        )

    # -- reading ------------------------------------------------------------------------

    def observe(self, response: httpx.Response) -> None:
        """Remember the rate-limit headers of every answer."""
        seen = RateLimit.from_headers(response.headers)
        if seen is not None:
            self.rate_limit = seen

    def retry_delay(
        self, call: Call[Any], response: httpx.Response | None, attempt: int, *, keyed: bool = False
    ) -> float | None:
        """Seconds to wait before trying ``call`` again, or None to stop here.

        ``attempt`` counts the tries already made (1 after the first). A 429 was not
        processed, so any method may be retried after ``Retry-After``; a 5xx or a lost
        connection is retried for a GET, and for a write that carries an Idempotency-Key
        (``keyed``), where repeating cannot do anything twice. A keyed write answered 409
        ``idempotency_key_in_use`` (its first try still running) is asked again too.
        """
        if response is not None and response.status_code == 429:
            if attempt > self.rate_limit_retries:
                return None
            return min(_retry_after(response) or 1.0, MAX_RETRY_AFTER)
        if (call.method != "GET" and not keyed) or attempt > self.server_error_retries:
            return None
        if keyed and response is not None and _in_use(response):
            return min(_retry_after(response) or 1.0, MAX_RETRY_AFTER)
        if response is None or response.status_code >= 500:
            hinted = _retry_after(response) if response is not None else None
            return min(
                hinted if hinted is not None else SERVER_ERROR_BACKOFF * 2.0 ** (attempt - 1), MAX_RETRY_AFTER
            )
        return None

    def result(self, call: Call[T], response: httpx.Response) -> T:
        """The success value of ``call``, or the matching :class:`~errors.ApiError`."""
        if response.status_code >= 400:
            raise error_for(response)
        if call.outcome == "none":
            return None  # type: ignore[return-value]
        if call.outcome == "bytes":
            return response.content  # type: ignore[return-value]
        if call.outcome == "body_or_redirect" and response.status_code == 303:
            return str(response.headers.get("location", ""))  # type: ignore[return-value]
        if call.outcome in ("location", "id"):
            location = str(response.headers.get("location", ""))
            return location.rstrip("/").rsplit("/", 1)[-1] if call.outcome == "id" else location  # type: ignore[return-value]
        value: T = decode(call.type, response)
        return value

    def location(self, response: httpx.Response) -> str:
        """The ``Location`` of a 201/202 (the job or the created resource), or the error it really is."""
        if response.status_code >= 400:
            raise error_for(response)
        return str(response.headers.get("location", ""))

    def page(self, call: Call[list[T]], response: httpx.Response) -> Page[T]:
        items = self.result(call, response)
        skipped = _int_header(response, "x-paging-skipped", 0)
        return Page(items, skipped, _int_header(response, "x-paging-totalresults", skipped + len(items)))


def decode(kind: Any, response: httpx.Response) -> Any:
    """Decode a body into the server's own Struct; a body that does not fit is a ServerError.

    ``kind`` may map status codes to types, for an answer whose shape depends on its status.
    """
    if isinstance(kind, dict):
        kind = kind[response.status_code]
    try:
        return msgspec.json.decode(response.content, type=kind)
    except msgspec.ValidationError as exc:
        raise errors.ServerError(
            "unexpected_response",
            f"The server's answer does not match the API's schema: {exc}",
            status=response.status_code,
            request=response.request,
            response=response,
        ) from exc


def error_for(response: httpx.Response) -> errors.ApiError:
    """The exception for an error response, from its JSON body when it has one."""
    status = response.status_code
    try:
        body = json.loads(response.content) if response.content else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(body.get("error_code") or f"http_{status}")
    text = str(body.get("error_text") or response.reason_phrase or f"HTTP {status}")
    common: dict[str, Any] = {"status": status, "request": response.request, "response": response}
    if isinstance(body.get("validation_errors"), list):
        problems = [
            errors.FieldError(str(p.get("error_code", "")), str(p.get("error_text", "")))
            for p in body["validation_errors"]
            if isinstance(p, dict)
        ]
        first = problems[0] if problems else errors.FieldError("validation_failed", "The input is invalid.")
        return errors.ValidationError(
            first.error_code, first.error_text, validation_errors=problems, **common
        )
    if status == 400:
        return errors.ValidationError(code, text, validation_errors=[errors.FieldError(code, text)], **common)
    if status in (401, 403):
        return errors.AuthenticationError(code, text, **common)
    if status == 404:
        return errors.NotFoundError(code, text, **common)
    if status == 409:
        return errors.ConflictError(code, text, **common)
    if status == 429:
        return errors.RateLimitError(code, text, retry_after=_retry_after(response), **common)
    if status >= 500:
        return errors.ServerError(code, text, **common)
    return errors.ApiError(code, text, **common)


def transport_error(exc: httpx.TransportError, request: httpx.Request | None) -> errors.TransportError:
    name = type(exc).__name__
    return errors.TransportError(
        "transport_error", f"{name}: {exc or 'no answer from the server'}", request=request
    )


def _param(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["retry-after"]))
    except (KeyError, ValueError):
        return None


def _in_use(response: httpx.Response) -> bool:
    if response.status_code != 409:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error_code") == "idempotency_key_in_use"


def _int_header(response: httpx.Response, name: str, default: int) -> int:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return default
