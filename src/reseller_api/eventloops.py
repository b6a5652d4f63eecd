"""Connections belong to the event loop that opened them.

A server has one loop for its life, but a loop can end with connections still open: a
server stopped without its shutdown, or the tests, which run one loop per app call. Their
sockets must still be closed (no leak, no ``ResourceWarning``), without the loop: an
asyncio transport's ``abort()`` schedules its cleanup on its loop and fails once that
loop is closed. :func:`abort_now` closes the socket itself then.
"""

from __future__ import annotations

from typing import Any


def abort_now(transport: Any) -> None:
    """Abort an asyncio ``transport`` at once, even when its event loop has ended."""
    try:
        transport.abort()  # nothing awaited: the loop closes the socket on its next turn
    except RuntimeError:
        close_socket(transport)


def close_socket(transport: Any) -> None:
    """After an abort that failed because the loop has ended: close the transport's socket.

    The abort marked the transport closing, then failed scheduling the close (a second
    abort does nothing). asyncio keeps no public handle on the socket; the closed loop's
    selector no longer watches it, so closing it here is safe.
    """
    sock, transport._sock = transport._sock, None
    if sock is not None:
        sock.close()
