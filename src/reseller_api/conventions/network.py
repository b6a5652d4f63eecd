"""Who is calling: the peer address, or the client behind a trusted proxy.

Behind a proxy in ``RESELLER_API_TRUSTED_PROXIES`` the client is read from what the proxy
appended: ``X-Forwarded-For`` (``203.0.113.5``, ``203.0.113.5:4711``, ``2001:db8::7``,
``[2001:db8::7]:4711``) or RFC 7239 ``Forwarded: for=...``. A hop the proxy wrote that
cannot be read as an address (``unknown``, an obfuscated ``_name``, empty, garbage) makes
the client unknown (``None``): no whitelist admits it. A proxy sending both headers must
agree in them; if they disagree, one was written by the client, and the client is unknown.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any

from reseller_api.caching import BoundedMemo

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Parsed peer addresses by their text: ``ip_address()`` costs about 5 us a request, and a
# server sees the same few peers (a proxy, a handful of clients) again and again. Bounded:
# emptied when full, so a scan from many addresses costs memory no more than this.
PEER_CACHE_SIZE = 4096

# RFC 7239: elements split on commas, pairs on semicolons, both outside quoted strings.
_UNQUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|([,;])')
_PORT = re.compile(r"\d{1,5}|_[A-Za-z0-9._-]+")  # a port, or an obfuscated one (RFC 7239 6.3)


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


def hop_address(text: str) -> IPAddress | None:
    """One hop as proxies write it, port or not; None when it names no address."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':  # a quoted-string of Forwarded
        text = text[1:-1].replace('\\"', '"')
    if text.startswith("["):  # IPv6, maybe with a port
        end = text.find("]")
        port = text[end + 1 :] if end > 0 else "?"
        if port and not (port.startswith(":") and _PORT.fullmatch(port[1:])):
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # IPv4 with a port
        text, _, port = text.partition(":")
        if not _PORT.fullmatch(port):
            return None
    return _address(text) if text else None


def forwarded_for(value: str) -> list[str]:
    """The ``for=`` of each element of a ``Forwarded`` header, in order ("" when one has none)."""
    hops = []
    for element in _split(value, ","):
        found = ""
        for pair in _split(element, ";"):
            name, sep, text = pair.partition("=")
            if sep and name.strip().lower() == "for":
                found = text
        hops.append(found)
    return hops


def _split(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it stands outside a quoted string."""
    parts, start = [], 0
    for match in _UNQUOTED.finditer(text):
        if match.group(1) == separator:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


def client_address(scope: dict[str, Any], trusted: Sequence[IPNetwork]) -> IPAddress | None:
    """The caller's address; None when it cannot be known. Forwarded hops count only from a trusted proxy.

    We walk the forwarded chain from the right and stop at the first hop that is not
    itself a trusted proxy: everything left of it could have been written by the client.
    """
    client = scope.get("client")
    peer = _PEERS[client[0]] if client else None
    if peer is None or not trusted or not any(peer in net for net in trusted):
        return peer
    # Several headers of one name are one list, in order.
    chains: dict[bytes, list[str]] = {}
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            chains.setdefault(name, []).extend(value.decode("latin-1").split(","))
        elif name == b"forwarded":
            chains.setdefault(name, []).extend(forwarded_for(value.decode("latin-1")))
    if not chains:
        return peer  # a trusted proxy that forwards nothing is itself the caller
    found = {_walk(hops, peer, trusted) for hops in chains.values()}
    return found.pop() if len(found) == 1 else None


def _walk(hops: list[str], peer: IPAddress, trusted: Sequence[IPNetwork]) -> IPAddress | None:
    address: IPAddress | None = peer
    for hop in reversed(hops):
        address = hop_address(hop)
        if address is None or not any(address in net for net in trusted):
            break
    return address


def from_trusted_proxy(scope: dict[str, Any], trusted: Sequence[IPNetwork]) -> bool:
    """Whether the peer is one of ``RESELLER_API_TRUSTED_PROXIES`` (whose headers we believe)."""
    if not trusted:
        return False
    client = scope.get("client")
    peer = _PEERS[client[0]] if client else None
    return peer is not None and any(peer in net for net in trusted)
