"""Documentation served without internet: the OpenAPI document, ReDoc, the error catalogue."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.openapi.plugins import RedocRenderPlugin

from reseller_api.errors import CATALOGUE

REDOC_JS_PATH = "/v2/documentation/redoc.standalone.js"


@cache
def _redoc_bundle() -> bytes:
    # find_spec does not run the package's __init__ (which imports Django): we only need a file.
    spec = importlib.util.find_spec("drf_spectacular_sidecar")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("drf-spectacular-sidecar is not installed; it carries the ReDoc bundle")
    root = Path(next(iter(spec.submodule_search_locations)))
    return (root / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js").read_bytes()


def redoc_plugin() -> RedocRenderPlugin:
    # An inline favicon: the default one is fetched from a CDN, and docs must work offline.
    return RedocRenderPlugin(
        path="/",
        js_url=REDOC_JS_PATH,
        google_fonts=False,
        favicon='<link rel="icon" href="data:,">',
    )


@get(REDOC_JS_PATH, include_in_schema=False, sync_to_thread=False, cache=True)
def redoc_js() -> Response[bytes]:
    return Response(_redoc_bundle(), media_type="application/javascript")


@get("/v2/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    return Response(request.app.openapi_schema.to_schema())


@get("/v2/documentation/errorcodes", include_in_schema=False, sync_to_thread=False)
def error_codes() -> list[dict[str, Any]]:
    """Every error code the API can answer with, its HTTP status and its meaning."""
    return [
        {"error_code": e.code, "status": e.status, "error_text": e.text}
        for e in sorted(CATALOGUE.values(), key=lambda e: (e.status, e.code))
    ]
