"""Documentation served without internet: the OpenAPI document, ReDoc, the error catalogue."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.openapi.plugins import RedocRenderPlugin

from reseller_api.errors import ErrorCode, codes_of

REDOC_JS_PATH = "/v2/documentation/redoc.standalone.js"
LOGO_PATH = "/v2/documentation/logo.svg"
# ReDoc's sidebar shows a small logo fetched from its CDN: the one request to another host.
# The bundle is served with that address pointing at our own copy of a logo instead.
REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
LOGO = (Path(__file__).parent / "controlpanel" / "static" / "logo.svg").read_bytes()


@cache
def _redoc_bundle() -> bytes:
    # find_spec does not run the package's __init__ (which imports Django): we only need a file.
    spec = importlib.util.find_spec("drf_spectacular_sidecar")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("drf-spectacular-sidecar is not installed; it carries the ReDoc bundle")
    root = Path(next(iter(spec.submodule_search_locations)))
    bundle = (root / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js").read_bytes()
    return bundle.replace(REDOC_CDN_LOGO, LOGO_PATH.encode())


def redoc_plugin() -> RedocRenderPlugin:
    # Our own favicon: the default one is fetched from a CDN, and docs must work offline.
    return RedocRenderPlugin(
        path="/",
        js_url=REDOC_JS_PATH,
        google_fonts=False,
        favicon=f'<link rel="icon" href="{LOGO_PATH}" type="image/svg+xml">',
    )


@get(REDOC_JS_PATH, include_in_schema=False, sync_to_thread=False, cache=True)
def redoc_js() -> Response[bytes]:
    return Response(_redoc_bundle(), media_type="application/javascript")


@get(LOGO_PATH, include_in_schema=False, sync_to_thread=False, cache=True)
def logo() -> Response[bytes]:
    return Response(LOGO, media_type="image/svg+xml")


@get("/v2/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    return Response(request.app.openapi_schema.to_schema())


@get("/v2/documentation/errorcodes", include_in_schema=False, sync_to_thread=False)
def error_codes() -> list[dict[str, Any]]:
    """Every error code the API can answer with, its HTTP status and its meaning."""
    return [{"error_code": e.code, "status": e.status, "error_text": e.text} for e in catalogue()]


@cache
def catalogue() -> list[ErrorCode]:
    """Every error code the API answers with, by status then code: the core's (the conventions,
    the vendor's rules, API keys, the control panel) and each listed resource's manifest's."""
    from reseller_api import errors, rules
    from reseller_api.controlpanel import overview, users
    from reseller_api.controlpanel import routes as panel
    from reseller_api.conventions import bodies
    from reseller_api.credentials import service as credentials
    from reseller_api.resources import registry

    core = codes_of(errors, rules, bodies, credentials, overview, panel, users)
    found: dict[str, ErrorCode] = {}
    for error in (*core, *registry.error_codes()):
        found.setdefault(error.code, error)
    return sorted(found.values(), key=lambda e: (e.status, e.code))
