"""JSON request bodies: decoded strictly into the type the handler declares, nesting bounded.

Litestar decodes a body into plain Python objects and then converts them leniently into
the handler's type: ``"false"``, ``"0"`` and ``0`` would become ``False`` and ``1e3`` the
integer 1000. The API's schema says a boolean is ``true`` or ``false`` and an integer is
an integer, so :class:`ApiRequest` decodes the bytes straight into the declared type with
msgspec's strict mode; Litestar then finds the value already of its type. Errors are
raised as Litestar's own, so conventions/errors.py answers them as before.

A body nested deeper than :data:`MAX_DEPTH` is refused before decoding: a thousand
levels would exhaust the decoder's recursion, and no request of this API nests more
than a few.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ClientException, ValidationException

from reseller_api import errors

MAX_DEPTH = 32
BODY_TOO_DEEP = errors.define(
    "request_body_too_deep", 400, f"The request body is nested more than {MAX_DEPTH} levels deep."
)

# A JSON string (skipped whole: brackets inside it do not count) or a bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_OPENERS = frozenset(b"[{")


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON in ``body`` nests arrays and objects more than ``limit`` deep."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # cannot be deeper than it has openers: the common case, in C
    depth = 0
    for token in _TOKENS.finditer(body):
        first = token.group()[0]
        if first in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif first != ord('"'):
            depth -= 1
    return False


def decode_body(body: bytes, target: Any) -> Any:
    """``body`` as ``target``, strictly; Litestar's exceptions for what does not fit."""
    if too_deep(body):
        raise errors.invalid(BODY_TOO_DEEP)
    try:
        return msgspec.json.decode(body, type=target, strict=True)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        key = where.rstrip("`").lstrip(".") or "data"
        raise ValidationException(
            detail=message, extra=[{"message": message, "key": key, "source": "body"}]
        ) from None
    except msgspec.DecodeError as exc:
        raise ClientException(detail=str(exc)) from None
    except RecursionError:
        raise errors.invalid(BODY_TOO_DEEP) from None


class ApiRequest(Request[Any, Any, Any]):
    """Litestar's request, with :func:`decode_body` for JSON bodies."""

    async def json(self) -> Any:
        field = self.route_handler.parsed_data_field
        target = Any if field is None else field.annotation
        return decode_body(await self.body(), target)
