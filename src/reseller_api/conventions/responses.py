"""Raw ASGI JSON responses, for the layers that answer before the framework is reached."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from reseller_api.errors import ErrorCode

Send = Callable[[dict[str, Any]], Awaitable[None]]
_encode = msgspec.json.Encoder().encode


def error_body(code: str, text: str) -> bytes:
    return _encode({"error_code": code, "error_text": text})


async def send_json_error(
    send: Send,
    error: ErrorCode,
    headers: list[tuple[bytes, bytes]] = (),  # type: ignore[assignment]
    text: str | None = None,
) -> None:
    body = error_body(error.code, text or error.text)
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
