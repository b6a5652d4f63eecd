"""Where a webhook may be sent: no SSRF into the hosting network.

An endpoint's URL is ``https`` (``http`` only for a loopback host, for tests), and every
address its host resolves to must be public, unless ``RESELLER_API_WEBHOOK_ALLOW_PRIVATE``
is on. Checked when the endpoint is saved and again before every delivery (a name may
resolve elsewhere later); the delivery then connects to the addresses this check vetted,
never to a second resolution of the name (DNS rebinding: see ``pinning``). Redirects are
never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from ipaddress import IPv4Address, IPv6Address, IPv6Network
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost"})
IPAddress = IPv4Address | IPv6Address

# IPv6 forms that carry an IPv4 address in their last 32 bits and reach it (through a
# translator or the host's own IPv4 stack): Python's ``is_global`` judges them by their
# IPv6 prefix alone, so 64:ff9b::a00:1 (NAT64 of 10.0.0.1) counts as global.
_EMBEDDING_IN_LAST_32_BITS = (
    IPv6Network("::ffff:0:0/96"),  # IPv4-mapped (RFC 4291)
    IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
    IPv6Network("::/96"),  # IPv4-compatible, deprecated (RFC 4291)
    IPv6Network("64:ff9b::/96"),  # NAT64's well-known prefix (RFC 6052)
)
# NAT64 for local use (RFC 8215): a translator of the operator's network, which may embed
# the IPv4 address anywhere; not globally reachable (IANA's registry) though Python 3.11's
# ``is_global`` says it is.
_LOCAL_NAT64 = IPv6Network("64:ff9b:1::/48")


class Refused(Exception):
    """The URL may not be used; the message says why, in words for the reseller."""


def _is_loopback_host(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address a connection to ``address`` ends up at, if it embeds one."""
    if address.sixtofour is not None:  # 6to4 (2002::/16): bits 16 to 48
        return address.sixtofour
    if any(address in network for network in _EMBEDDING_IN_LAST_32_BITS):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Globally reachable unicast, and so is any IPv4 address it embeds."""
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        embedded = embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return True


def resolve_host(host: str, port: int) -> tuple[IPAddress, ...]:
    """Every address ``host`` resolves to (the system's resolver), in its order, once each."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # A link-local IPv6 address keeps its scope ("fe80::1%eth0"): a connection needs it.
    found = (ipaddress.ip_address(str(info[4][0])) for info in infos)
    return tuple(dict.fromkeys(found))


def check_url(url: str, *, allow_private: bool, resolve: bool = True) -> tuple[IPAddress, ...]:
    """Refuse a URL that is not one we may POST to (see the module docstring); the addresses
    a delivery may connect to (none when ``resolve`` is false: the name was not looked up)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"url is not a valid URL ({exc}).") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise Refused("url must be an absolute https URL.")
    if parts.username or parts.password:
        raise Refused("url may not carry a user name or password.")
    if parts.scheme == "http" and not _is_loopback_host(host):
        raise Refused("url must use https (http is accepted for a loopback host only).")
    if not resolve:
        return ()
    try:
        found = resolve_host(host, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        raise Refused(f"url's host {host!r} does not resolve.") from None
    if not found:
        raise Refused(f"url's host {host!r} does not resolve.")
    if allow_private:
        return found
    for address in found:
        if not is_public(address):
            raise Refused(
                f"url's host {host!r} resolves to {address}, a private, loopback or reserved address; "
                "the operator must allow those (RESELLER_API_WEBHOOK_ALLOW_PRIVATE)."
            )
    return found
