"""Domain errors: what went wrong, in words a reseller can act on. Nothing here knows HTTP.

Every machine-readable code is made by :func:`define`, with the status it maps to. The
catalogue served at ``/v2/documentation/errorcodes`` lists the codes of the core and of
every resource's manifest (``docs.catalogue``), so it does not depend on what a process
happened to import; :data:`CATALOGUE` keeps every code defined so far, to refuse a code
defined twice with two meanings.
Services raise :class:`ApiProblem` (one error) or :class:`ValidationFailed` (a list of
field problems); ``conventions.errors`` turns both into the API's JSON bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    status: int
    text: str


CATALOGUE: dict[str, ErrorCode] = {}


def define(code: str, status: int, text: str) -> ErrorCode:
    """Make an error code; the same code made twice must mean the same thing."""
    if code in CATALOGUE and CATALOGUE[code] != ErrorCode(code, status, text):
        raise RuntimeError(f"error code {code!r} defined twice with different meanings")
    CATALOGUE[code] = ErrorCode(code, status, text)
    return CATALOGUE[code]


def codes_of(*modules: ModuleType) -> tuple[ErrorCode, ...]:
    """The error codes the modules hold as module-level constants, in their order, once each.

    What a resource's manifest (or the catalogue's core) declares; a module that imports
    another's code holds it too, and it is still counted once.
    """
    found: dict[str, ErrorCode] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, ErrorCode):
                found.setdefault(value.code, value)
    return tuple(found.values())


class ApiProblem(Exception):
    """A single error with a code from the catalogue; ``text`` may add specifics."""

    def __init__(self, error: ErrorCode, text: str | None = None) -> None:
        self.error = error
        self.text = text or error.text
        super().__init__(f"{error.code}: {self.text}")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    error_code: str
    error_text: str


class ValidationFailed(Exception):
    """One or more rules refused the input; answered as 400 ``validation_errors``."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.error_code}: {p.error_text}" for p in problems))


def invalid(error: ErrorCode, text: str | None = None) -> ValidationFailed:
    """Shorthand for a validation failure with one problem."""
    return ValidationFailed([FieldProblem(error.code, text or error.text)])


# Conventions shared by every endpoint.
AUTH_HEADER_MISSING = define("authorization_header_missing", 401, "The Authorization header is missing.")
AUTH_HEADER_INVALID = define(
    "auth_authorization_header_invalid_format",
    401,
    "The authorization header is in an invalid format.",
)
AUTH_KEY_UNKNOWN = define("authorization_api_key_invalid", 401, "The api key is unknown or has been revoked.")
AUTH_HMAC_INVALID = define(
    "authorization_hmac_invalid", 401, "The hmac signature does not match the request."
)
AUTH_TIMESTAMP = define(
    "authorization_timestamp_invalid",
    401,
    "The timestamp is too far from the server's clock; send unix seconds of the current time.",
)
AUTH_NONCE_REUSED = define(
    "authorization_nonce_reused",
    401,
    "The nonce was already used with this api key; send a fresh nonce.",
)
AUTH_IP_NOT_WHITELISTED = define(
    "authorization_ip_not_whitelisted",
    401,
    "Requests from this IP address are not whitelisted for this api key.",
)
RATE_LIMITED = define("rate_limit_exceeded", 429, "Too many requests, retry later.")
# Idempotency-Key (our extension, docs/extensions.md; the names follow the IETF draft).
IDEMPOTENCY_KEY_INVALID = define(
    "idempotency_key_invalid", 400, "The Idempotency-Key header must be 1 to 255 printable ASCII characters."
)
IDEMPOTENCY_KEY_IN_USE = define(
    "idempotency_key_in_use",
    409,
    "A request with this Idempotency-Key is still being processed; retry it later.",
)
IDEMPOTENCY_KEY_OUTCOME_UNKNOWN = define(
    "idempotency_key_outcome_unknown",
    409,
    "The first request with this Idempotency-Key changed data, but the server stopped before its "
    "answer was stored: look at the resource to see what it did, then use a new key.",
)
IDEMPOTENCY_KEY_REUSED = define(
    "idempotency_key_reused",
    422,
    "This Idempotency-Key was used with a different request (method, path or body); use a new key.",
)
NOT_FOUND = define("not_found", 404, "The resource cannot be found.")
METHOD_NOT_ALLOWED = define("method_not_allowed", 405, "The method is not allowed on this resource.")
BODY_TOO_LARGE = define("request_body_too_large", 413, "The request body is too large.")
REQUEST_TIMEOUT = define(
    "request_timeout", 408, "The request was not received in time; send it again without pausing."
)
HEADERS_TOO_LARGE = define("request_headers_too_large", 431, "The request's headers are too large.")
UNSUPPORTED_MEDIA = define("unsupported_media_type", 415, "The request body must be JSON.")
INTERNAL = define(
    "internal_error",
    500,
    "An unexpected error occurred. Quote the reference when contacting support.",
)
UNAVAILABLE = define("service_unavailable", 503, "The service is temporarily unavailable; retry later.")
BACKEND_REFUSED = define("backend_refused", 400, "The provisioning backend refused the change.")
BACKEND_UNAVAILABLE = define(
    "backend_unavailable", 503, "A provisioning backend is temporarily unavailable; retry later."
)
BODY_INVALID_JSON = define("request_body_invalid_json", 400, "The request body is not valid JSON.")
BODY_INVALID = define("request_body_invalid", 400, "The request body does not match the expected schema.")
BODY_UNKNOWN_FIELD = define("request_body_unknown_field", 400, "The request body contains an unknown field.")
PARAMETER_INVALID = define("query_parameter_invalid", 400, "A query or path parameter has an invalid value.")
PARAMETER_MISSING = define("query_parameter_missing", 400, "A required query parameter is missing.")
