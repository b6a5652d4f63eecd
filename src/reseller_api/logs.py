"""Logging: one format for our lines and uvicorn's, as text or JSON, with the request's context.

- ``RESELLER_API_LOG_FORMAT=text`` (default): ``2026-12-01T10:00:00.123Z INFO reseller_api: ...``,
  followed by ``request_id=...`` (and the route, status, reseller and key once known) for a
  line logged while a request is answered.
- ``json``: one object per line: ``time``, ``level``, ``logger``, ``message``, the same request
  fields (``request_id``, ``method``, ``path``, ``route``, ``status``, ``duration_ms``,
  ``reseller_id``, ``key_id``) and ``exception`` (the traceback) when there is one.
- ``RESELLER_API_ACCESS_LOG=true``: one ``reseller_api.access`` line per request answered.

What a request contributes is chosen here, field by field: the path without its query
string (the panel's set-password links carry a token there), never a body or a header
other than ``X-Request-Id``, so no secret or password can reach a log.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from reseller_api.settings import Settings

REQUEST_ID_SCOPE_KEY = "reseller_api.request_id"
ACCESS = logging.getLogger("reseller_api.access")
# Libraries that narrate at INFO what an operator does not need (Alembic's every step, httpx's
# every request to a backend); DEBUG keeps them.
CHATTY = ("alembic", "httpx")


@dataclass(slots=True)
class RequestInfo:
    """What the log knows of the request being answered (set by ``health.Operations``)."""

    request_id: str
    method: str
    path: str
    route: str | None = None
    status: int | None = None
    duration_ms: float | None = None
    reseller_id: int | None = None
    key_id: int | None = None

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__ if getattr(self, name) is not None}


CURRENT_REQUEST: ContextVar[RequestInfo | None] = ContextVar("reseller_api_request", default=None)


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        request = CURRENT_REQUEST.get()
        if request is not None:
            extra = request.fields()
            for shown in ("method", "path", "status", "duration_ms") if record.name == ACCESS.name else ():
                extra.pop(shown, None)  # the access line's message already says them
            line += " " + " ".join(f"{name}={value}" for name, value in extra.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = CURRENT_REQUEST.get()
        if request is not None:
            document.update(request.fields())
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str)


def configure(settings: Settings) -> None:
    """One handler on the root logger, for every logger (uvicorn's included: ``serve`` passes
    ``log_config=None`` to uvicorn so that it installs none of its own)."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    theirs = [h for h in root.handlers if not getattr(h, "reseller_api", False)]
    if not theirs:  # a process of ours; embedded (a test run, another program): theirs rule
        for old in list(root.handlers):
            root.removeHandler(old)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
        handler.reseller_api = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    quiet = logging.DEBUG if settings.log_level == "DEBUG" else logging.WARNING
    for chatty in CHATTY:
        logging.getLogger(chatty).setLevel(quiet)
