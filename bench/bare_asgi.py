"""The baseline for ``signed_get.py``: a bare ASGI app under the same uvicorn configuration.

No framework, no authentication, no database: it answers ``GET PATH`` with fixed bytes
and content type (those the API answered for the same request) and 404 otherwise. Run it
with the same ``uvicorn.run`` arguments ``reseller-api serve`` uses, so the difference
between the two is what the API does per request, not the server around it.

    .venv/bin/python bench/bare_asgi.py --port 8001 --path /v2/accounts/1 \
        --body-file body.json --content-type application/json
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn

from reseller_api.cli.serve import uvicorn_options

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def make_app(path: str, body: bytes, content_type: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    ok_start: Message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", content_type.encode("latin-1")),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    ok_body: Message = {"type": "http.response.body", "body": body}
    missing_start: Message = {
        "type": "http.response.start",
        "status": 404,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", b"9")],
    }
    missing_body: Message = {"type": "http.response.body", "body": b"not found"}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        if scope["method"] == "GET" and scope["path"] == path:
            await send(ok_start)
            await send(ok_body)
        else:
            await send(missing_start)
            await send(missing_body)

    return app


def serve(make: Callable[[str, bytes, str], Any], description: str) -> None:
    """Parse a baseline's command line and serve ``make(path, body, content_type)``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--content-type", required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    app = make(args.path, args.body_file.read_bytes(), args.content_type)
    # The same arguments as reseller_api.cli.serve.serve().
    uvicorn.run(app, host=args.host, port=args.port, **uvicorn_options(args.log_level))


if __name__ == "__main__":
    serve(make_app, __doc__.splitlines()[0])
