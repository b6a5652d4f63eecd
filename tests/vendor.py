"""The vendor's reference material (copied into tests/data): its OpenAPI YAML and its recorded responses.

- :func:`recordings`: the 53 request/response pairs recorded from the vendor's API
  (``vendor-responses.json``, from the MIT-licensed test fixtures of a public PHP client).
- :func:`response_schema`: the YAML's schema of one operation's answer, made strict the way
  we promise it: every declared property present (``null`` when there is no value) and no
  other property (the YAML's own ``additionalProperties: false``).
- :func:`shape_problems`: how a body of ours differs from a recorded one in what clients
  depend on: which properties exist, their JSON types, where ``null`` appears.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Recording:
    index: int
    test: str  # the PHP client's test that holds it
    method: str
    url: str
    request_body: str
    status: int
    headers: dict[str, list[str]]
    body: Any

    @property
    def path(self) -> str:
        return self.url.split("?", 1)[0]


@cache
def recordings() -> tuple[Recording, ...]:
    raw = json.loads((DATA / "vendor-responses.json").read_text())
    return tuple(
        Recording(
            index,
            item["test"],
            item["request"]["method"],
            item["request"]["url"],
            item["request"]["body"],
            item["status"],
            {name: value if isinstance(value, list) else [value] for name, value in item["headers"].items()},
            item["body"],
        )
        for index, item in enumerate(raw)
    )


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DATA / "combell-openapi-v2.yaml").read_text())
    return loaded


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^/v2" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "/?$")


def operation_path(method: str, path: str) -> str | None:
    """The YAML's path template for ``path`` (``/v2/...``, as sent), literal segments first."""
    path = path.split("?", 1)[0]
    matches = [
        template
        for template, item in document()["paths"].items()
        if method.lower() in item and _template(template).match(path)
    ]
    return min(matches, key=lambda t: t.count("{"), default=None)


def _strict(schema: Any) -> Any:
    """Every declared property required and nullable (our promise), recursively."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        properties = schema.get("properties")
        if isinstance(properties, dict):
            schema["properties"] = {
                name: {"anyOf": [prop, {"type": "null"}]} for name, prop in properties.items()
            }
            schema["required"] = sorted(properties)
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@cache
def _components() -> dict[str, Any]:
    return {"schemas": _strict(copy.deepcopy(document()["components"]["schemas"]))}


def response_schema(method: str, path: str, status: int) -> dict[str, Any] | None:
    """The YAML's JSON schema of the answer (made strict, see the module docstring), or None."""
    template = operation_path(method, path)
    if template is None:
        return None
    response = document()["paths"][template][method.lower()]["responses"].get(str(status), {})
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return None if schema is None else {**_strict(schema), "components": _components()}


def schema_problems(method: str, path: str, status: int, body: Any) -> list[str]:
    """What in ``body`` the YAML's schema refuses (empty when it has no schema for this answer)."""
    schema = response_schema(method, path, status)
    if schema is None:
        return []
    validator = jsonschema_rs.Draft7Validator(schema)
    return [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(body)]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def nullable_keys() -> set[str]:
    """Property names the vendor sends as ``null`` somewhere in its recordings."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if value is None:
                    found.add(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for recording in recordings():
        walk(recording.body)
    return found


def shape_problems(
    recorded: Any, ours: Any, *, retyped: dict[str, str] | None = None, at: str = ""
) -> list[str]:
    """How ``ours`` differs from ``recorded`` in shape: missing properties, other JSON types,
    ``null`` where the vendor never sends one. A property the vendor sends as ``null`` may be
    anything in ours (the YAML's schema says what). ``retyped`` names properties whose type we
    knowingly send differently (docs/compatibility.md), with our type."""
    retyped = retyped or {}
    if isinstance(recorded, dict) and isinstance(ours, dict):
        problems = []
        for key, value in recorded.items():
            where = f"{at}.{key}"
            if key not in ours:
                problems.append(f"{where}: missing")
            elif key in retyped:
                if json_type(ours[key]) not in (retyped[key], "null"):
                    problems.append(f"{where}: {json_type(ours[key])}, expected {retyped[key]}")
            elif value is None:
                continue
            elif ours[key] is None:
                if key not in nullable_keys():
                    problems.append(f"{where}: null, which the vendor never sends here")
            else:
                problems += shape_problems(value, ours[key], retyped=retyped, at=where)
        return problems
    if isinstance(recorded, list) and isinstance(ours, list):
        if not recorded or not ours:  # nothing to hold against (callers check what must be there)
            return []
        problems = []
        for index, item in enumerate(ours):
            # Each of ours against the recorded item it is most like (records of several types).
            candidates = [shape_problems(r, item, retyped=retyped, at=f"{at}[{index}]") for r in recorded]
            problems += min(candidates, key=len)
        return problems
    if json_type(recorded) != json_type(ours):
        return [f"{at or 'body'}: {json_type(ours)}, the vendor sends {json_type(recorded)}"]
    return []
