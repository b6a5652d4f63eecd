"""Whole numbers from clients: what an ``Integer`` column holds, on SQLite and PostgreSQL alike.

PostgreSQL's ``integer`` is 32 bits and refuses a bigger value with an error; SQLite's
driver refuses more than 64. Every integer a client sends (in a path, a query or a body)
is checked against the smaller range, here, so it is a 400 with a validation error and
never reaches the database. The vendor's YAML declares these ``int32`` too.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

# The type of every integer field of a request body (msgspec checks it while decoding, and
# the OpenAPI document shows the bounds).
Int32 = Annotated[int, msgspec.Meta(ge=INT32_MIN, le=INT32_MAX)]


def fits_int32(value: int) -> bool:
    """True when ``value`` (parsed from a path or query) fits an ``Integer`` column."""
    return INT32_MIN <= value <= INT32_MAX
