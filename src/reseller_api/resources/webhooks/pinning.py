"""Connect a delivery to the addresses its URL's check vetted (no DNS rebinding).

``addresses.check_url`` resolves the endpoint's host and vets every address. Were the HTTP
client to resolve the name again to connect, a name answering a public address for the
check and a private one a moment later would reach the hosting network. So a request
carries the vetted addresses (the :data:`PINNED_ADDRESSES` extension) and the connection
goes to one of them, while everything else stays the name's: the Host header, TLS's SNI
and the certificate's verification against the name (httpx does those from the URL,
which is unchanged). A request without vetted addresses connects nowhere.

A pooled connection is reused for the same scheme, name and port: it was made to an
address vetted then, and each delivery's check still refuses a name that has moved to a
private address before anything is sent.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

import httpcore
import httpx

from reseller_api.resources.webhooks.addresses import IPAddress

PINNED_ADDRESSES = "reseller_api.pinned_addresses"
# httpx's defaults: the pool we put in place of httpx's is sized as httpx's was.
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


@dataclass(frozen=True, slots=True)
class _Pin:
    host: str
    addresses: tuple[IPAddress, ...]


# The request being sent in this thread, for the network backend below (which httpcore
# calls with a host and a port only).
_pin: ContextVar[_Pin | None] = ContextVar("webhook_pin", default=None)


class _PinnedBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        pin = _pin.get()
        if pin is None or pin.host != host or not pin.addresses:
            raise httpcore.ConnectError(f"{host!r} was not checked: no vetted address to connect to")
        # In the resolver's order, the next when one fails, as a resolving client would; the
        # last one's failure is the delivery's.
        *others, last = pin.addresses
        for address in others:
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
        return super().connect_tcp(str(last), port, timeout, local_address, socket_options)


class PinnedTransport(httpx.HTTPTransport):
    """An httpx transport whose connections go to the request's vetted addresses only."""

    def __init__(self, *, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify, trust_env=False, limits=LIMITS)
        # httpx has no way to choose the network backend: the pool it made (the only state
        # ``handle_request`` uses) is replaced by one like it with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=LIMITS.max_connections,
            max_keepalive_connections=LIMITS.max_keepalive_connections,
            keepalive_expiry=LIMITS.keepalive_expiry,
            network_backend=_PinnedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        vetted = tuple(request.extensions.get(PINNED_ADDRESSES, ()))
        token = _pin.set(_Pin(request.url.raw_host.decode("ascii"), vetted))
        try:  # the connection is made (or taken from the pool) in here
            return super().handle_request(request)
        finally:
            _pin.reset(token)
