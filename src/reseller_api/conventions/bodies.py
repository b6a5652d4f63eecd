"""JSON request bodies: decoded strictly into the type the handler declares, nesting bounded,
unknown members ignored (or refused on request).

Litestar decodes a body into plain Python objects and then converts them leniently into
the handler's type: ``"false"``, ``"0"`` and ``0`` would become ``False`` and ``1e3`` the
integer 1000. The API's schema says a boolean is ``true`` or ``false`` and an integer is
an integer, so :class:`ApiRequest` decodes the bytes straight into the declared type with
msgspec's strict mode; Litestar then finds the value already of its type. Errors are
raised as Litestar's own, so conventions/errors.py answers them as before.

A body nested deeper than :data:`MAX_DEPTH` is refused before decoding: a thousand
levels would exhaust the decoder's recursion, and no request of this API nests more
than a few.

The vendor's API (ASP.NET) ignores JSON members it does not know, and public clients rely on
it: they send their whole model (``"id": ""`` on a create, fields of a newer API version), so a
server that refuses unknown fields lets them create nothing. Our request Structs therefore
ignore them (msgspec's default). ``RESELLER_API_STRICT_BODIES=true`` refuses them instead
(400 ``request_body_unknown_field`` naming each one), for integrators who want their mistakes
caught: :func:`strict_bodies` is then the app's ``before_request`` hook. It costs nothing when
off, which is the default.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ClientException, ValidationException

from reseller_api import errors
from reseller_api.errors import BODY_UNKNOWN_FIELD, FieldProblem, ValidationFailed

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


def unknown_fields(value: Any, shape: Any, at: str = "") -> list[str]:
    """The paths (``registrant.fax2``) of the members of ``value`` that ``shape`` (a type, or its
    msgspec type info) does not declare, recursively through structs, lists and unions."""
    info = shape if isinstance(shape, msgspec.inspect.Type) else msgspec.inspect.type_info(shape)
    if isinstance(info, msgspec.inspect.StructType) and isinstance(value, dict):
        fields = {field.encode_name: field.type for field in info.fields}
        found = []
        for key, item in value.items():
            where = f"{at}.{key}" if at else str(key)
            found += unknown_fields(item, fields[key], where) if key in fields else [where]
        return found
    if isinstance(info, msgspec.inspect.UnionType):
        # The member the value would decode as: a struct for an object, a list for an array.
        for member in info.types:
            if (isinstance(member, msgspec.inspect.StructType) and isinstance(value, dict)) or (
                isinstance(member, msgspec.inspect.ListType) and isinstance(value, list)
            ):
                return unknown_fields(value, member, at)
        return []
    if isinstance(info, msgspec.inspect.ListType) and isinstance(value, list):
        return [
            path
            for i, item in enumerate(value)
            for path in unknown_fields(item, info.item_type, f"{at}[{i}]")
        ]
    return []


async def strict_bodies(request: Request[Any, Any, Any]) -> None:
    """``before_request``: refuse a JSON body with members its route's body type does not declare."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return
    raw = await request.body()
    if too_deep(raw):
        return  # refused by the decoding itself (request_body_too_deep)
    try:
        body = msgspec.json.decode(raw)  # as sent: request.json() is already the declared type
    except msgspec.DecodeError:  # not JSON at all: the decoding itself says so, as without this hook
        return
    unknown = unknown_fields(body, data.annotation)
    if unknown:
        raise ValidationFailed(
            [FieldProblem(BODY_UNKNOWN_FIELD.code, f"{BODY_UNKNOWN_FIELD.text} ({path})") for path in unknown]
        )
