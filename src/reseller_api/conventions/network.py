"""Who is calling: the peer address, or the client behind a trusted proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from reseller_api.caching import BoundedMemo

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Parsed peer addresses by their text: ``ip_address()`` costs about 5 us a request, and a
# server sees the same few peers (a proxy, a handful of clients) again and again. Bounded:
# emptied when full, so a scan from many addresses costs memory no more than this.
PEER_CACHE_SIZE = 4096


def _address(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443" as some proxies write it
        text = text[1 : text.index("]")]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; compare them as IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


_PEERS: BoundedMemo[str, IPAddress | None] = BoundedMemo(_address, PEER_CACHE_SIZE)


def client_address(scope: dict[str, Any], trusted: Sequence[IPNetwork]) -> IPAddress | None:
    """The caller's address. ``X-Forwarded-For`` counts only when the peer is a trusted proxy.

    We walk the forwarded chain from the right and stop at the first hop that is not
    itself a trusted proxy: everything left of it could have been written by the client.
    """
    client = scope.get("client")
    peer = _PEERS[client[0]] if client else None
    if peer is None or not trusted or not any(peer in net for net in trusted):
        return peer
    forwarded: list[str] = []
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            forwarded.extend(value.decode("latin-1").split(","))
    address = peer
    for hop in reversed(forwarded):
        hop_address = _address(hop)
        if hop_address is None:
            break
        address = hop_address
        if not any(hop_address in net for net in trusted):
            break
    return address


def from_trusted_proxy(scope: dict[str, Any], trusted: Sequence[IPNetwork]) -> bool:
    """Whether the peer is one of ``RESELLER_API_TRUSTED_PROXIES`` (whose headers we believe)."""
    if not trusted:
        return False
    client = scope.get("client")
    peer = _PEERS[client[0]] if client else None
    return peer is not None and any(peer in net for net in trusted)
