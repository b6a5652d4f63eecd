"""Verify the ``Authorization: hmac key:signature:nonce:timestamp`` header.

Public clients disagree on how to encode the signed path and query (see the reference
README): the official PHP client ``urlencode``s the percent-decoded target as sent, the
Go client lowercases first, a TypeScript client uses RFC 3986, .NET clients use
``WebUtility.UrlEncode``. We compute the signature for each distinct canonical form and
accept any match, compared in constant time. For ordinary ASCII paths all the forms
coincide, so the common case costs one HMAC.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import NamedTuple
from urllib.parse import quote, unquote

from reseller_api.caching import BoundedMemo

_PHP_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_GO_SAFE = _PHP_SAFE | frozenset(b"~")
_DOTNET_SAFE = _PHP_SAFE | frozenset(b"!*()")
_HEX = "0123456789ABCDEF"

_HEADER = re.compile(
    r"^hmac (?P<key>[^:\s]{1,128}):(?P<sig>[A-Za-z0-9+/]{43}=):(?P<nonce>[^:\s]{1,128}):(?P<ts>\d{1,10})$",
    re.IGNORECASE,
)


class ParsedAuthorization(NamedTuple):
    """The header's four parts (a NamedTuple: built on every request, a frozen dataclass costs more)."""

    api_key: str
    signature: bytes
    nonce: str
    timestamp: int


def parse_authorization(header: str) -> ParsedAuthorization | None:
    """Split the header into its four parts; None when it is not in the documented format."""
    match = _HEADER.match(header.strip())
    if match is None:
        return None
    try:
        # The pattern already allowed only the base64 alphabet (43 characters and "="):
        # binascii directly, without b64decode's second validation pass.
        sig = binascii.a2b_base64(match["sig"], strict_mode=True)
    except binascii.Error:
        return None
    return ParsedAuthorization(match["key"], sig, match["nonce"], int(match["ts"]))


def _encode(text: str, safe: frozenset[int], space: str) -> str:
    out = []
    for byte in text.encode("utf-8", "surrogateescape"):
        if byte in safe:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append(space)
        else:
            out.append("%" + _HEX[byte >> 4] + _HEX[byte & 15])
    return "".join(out)


_PLAIN = re.compile(r"^[A-Za-z0-9/?&=._-]*$")
_PLAIN_ESCAPES = str.maketrans({"/": "%2F", "?": "%3F", "&": "%26", "=": "%3D"})


TARGET_CACHE_SIZE = 4096
TARGET_CACHE_MAX_LENGTH = 256


def canonical_targets(target: str) -> frozenset[str]:
    """Every encoding of ``target`` (path plus query, as sent) that some public client signs."""
    return _TARGETS[target]


def _canonical_targets(target: str) -> set[str]:
    if _PLAIN.match(target):
        # Nothing to decode and every client escapes these four characters alike:
        # the forms differ only in lowercasing.
        return {target.translate(_PLAIN_ESCAPES), target.lower().translate(_PLAIN_ESCAPES)}
    forms: set[str] = set()
    decoded = unquote(target, errors="surrogateescape")
    for base in {target, decoded}:
        for text in {base, base.lower()}:
            forms.add(_encode(text, _PHP_SAFE, "+"))
            forms.add(_encode(text, _GO_SAFE, "+"))
            forms.add(_encode(text, _DOTNET_SAFE, "+"))
            forms.add(quote(text, safe="-_.~", errors="surrogateescape"))
    return forms


# canonical_targets() by target: clients read the same paths again and again. Bounded in
# entries (emptied when full) and in size (long targets are not kept).
_TARGETS: BoundedMemo[str, frozenset[str]] = BoundedMemo(
    lambda target: frozenset(_canonical_targets(target)),
    TARGET_CACHE_SIZE,
    keep=lambda target: len(target) <= TARGET_CACHE_MAX_LENGTH,
)


def body_digest(body: bytes) -> str:
    """The ``content`` part of the signed string: base64 MD5 of a non-empty body."""
    if not body:
        return ""
    return base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 - the API's scheme


def signature_matches(
    parsed: ParsedAuthorization, secret: bytes, method: str, target: str, body: bytes
) -> bool:
    """True when the signature was made with ``secret`` over this request, in any accepted encoding."""
    prefix = parsed.api_key + method.lower()
    suffix = f"{parsed.timestamp}{parsed.nonce}{body_digest(body)}"
    matched = False
    for form in canonical_targets(target):
        expected = hmac.new(secret, (prefix + form + suffix).encode(), hashlib.sha256).digest()
        # No early exit: the time taken must not say which form (if any) matched.
        matched |= hmac.compare_digest(expected, parsed.signature)
    return matched
