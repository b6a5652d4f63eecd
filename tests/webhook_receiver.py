"""A real HTTP receiver on a loopback port, for the webhook tests: it records what arrives
and answers what it is told to (``fail`` answers 500 that many times first)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    fail: int = 0
    # Set: the next delivery is recorded, then left unanswered until ``release`` is set.
    hold: threading.Event | None = None
    release: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} deliveries arrived, expected {count}")
            time.sleep(0.02)
        return self.received


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if state.fail > 0:
                state.fail -= 1
                self.send_response(500)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if state.hold is not None and not state.hold.is_set():
                state.hold.set()  # the sender is now mid-delivery
                state.release.wait(30)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
