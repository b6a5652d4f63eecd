"""The HMAC test vectors of tests/data/hmac-vectors.json, loaded once for the unit tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

VECTORS_FILE = Path(__file__).resolve().parent.parent / "data" / "hmac-vectors.json"
_DATA = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))

API_KEY: str = _DATA["api_key"]
API_SECRET: str = _DATA["api_secret"]


@dataclass(frozen=True)
class Vector:
    index: int
    origin: str
    method: str
    target: str
    body: bytes
    authorization: str
    expect: str

    @property
    def nonce(self) -> str:
        return self.authorization.split(":")[2]

    @property
    def timestamp(self) -> int:
        return int(self.authorization.rsplit(":", 1)[1])

    @property
    def accept(self) -> bool:
        return self.expect == "accept"

    @property
    def recorded(self) -> bool:
        return self.origin.startswith("recorded")


VECTORS = [
    Vector(
        index=i,
        origin=v["origin"],
        method=v["method"],
        target=v["target"],
        body=v["body"].encode("utf-8"),
        authorization=v["authorization"],
        expect=v["expect"],
    )
    for i, v in enumerate(_DATA["vectors"])
]
TIMESTAMP = VECTORS[0].timestamp


def params(vectors: list[Vector]) -> list[object]:
    """``pytest.param`` per vector, with a readable id."""
    return [pytest.param(v, id=f"{v.index:02d}-{v.expect}-{v.method}-{v.target}") for v in vectors]
