"""Sign requests exactly as the API text describes, as the vendor's official PHP client does.

The signed string is ``apikey + method + urlencode(path_and_query) + timestamp + nonce
+ base64(md5(body))`` (the last part only for a non-empty body), signed with HMAC-SHA256
and base64-encoded. ``urlencode`` is PHP's: space as ``+``, uppercase hex, only
``A-Za-z0-9-_.`` kept, applied to the percent-decoded target.

This module deliberately shares no code with the server's verifier, so that a bug in
one cannot be masked by the same bug in the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote_plus, unquote_to_bytes


def php_urlencode(text: str | bytes) -> str:
    """PHP ``urlencode``: like ``quote_plus`` but ``~`` is encoded too."""
    return quote_plus(text, safe="").replace("~", "%7E")


def signature(
    api_key: str,
    api_secret: str,
    method: str,
    target: str,
    body: bytes,
    timestamp: int,
    nonce: str,
) -> str:
    """The base64 HMAC-SHA256 signature of one request."""
    content = base64.b64encode(hashlib.md5(body).digest()).decode() if body else ""  # noqa: S324 - the API's scheme
    # Decoded to bytes, not text: a non-UTF-8 escape (%E9) is signed as the byte PHP signs.
    path = php_urlencode(unquote_to_bytes(target))
    message = f"{api_key}{method.lower()}{path}{timestamp}{nonce}{content}"
    digest = hmac.new(api_secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def authorization_header(
    api_key: str,
    api_secret: str,
    method: str,
    target: str,
    body: bytes = b"",
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> str:
    """The ``Authorization`` header value for one request; ``target`` is path plus query as sent."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = secrets.token_hex(16) if nonce is None else nonce
    sig = signature(api_key, api_secret, method, target, body, timestamp, nonce)
    return f"hmac {api_key}:{sig}:{nonce}:{timestamp}"
