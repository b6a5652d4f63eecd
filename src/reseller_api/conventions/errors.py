"""Map every exception to the API's error bodies, in one place.

- :class:`ApiProblem` -> its status, ``{"error_code", "error_text"}``
- :class:`ValidationFailed` and the framework's own validation errors -> 400
  ``{"validation_errors": [...]}``
- unknown routes 404, wrong methods 405 (with ``Allow``), database outages 503
- a real backend's refusal (:class:`BackendRefused`) -> 400 with its reason; a backend that
  cannot be reached (:class:`BackendUnavailable`) -> 503
- anything else -> 500 with a correlation id that is logged with the traceback;
  nothing internal reaches the caller.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from reseller_api import errors
from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.logs import REQUEST_ID_SCOPE_KEY
from reseller_api.store.driver import DatabaseUnavailable

log = logging.getLogger("reseller_api.errors")


def _error(status: int, code: str, text: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        {"error_code": code, "error_text": text},
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def _validation(problems: list[dict[str, str]]) -> Response[Any]:
    return Response({"validation_errors": problems}, status_code=400, media_type=MediaType.JSON)


def on_problem(_: Request[Any, Any, Any], exc: errors.ApiProblem) -> Response[Any]:
    return _error(exc.error.status, exc.error.code, exc.text)


def on_validation_failed(_: Request[Any, Any, Any], exc: errors.ValidationFailed) -> Response[Any]:
    return _validation([{"error_code": p.error_code, "error_text": p.error_text} for p in exc.problems])


# msgspec's messages for JSON that parsed but does not fit the schema; others are syntax errors.
_SCHEMA_MISMATCH = (
    "Expected",
    "Object missing",
    "Object contains",
    "Invalid enum",
    "Invalid value",
)


def on_framework_validation(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Translate the framework's decode/parameter errors into our codes and plain words."""
    problems = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        message = str(item.get("message", "")) if isinstance(item, dict) else str(item)
        source = item.get("source") if isinstance(item, dict) else None
        key = item.get("key") if isinstance(item, dict) else None
        if source in ("query", "path", "header", "cookie"):
            missing = "missing" in message.lower()
            error = errors.PARAMETER_MISSING if missing else errors.PARAMETER_INVALID
            text = f"{key}: {message}" if key else message
        elif message.startswith(_SCHEMA_MISMATCH):
            error, text = errors.BODY_INVALID, message
        else:  # msgspec's decode errors: truncated, malformed, invalid escapes...
            error, text = errors.BODY_INVALID_JSON, f"{errors.BODY_INVALID_JSON.text} ({message})"
        problems.append({"error_code": error.code, "error_text": text})
    if not problems:
        problems.append(_body_problem(str(exc.detail or "")))
    return _validation(problems)


def _body_problem(detail: str) -> dict[str, str]:
    """A body the framework could not decode, described only by a detail message."""
    if detail.startswith(_SCHEMA_MISMATCH):
        return {"error_code": errors.BODY_INVALID.code, "error_text": detail}
    text = f"{errors.BODY_INVALID_JSON.text} ({detail})" if detail else errors.BODY_INVALID_JSON.text
    return {"error_code": errors.BODY_INVALID_JSON.code, "error_text": text}


def on_not_found(_: Request[Any, Any, Any], __: NotFoundException) -> Response[Any]:
    return _error(404, errors.NOT_FOUND.code, errors.NOT_FOUND.text)


def on_method_not_allowed(_: Request[Any, Any, Any], exc: MethodNotAllowedException) -> Response[Any]:
    return _error(405, errors.METHOD_NOT_ALLOWED.code, errors.METHOD_NOT_ALLOWED.text, exc.headers)


def on_http_exception(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code == 400:  # msgspec decode errors (truncated, malformed JSON) arrive here
        return _validation([_body_problem(str(exc.detail or ""))])
    if exc.status_code == 415:
        return _error(415, errors.UNSUPPORTED_MEDIA.code, errors.UNSUPPORTED_MEDIA.text)
    if exc.status_code < 500:
        return _error(exc.status_code, "http_error", str(exc.detail))
    return on_unexpected(_, exc)


# SQLite reports a missing table or column as an OperationalError, as it does a locked or
# unreachable file: those mean the schema does not match the code, which no retry mends.
_SCHEMA_ERRORS = ("no such table", "no such column", "has no column named")


def is_outage(exc: DBAPIError) -> bool:
    """The database is away or busy (503, retry later), not our schema or SQL being wrong (500)."""
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    return not any(text in str(exc.orig) for text in _SCHEMA_ERRORS)


def on_database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    if is_outage(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return _error(503, errors.UNAVAILABLE.code, errors.UNAVAILABLE.text, {"Retry-After": "5"})
    return on_unexpected(request, exc)


def on_database_unavailable(request: Request[Any, Any, Any], exc: DatabaseUnavailable) -> Response[Any]:
    """A hot read (store/database.py) found PostgreSQL away, even after one retry."""
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return _error(503, errors.UNAVAILABLE.code, errors.UNAVAILABLE.text, {"Retry-After": "5"})


def on_backend_refused(_: Request[Any, Any, Any], exc: BackendRefused) -> Response[Any]:
    """A real backend's own refusal (PowerDNS's 422...) reads as one more validation error."""
    text = f"{errors.BACKEND_REFUSED.text} {exc}".strip()
    return _validation([{"error_code": errors.BACKEND_REFUSED.code, "error_text": text}])


def on_backend_unavailable(request: Request[Any, Any, Any], exc: BackendUnavailable) -> Response[Any]:
    log.warning("backend unavailable on %s %s: %s", request.method, request.url.path, exc)
    return _error(503, errors.BACKEND_UNAVAILABLE.code, errors.BACKEND_UNAVAILABLE.text, {"Retry-After": "5"})


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The request id (X-Request-Id) is the reference: the caller quotes it, the log line has it.
    reference = str(request.scope.get(REQUEST_ID_SCOPE_KEY) or uuid.uuid4().hex)
    log.error("unexpected error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
    return _error(
        500,
        errors.INTERNAL.code,
        f"{errors.INTERNAL.text} Reference: {reference}.",
        {"X-Correlation-Id": reference},
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    errors.ApiProblem: on_problem,
    errors.ValidationFailed: on_validation_failed,
    ValidationException: on_framework_validation,
    NotFoundException: on_not_found,
    MethodNotAllowedException: on_method_not_allowed,
    HTTPException: on_http_exception,
    DBAPIError: on_database_error,
    DatabaseUnavailable: on_database_unavailable,
    BackendRefused: on_backend_refused,
    BackendUnavailable: on_backend_unavailable,
    Exception: on_unexpected,
}
