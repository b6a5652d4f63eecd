"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

import msgspec


class Servicepack(msgspec.Struct):
    """Servicepack information."""

    id: int
    name: str
