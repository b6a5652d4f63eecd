"""DNS rebinding (docs/extensions.md, "Where endpoints may point"): a name that resolves to
a public address for the delivery's check and to a loopback receiver a moment later must
not reach the receiver; the POST connects to the address the check vetted."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from reseller_api.app import create_app
from reseller_api.resources.webhooks import addresses
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests.harness import Caller

NAME = "rebind.test"
PUBLIC = "93.184.215.14"  # vetted, never really connected to: the test refuses the connection


@pytest.fixture
def app(settings: Settings, database: Database, clock: Any) -> Iterator[Any]:
    """Private addresses are not allowed (the default); deliveries are run by the test."""
    assert not settings.webhook_allow_private
    app = create_app(settings, database=database, clock=clock, run_jobs=False)
    yield app
    app.dispose()


class LoopbackListener:
    """A TCP port on loopback that counts the connections reaching it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.reached = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.reached += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[LoopbackListener]:
    listening = LoopbackListener()
    yield listening
    listening.close()


@pytest.fixture
def rebinding(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """NAME resolves to PUBLIC until ``rebind`` is set, to 127.0.0.1 after; a connection to
    PUBLIC is recorded and refused (no test reaches the internet), any other goes through."""
    state: dict[str, Any] = {"rebind": False, "connected_to": []}
    real_getaddrinfo, real_create_connection = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == NAME:
            answer = "127.0.0.1" if state["rebind"] else PUBLIC
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        state["connected_to"].append(address)
        if address[0] == PUBLIC:
            raise ConnectionRefusedError(f"{PUBLIC} is not contacted by the tests")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return state


def test_a_name_rebound_after_the_check_does_not_reach_the_loopback_receiver(
    api: Caller,
    app: Any,
    listener: LoopbackListener,
    rebinding: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"https://{NAME}:{listener.port}/hook"
    created = api.post("/v2/webhooks", {"url": url, "events": ["*"]})
    assert created.status_code == 201, created.text  # the name resolves to a public address

    real_check = addresses.check_url

    def check_then_rebind(*args: Any, **kwargs: Any) -> Any:
        vetted = real_check(*args, **kwargs)
        rebinding["rebind"] = True  # the name now answers the loopback receiver
        return vetted

    monkeypatch.setattr(addresses, "check_url", check_then_rebind)
    accepted = api.post(f"/v2/webhooks/{created.json()['id']}/test")
    assert accepted.status_code == 202
    assert app.deliverer.deliver_due() == 1

    assert rebinding["rebind"]  # the delivery did check, and the name did move
    assert listener.reached == 0
    assert rebinding["connected_to"] == [(PUBLIC, listener.port)]
    log = api.get(accepted.headers["location"]).json()
    assert log["status"] == "pending"  # tried again later, checked again then
    assert "ConnectError" in log["error"]
