"""The outbox's events for synchronous writes, written in the request's own transaction.

An ASGI layer inside the gate: for a ``POST``/``PUT``/``PATCH``/``DELETE`` on a resource
that has events (the catalogue of events.py, from the manifests) and whose handler answers at
once (not a 202: a job's end tells of those), it registers a commit hook (store/database.py
``COMMIT_HOOKS``) that writes the event in the first transaction the request commits. A
request that commits nothing (a refusal) has no event. A write that commits its rows before
pushing them to a backend, and puts them back when the backend refuses, has committed: so the
event is written held, and the answer settles it (``events.settle``): delivered at once after
a 2xx, removed otherwise. Reads and other paths pass straight through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Connection

from reseller_api.conventions.gate import CREDENTIAL_SCOPE_KEY
from reseller_api.resources.webhooks import events
from reseller_api.store.database import COMMIT_HOOKS, Database

ASGIApp = Callable[..., Awaitable[None]]
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WebhookEvents:
    """``route_status(method, path)``: the status the handler answers with, None if no handler;
    ``catalogue``: which writes tell of which event (built by the app from the manifests)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        route_status: Callable[[str, str], int | None],
        catalogue: events.EventCatalogue,
        database: Database,
    ) -> None:
        self.app = app
        self.catalogue = catalogue
        self.database = database
        self.reads: ASGIApp = getattr(app, "reads", app)  # reads skip this layer (see Idempotency)
        self.route_status = route_status

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        credential = scope.get(CREDENTIAL_SCOPE_KEY)
        method, path = scope["method"], scope["path"]
        event = None if credential is None else self.catalogue.for_request(method, path)
        status = None if event is None else self.route_status(method, path)
        if event is None or credential is None or status is None or status == 202:
            await self.app(scope, receive, send)
            return
        event_type, data = event
        reseller_id = credential.reseller_id
        written: list[str] = []  # the held event's id, once the request's first commit wrote it

        def hook(conn: Connection) -> None:
            emitted = events.emit(conn, reseller_id, event_type, data, path, held=True)
            if emitted is not None:
                written.append(emitted[0])

        async def settle(stood: bool) -> None:
            # In a thread with the request's context: it joins a held commit, if any.
            while written:
                await asyncio.to_thread(events.settle, self.database, written.pop(), stood)

        async def send_settled(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                await settle(200 <= int(message["status"]) < 300)
            await send(message)

        token = COMMIT_HOOKS.set([hook])
        try:
            await self.app(scope, receive, send_settled)
        finally:
            COMMIT_HOOKS.reset(token)
            await settle(False)  # no answer was sent (the request raised): the write did not stand
