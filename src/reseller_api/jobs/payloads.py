"""A job's payload: a msgspec Struct when enqueued and run, JSON in its row in between.

Each kind's handler names its Struct (``JobHandler.payload_type``). Its field names are the
row's keys, so rows written before payloads were typed still decode; a field that older rows
may lack has a default. Unknown keys are ignored, so a row written by a newer version that
added a field still runs here.

The reason an :class:`UnreadableJob` gives names what did not decode (a field, a type),
never a value: payloads carry password hashes. Keep enums and Literals out of payload
Structs, since msgspec quotes the offending value in their errors.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from reseller_api.jobs.registry import HANDLERS, JobHandler

S = TypeVar("S", bound=msgspec.Struct)


class UnreadableJob(Exception):
    """A job no handler can run: its kind is unknown, or its payload does not decode."""


def encode(payload: msgspec.Struct) -> dict[str, Any]:
    """The payload as its row stores it (JSON-ready builtins, keys in field order)."""
    stored: dict[str, Any] = msgspec.to_builtins(payload)
    return stored


def decode(payload_type: type[S], stored: str | bytes) -> S:
    """The row's JSON as ``payload_type``; :class:`UnreadableJob` when it is not one."""
    try:
        return msgspec.json.decode(stored, type=payload_type)
    except msgspec.DecodeError as exc:  # ValidationError included
        raise UnreadableJob(f"its payload does not decode as {payload_type.__name__}: {exc}") from None


def read(kind: str, stored: str | bytes) -> tuple[JobHandler[Any], msgspec.Struct]:
    """The handler of ``kind`` and the payload decoded for it; :class:`UnreadableJob` otherwise."""
    handler = HANDLERS.get(kind)
    if handler is None:
        raise UnreadableJob(f"no handler for job kind {kind!r}")
    return handler, decode(handler.payload_type, stored)
