"""The target's baseline for ``signed_get.py``: bare Starlette under the same uvicorn configuration.

The issue sets its throughput target relative to "bare Starlette" (1.0): one Starlette
route answering fixed bytes, with no authentication and no database. This is that app:
``GET PATH`` answers the bytes and content type the API answered for the same request;
anything else is Starlette's own 404. It runs with the same ``uvicorn.run`` arguments as
``reseller-api serve``, so the difference is what the API does per request.

    .venv/bin/python bench/bare_starlette.py --port 8002 --path /v2/accounts/1 \
        --body-file body.json --content-type application/json

Needs ``starlette`` (a dev dependency; Litestar does not bring it).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bare_asgi import serve  # this directory: both baselines share one command line


def make_app(path: str, body: bytes, content_type: str) -> Starlette:
    async def endpoint(_: Request) -> Response:
        # media_type as the API sends it; Starlette adds a charset only to text/* types.
        return Response(body, media_type=content_type)

    return Starlette(routes=[Route(path, endpoint, methods=["GET"])])


if __name__ == "__main__":
    serve(make_app, __doc__.splitlines()[0])
