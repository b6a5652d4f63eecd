"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

import msgspec


class SshKeyDetail(msgspec.Struct):
    fingerprint: str
    public_key: str
    linux_hostings: list[str]
