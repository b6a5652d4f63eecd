"""Make the generated OpenAPI document say what the wire really does.

Litestar documents its own error shape; ours is the API text's. Applied once to the
app's schema object, so ``/v2/openapi.json`` and ReDoc show the same document: the HMAC
security scheme, our error bodies (400 ``validation_errors``, 401/404/429 ``error_code``),
the rate-limit headers on every response, paging headers on collections, ``Location``
on 201/202, and no content for a 201 without a body, as the vendor's YAML.
"""

from __future__ import annotations

from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)

from reseller_api.wire.integers import INT32_MAX

HMAC_DESCRIPTION = (
    "`Authorization: hmac {apikey}:{signature}:{nonce}:{unix seconds}`. The signature is the "
    "base64 HMAC-SHA256, keyed with the API secret, of apikey + lowercased method + "
    "urlencoded path and query + timestamp + nonce + base64 MD5 of the body (when not empty)."
)

_INT = Schema(type=OpenAPIType.INTEGER)
_STR = Schema(type=OpenAPIType.STRING)

RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "The number of requests that can be made in the current interval.",
    "X-RateLimit-Usage": "The number of requests already made in the current interval.",
    "X-RateLimit-Remaining": "The number of requests remaining until the reset.",
    "X-RateLimit-Reset": "The number of seconds until the reset.",
}
PAGING_HEADERS = {
    "X-Paging-Skipped": "The number of results that have been skipped.",
    "X-Paging-Take": "The number of items in this response.",
    "X-Paging-TotalResults": "The total number of results regardless of paging.",
}

ERROR_SCHEMAS = {
    "ErrorMessage": Schema(
        type=OpenAPIType.OBJECT,
        properties={"error_code": _STR, "error_text": _STR},
        required=["error_code", "error_text"],
        additional_properties=False,
    ),
    "ValidationErrorMessage": Schema(
        type=OpenAPIType.OBJECT,
        properties={"error_code": _STR, "error_text": _STR},
        additional_properties=False,
    ),
    "BadRequestResponse": Schema(
        type=OpenAPIType.OBJECT,
        properties={
            "validation_errors": Schema(
                type=OpenAPIType.ARRAY,
                items=Reference(ref="#/components/schemas/ValidationErrorMessage"),
            )
        },
        additional_properties=False,
    ),
}


def _headers(described: dict[str, str]) -> dict[str, OpenAPIHeader | Reference]:
    return {name: Reference(ref=f"#/components/headers/{name}") for name in described}


def _json(ref: str) -> dict[str, OpenAPIMediaType]:
    return {"application/json": OpenAPIMediaType(schema=Reference(ref=f"#/components/schemas/{ref}"))}


def _error(
    description: str, schema: str = "ErrorMessage", extra: dict[str, str] | None = None
) -> OpenAPIResponse:
    headers = _headers(RATE_LIMIT_HEADERS)
    if extra:
        headers.update({name: OpenAPIHeader(schema=_INT, description=text) for name, text in extra.items()})
    return OpenAPIResponse(description=description, headers=headers, content=_json(schema))


IDEMPOTENCY_KEY_DESCRIPTION = (
    "Not part of the vendor's API (docs/extensions.md). Optional: 1-255 printable ASCII characters, "
    'bare or as a quoted string ("..."). The first request with a key is processed and its response '
    "stored for 24 hours per API key; a repeat of the same request (method, path, body) gets that "
    "response again with `Idempotent-Replayed: true` and changes nothing; a repeat while the first "
    "still runs gets 409 `idempotency_key_in_use`; the same key with another request 422 "
    "`idempotency_key_reused`."
)
_WRITES = ("post", "put", "delete", "patch")


def _declare_idempotency_key(operation: Operation) -> None:
    parameters = list(operation.parameters or [])
    parameters.append(
        Parameter(
            name="Idempotency-Key",
            param_in="header",
            required=False,
            description=IDEMPOTENCY_KEY_DESCRIPTION,
            schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255),
        )
    )
    operation.parameters = parameters


def _operations(openapi: OpenAPI) -> list[tuple[str, str, Operation]]:
    found = []
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "post", "put", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is not None:
                found.append((path, method, operation))
    return found


def polish(openapi: OpenAPI, *, strict_bodies: bool = False) -> OpenAPI:
    components = openapi.components or Components()
    if isinstance(components, list):  # pragma: no cover - litestar always builds one object
        components = components[0]
    components.schemas.update(ERROR_SCHEMAS)
    components.security_schemes = {
        "hmac": SecurityScheme(
            type="apiKey",
            name="Authorization",
            security_scheme_in="header",
            description=HMAC_DESCRIPTION,
        )
    }
    components.headers = {
        name: OpenAPIHeader(schema=_INT, description=text)
        for name, text in {**RATE_LIMIT_HEADERS, **PAGING_HEADERS}.items()
    }
    openapi.components = components
    for path, method, operation in _operations(openapi):
        if not path.startswith("/v2/"):
            continue
        operation.security = [{"hmac": []}]
        if method in _WRITES:
            _declare_idempotency_key(operation)
        responses = operation.responses or {}
        for status, response in list(responses.items()):
            if not isinstance(response, OpenAPIResponse):
                continue
            headers = dict(response.headers or {})
            headers.update(_headers(RATE_LIMIT_HEADERS))
            if status == "200" and response.content and _is_array(response):
                headers.update(_headers(PAGING_HEADERS))
            if status in ("201", "202"):
                headers["Location"] = OpenAPIHeader(
                    schema=_STR, description="Relative path of the created resource or job."
                )
            if status in ("202", "204") or (status == "201" and _is_empty_body(response)):
                response.content = None
            response.headers = headers
        for parameter in operation.parameters or []:
            if isinstance(parameter, Parameter) and parameter.name in ("skip", "take"):
                # Litestar drops ge=0 (a falsy bound) from the schema; state the real bounds.
                parameter.schema = Schema(type=OpenAPIType.INTEGER, minimum=0, maximum=INT32_MAX)
        if operation.parameters or operation.request_body:
            responses["400"] = _error("Bad Request", "BadRequestResponse")
        responses["401"] = _error("Unauthorized: missing or invalid signature, or IP not whitelisted.")
        if "{" in path:
            responses["404"] = _error("The resource cannot be found.")
        if method in _WRITES:
            responses.setdefault(
                "409", _error("Idempotency-Key: a request with this key is still being processed.")
            )
            responses.setdefault("422", _error("Idempotency-Key: this key was used with another request."))
        responses["429"] = _error(
            "Too many requests, retry later",
            extra={"Retry-After": "Seconds until requests are accepted again."},
        )
        operation.responses = dict(sorted(responses.items()))
        if strict_bodies:
            _close_request_body(operation, components)
    return openapi


def _close_request_body(operation: Operation, components: Components) -> None:
    """With RESELLER_API_STRICT_BODIES=true, say so in the body's schemas: no other property."""
    body = operation.request_body
    media = (body.content or {}).get("application/json") if isinstance(body, RequestBody) else None
    pending = [media.schema] if media is not None else []
    seen: set[str] = set()
    while pending:
        schema = pending.pop()
        if isinstance(schema, Reference):
            name = schema.ref.rsplit("/", 1)[-1]
            if name in seen or name not in (components.schemas or {}):
                continue
            seen.add(name)
            schema = components.schemas[name]
        if not isinstance(schema, Schema):
            continue
        if schema.properties:
            schema.additional_properties = False
            pending += list(schema.properties.values())
        pending += [*(schema.one_of or []), *(schema.any_of or [])]
        if schema.items is not None:
            pending.append(schema.items)


def _is_empty_body(response: OpenAPIResponse) -> bool:
    """A 201 of ``created()``: Litestar documents its empty ``bytes`` as a string of some media
    type, but it has no body, and the vendor's YAML gives its 201s no content (a client or a
    fuzzer reading ours would otherwise expect a body and a Content-Type)."""
    schemas = [media.schema for media in (response.content or {}).values()]
    return len(schemas) == 1 and isinstance(schemas[0], Schema) and schemas[0].type == OpenAPIType.STRING


def _is_array(response: OpenAPIResponse) -> bool:
    media = (response.content or {}).get("application/json")
    schema = media.schema if media else None
    return isinstance(schema, Schema) and schema.type == OpenAPIType.ARRAY
