"""Responses on the wire as the vendor sends them, and raw ASGI JSON answers.

Header names go out in the casing the vendor's recorded responses show (``Location``,
``Content-Type``, ``Content-Length``, ``Retry-After``, ``Date`` capitalised; ``x-ratelimit-*``
and ``x-paging-*`` lowercase): clients exist that look ``Location`` up case-sensitively.
JSON carries ``application/json; charset=utf-8``; a 201 or 202 without a body carries
``Content-Length: 0`` and no ``Content-Type``; a 204 carries neither (RFC 9110 forbids a
Content-Length there).

The framework lowercases every header name, and so does uvicorn's httptools protocol
(``name.lower()`` on each one before writing it). :func:`as_sent` gives the names back their
casing as :class:`CaseKept` bytes, whose ``lower()`` returns themselves: both servers
uvicorn runs (httptools and h11) then write them as given. Content-Length also compares
equal to ``b"content-length"`` in any case, because uvicorn frames the body by that
comparison.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from email.utils import formatdate
from typing import Any

import msgspec

from reseller_api.errors import ErrorCode

Send = Callable[[dict[str, Any]], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]
_encode = msgspec.json.Encoder().encode


class CaseKept(bytes):
    """A header name that keeps its casing through a server that lowercases names."""

    __slots__ = ()

    def lower(self) -> bytes:
        return self


class _FramingName(CaseKept):
    """``Content-Length``: equal to the lowercase name, so the server still frames the body by it."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, bytes) and bytes.lower(self) == bytes.lower(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(bytes.lower(self))


LOCATION = CaseKept(b"Location")
CONTENT_TYPE = CaseKept(b"Content-Type")
CONTENT_LENGTH = _FramingName(b"Content-Length")
RETRY_AFTER = CaseKept(b"Retry-After")
DATE = CaseKept(b"Date")
JSON = b"application/json; charset=utf-8"

# The names the vendor's recorded responses capitalise, by the lowercase name the framework uses.
_CASED: dict[bytes, bytes] = {
    b"location": LOCATION,
    b"content-type": CONTENT_TYPE,
    b"content-length": CONTENT_LENGTH,
    b"retry-after": RETRY_AFTER,
    b"date": DATE,
}
_MEDIA_TYPES = {b"application/json": JSON}


def as_sent(headers: Iterable[tuple[bytes, bytes]], extra: Headers) -> Headers:
    """``headers`` (the framework's) and ``extra`` as the vendor sends them (see the module docstring)."""
    if type(headers) is list and headers and type(headers[0][0]) is not bytes:
        return headers + extra  # sent in this form already (JSONBytes: the hot path)
    sent: Headers = []
    content_type: tuple[bytes, bytes] | None = None
    empty = False
    for name, value in headers:
        if type(name) is bytes:  # not already one of ours
            name = _CASED.get(name, name)
        if name is CONTENT_TYPE:
            content_type = (CONTENT_TYPE, _MEDIA_TYPES.get(value, value))
            continue
        if name is CONTENT_LENGTH:
            empty = value == b"0"
        sent.append((name, value))
    if content_type is not None and not empty:
        sent.insert(0, content_type)
    sent.extend(extra)
    return sent


class HttpDate:
    """The ``Date`` header's value, formatted once per second."""

    __slots__ = ("_second", "_value")

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def __call__(self) -> bytes:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second, self._value = second, formatdate(now, usegmt=True).encode("ascii")
        return self._value


http_date = HttpDate()


def error_body(code: str, text: str) -> bytes:
    return _encode({"error_code": code, "error_text": text})


async def send_json(send: Send, status: int, body: bytes, headers: Headers = ()) -> None:  # type: ignore[assignment]
    """One JSON answer, whole, with the vendor's header names (for layers outside the framework)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(CONTENT_TYPE, JSON), (CONTENT_LENGTH, b"%d" % len(body)), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json_error(
    send: Send,
    error: ErrorCode,
    headers: Headers = (),  # type: ignore[assignment]
    text: str | None = None,
) -> None:
    await send_json(send, error.status, error_body(error.code, text or error.text), headers)


class JSONBytes:
    """A 200 JSON answer whose body is already encoded: a tiny ASGI app.

    Hot point reads (``GET /v2/accounts/{id}``) return one of these instead of a Struct:
    Litestar hands an ASGI app straight to the server, skipping its response machinery
    (a ``Response`` object, header normalisation, the serialisation plugins), measured at
    about a fifth of a signed GET. The bytes are Litestar's for the same Struct and the
    headers what :func:`as_sent` makes of Litestar's (a unit test compares them), so the
    gate has nothing left to rename. The route declares its documented shape with ``responses=``.
    """

    __slots__ = ("body",)

    def __init__(self, value: object) -> None:
        self.body = _encode(value)

    async def __call__(self, scope: Any, receive: Any, send: Send) -> None:
        body = self.body
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(CONTENT_TYPE, JSON), (CONTENT_LENGTH, b"%d" % len(body))],
            }
        )
        await send({"type": "http.response.body", "body": body})
