"""Unknown fields in request bodies: ignored, as the vendor's server does, or refused on request.

The vendor's API (ASP.NET) ignores JSON members it does not know, and public clients rely on
it: they send their whole model (``"id": ""`` on a create, fields of a newer API version), so a
server that refuses unknown fields lets them create nothing. Our request Structs therefore
ignore them (msgspec's default). ``RESELLER_API_STRICT_BODIES=true`` refuses them instead
(400 ``request_body_unknown_field`` naming each one), for integrators who want their mistakes
caught: :func:`strict_bodies` is then the app's ``before_request`` hook. It costs nothing when
off, which is the default.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from reseller_api.errors import BODY_UNKNOWN_FIELD, FieldProblem, ValidationFailed


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
    try:
        body = await request.json()
    except Exception:  # not JSON at all: the framework's own decoding says so, as without this hook
        return
    unknown = unknown_fields(body, data.annotation)
    if unknown:
        raise ValidationFailed(
            [FieldProblem(BODY_UNKNOWN_FIELD.code, f"{BODY_UNKNOWN_FIELD.text} ({path})") for path in unknown]
        )
