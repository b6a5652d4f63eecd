"""Where a webhook may be sent: no SSRF into the hosting network.

An endpoint's URL is ``https`` (``http`` only for a loopback host, for tests), and every
address its host resolves to must be public, unless ``RESELLER_API_WEBHOOK_ALLOW_PRIVATE``
is on. Checked when the endpoint is saved and again before every delivery (a name may
resolve elsewhere later); redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost"})


class Refused(Exception):
    """The URL may not be used; the message says why, in words for the reseller."""


def _is_loopback_host(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_private: bool, resolve: bool = True) -> None:
    """Refuse a URL that is not one we may POST to (see the module docstring)."""
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
        return
    try:
        infos = socket.getaddrinfo(
            host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError):
        raise Refused(f"url's host {host!r} does not resolve.") from None
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise Refused(
                f"url's host {host!r} resolves to {address}, a private, loopback or reserved address; "
                "the operator must allow those (RESELLER_API_WEBHOOK_ALLOW_PRIVATE)."
            )
