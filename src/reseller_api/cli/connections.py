"""The limits ``serve`` puts on every connection, which uvicorn does not.

uvicorn closes a connection that stays idle after a response (``timeout_keep_alive``),
and nothing else: a connection that never sends a request, a request whose headers or
body trickle in a byte at a time, headers without end (httptools keeps them all), and as
many connections as the file descriptor limit allows, all stay open for as long as the
client likes. :class:`GuardedProtocol` is uvicorn's httptools protocol with those limits:

- **idle**: a connection with no request under way (new, or after a response) is closed
  after ``keep_alive`` seconds;
- **headers**: a request's headers must arrive within ``header_timeout`` seconds of its
  first byte, and weigh at most :data:`MAX_HEADER_BYTES` (else 431 and close);
- **body**: its body within ``body_timeout`` seconds of the headers' end (else 408 and
  close; the app sees the client disconnect);
- **connections**: past ``max_connections`` open at once, a request is answered 503 with
  ``Retry-After`` and the connection closed.

One timer per connection, moved by plain attribute writes: it is re-armed only when it
fires, or when a phase needs an earlier deadline than it is set for.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from reseller_api import errors
from reseller_api.conventions.responses import error_body, send_json_error

log = logging.getLogger("reseller_api.connections")

# nginx's default for large headers (4 x 8k); any header, cookie or URL of this API is far smaller.
MAX_HEADER_BYTES = 32_768
# File descriptors kept for what is not a client connection: the listening socket, the
# database pool, Redis, log files, backends' sockets.
RESERVED_FILES = 128

IDLE, HEADERS, BODY, APP = "idle", "headers", "body", "app"


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive: float = 5.0
    max_connections: int = 1000


def _raw_answer(error: errors.ErrorCode, reason: str) -> bytes:
    body = error_body(error.code, error.text)
    return (
        f"HTTP/1.1 {error.status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


_TIMED_OUT = _raw_answer(errors.REQUEST_TIMEOUT, "Request Timeout")
_HEADERS_TOO_LARGE = _raw_answer(errors.HEADERS_TOO_LARGE, "Request Header Fields Too Large")


async def _too_many_connections(scope: Any, receive: Any, send: Any) -> None:
    await send_json_error(
        send,
        errors.UNAVAILABLE,
        [(b"retry-after", b"1"), (b"connection", b"close")],
        text="The server has too many open connections; retry later.",
    )


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with deadlines for each phase of a request and a connection cap."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._phase = IDLE
        self._header_bytes = 0
        self._deadline: float | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self._watch_at = 0.0
        self._until(self.limits.keep_alive)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._phase in (IDLE, HEADERS) and not self.transport.is_closing():
            # httptools keeps a header it has not seen the end of, however long: count.
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._close(_HEADERS_TOO_LARGE)

    # -- the phases of a request (httptools' callbacks) ------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase = HEADERS
        self._until(self.limits.header_timeout)

    def on_headers_complete(self) -> None:
        self._phase = BODY
        self._header_bytes = 0
        self._until(self.limits.body_timeout)
        if len(self.connections) > self.limits.max_connections:
            # The request gets its answer from a stand-in app; super() reads self.app.
            self.app = _too_many_connections
            try:
                super().on_headers_complete()
            finally:
                self.app = self.config.loaded_app
            return
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self._phase != BODY:
            return
        if self.cycle.response_complete and not self.pipeline:
            # Answered before the body was in (a refusal): the connection is idle again.
            self._phase = IDLE
            self._until(self.limits.keep_alive)
        else:
            self._phase = APP
            self._deadline = None  # the app's own time is not the client's

    def on_response_complete(self) -> None:
        idle = self._phase == APP and not self.pipeline
        super().on_response_complete()
        if idle:
            self._phase = IDLE
            self._until(self.limits.keep_alive)

    # -- the one timer ---------------------------------------------------------------------

    def _until(self, seconds: float) -> None:
        """The current phase must end within ``seconds``."""
        deadline = self.loop.time() + seconds
        self._deadline = deadline
        if self._watchdog is None or deadline < self._watch_at:
            if self._watchdog is not None:
                self._watchdog.cancel()
            self._watch_at = deadline
            self._watchdog = self.loop.call_at(deadline, self._watch)

    def _watch(self) -> None:
        self._watchdog = None
        deadline = self._deadline
        if deadline is None or self.transport.is_closing():
            return
        if self.loop.time() < deadline:
            self._watch_at = deadline
            self._watchdog = self.loop.call_at(deadline, self._watch)
            return
        self._expire()

    def _expire(self) -> None:
        log.debug("closing a connection from %s: its %s phase timed out", self.client, self._phase)
        self._close(None if self._phase == IDLE else _TIMED_OUT)

    def _close(self, answer: bytes | None) -> None:
        """Close the connection, with ``answer`` first unless another response is under way."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            # The app may be waiting for the body: it now sees the client gone, and
            # whatever it sends is dropped instead of following our answer on the wire.
            cycle.disconnected = True
            cycle.message_event.set()
        if answer is not None and self._may_answer(cycle):
            self.transport.write(answer)
        self.transport.close()

    def _may_answer(self, cycle: Any) -> bool:
        if self.pipeline:  # an earlier request of this connection is still being answered
            return False
        if self._phase == BODY:  # the cycle is this request's own
            return cycle is not None and not cycle.response_started
        return cycle is None or cycle.response_complete  # the cycle is the previous request's


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedProtocol]:
    """The protocol class uvicorn instantiates per connection, carrying ``limits``."""
    return type("GuardedProtocol", (GuardedProtocol,), {"limits": limits})


def fit_file_limit(limits: ConnectionLimits) -> ConnectionLimits:
    """Raise the open-file limit to hold ``max_connections``, or lower the cap to what it holds.

    A connection is a file descriptor: past the limit, ``accept`` fails and a legitimate
    client waits while idle ones hold every descriptor.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = limits.max_connections + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < needed:
        fitted = max(1, soft - RESERVED_FILES)
        log.warning(
            "the open-file limit (%d) holds %d connections, not RESELLER_API_MAX_CONNECTIONS=%d; "
            "raise LimitNOFILE (systemd) or ulimit -n",
            soft,
            fitted,
            limits.max_connections,
        )
        return ConnectionLimits(limits.header_timeout, limits.body_timeout, limits.keep_alive, fitted)
    return limits
