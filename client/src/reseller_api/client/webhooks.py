"""Check that a webhook came from your reseller-api server: :func:`verify`.

Deliveries are signed the Standard Webhooks way (https://www.standardwebhooks.com): three
headers, ``webhook-id`` (the event's id: de-duplicate on it, a delivery may come twice),
``webhook-timestamp`` (unix seconds) and ``webhook-signature`` (``v1,<base64>``, several
separated by spaces while a secret is being changed), over ``{id}.{timestamp}.{raw body}``
with the endpoint's secret (``whsec_...``, shown once when the endpoint was created).

>>> event = verify(secret, request.body, request.headers)   # raises InvalidSignature
>>> event["type"], event["data"]
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

TOLERANCE_SECONDS = 300  # a delivery older (or newer) than this is refused: no replays
PREFIX = "whsec_"


class InvalidSignature(Exception):
    """The delivery is not signed with this secret, is too old, or is malformed: do not act on it."""


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("the secret is not a whsec_ secret") from None


def _digest(key: bytes, message_id: str, timestamp: int, body: bytes) -> bytes:
    return hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value (``v1,<base64>``) of a delivery: what the server sends,
    and what a test of your receiver can send to it."""
    return "v1," + base64.b64encode(_digest(_key(secret), message_id, timestamp, body)).decode("ascii")


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise InvalidSignature(f"the {name} header is missing")


def verify(
    secret: str,
    body: bytes | str,
    headers: Mapping[str, str],
    *,
    tolerance: float = TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """The event (``{"id", "type", "created_at", "data"}``) if ``body`` and ``headers`` are a
    delivery signed with ``secret`` within ``tolerance`` seconds of ``now``; else InvalidSignature.

    Pass the body exactly as received (bytes), before any JSON parsing.
    """
    raw = body.encode() if isinstance(body, str) else bytes(body)
    message_id = _header(headers, "webhook-id")
    stamp = _header(headers, "webhook-timestamp")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise InvalidSignature("webhook-timestamp is not unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise InvalidSignature("webhook-timestamp is too far from now (a replay, or a clock that is off)")
    expected = _digest(_key(secret), message_id, timestamp, raw)
    for candidate in _header(headers, "webhook-signature").split():
        version, _, signature = candidate.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(signature, validate=True)
        except binascii.Error:
            continue
        if hmac.compare_digest(given, expected):
            event: dict[str, Any] = json.loads(raw)
            if event.get("id") != message_id:
                raise InvalidSignature("the body's id is not the webhook-id")
            return event
    raise InvalidSignature("no signature matches")


__all__ = ["InvalidSignature", "sign", "verify"]
