"""The outbox: events are rows written in the transaction of the change they tell of.

:func:`emit` inserts the event and one pending delivery for each enabled endpoint of the
reseller subscribed to its type; the deliverer (delivery.py) sends them after the commit.
A change that rolls back takes its event with it; a committed change always has its event.

Events of synchronous writes are derived from the request's path
(:meth:`EventCatalogue.for_request`), for the paths the manifests declare (``Resource.events``):
``POST`` on a collection creates, ``DELETE`` on an item deletes, anything else updates the
resource the path names. Asynchronous creations tell of their outcome when their job ends
(:func:`for_job`): ``provisioningjob.finished`` or ``.failed``, and the resource's event.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from reseller_api import clock
from reseller_api.jobs.registry import handler_of
from reseller_api.resources.events import WriteEvents
from reseller_api.resources.webhooks.tables import webhook_deliveries, webhook_events
from reseller_api.store.database import Database
from reseller_api.store.tables import webhook_endpoints

# How long a synchronous write's event waits for its request's answer before it is delivered
# anyway: the answer settles it at once (settle), so this only matters after a crash mid-request.
HOLD_SECONDS = 60.0

JOB_EVENTS = ("provisioningjob.finished", "provisioningjob.failed")
TEST_EVENT = "webhook.test"


class EventCatalogue:
    """Every event type an endpoint may subscribe to, and the event of each synchronous write.

    Built from what the manifests declare (``Resource.events``, listed by
    ``resources/registry.py``'s ``webhook_events()``) by whatever assembles the process (the
    app), and handed to what needs it: this package cannot import the list of resources,
    which imports it.
    """

    def __init__(self, declared: Iterable[WriteEvents]) -> None:
        self._by_segment: dict[str, tuple[str, list[str]]] = {}
        for events in declared:
            if events.segment in self._by_segment:
                raise RuntimeError(f"the webhook events of /v2/{events.segment} are declared twice")
            # The collection's segments after the resource's own ("{domain}", "records").
            self._by_segment[events.segment] = (events.name, events.path.split("/")[3:])
        names = [name for name, _ in self._by_segment.values()]
        self.types = frozenset(
            [*JOB_EVENTS, *(f"{name}.{what}" for name in names for what in ("created", "updated", "deleted"))]
        )

    def for_request(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """The event a synchronous write on ``path`` makes, or None when it tells of nothing we list."""
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2 or parts[0] != "v2" or parts[1] not in self._by_segment:
            return None
        name, collection_path = self._by_segment[parts[1]]
        rest = parts[2:]
        collection = _matches(rest, collection_path)
        item = len(rest) == len(collection_path) + 1 and _matches(rest[:-1], collection_path)
        if method == "POST" and collection:
            what = "created"
        elif method == "DELETE" and item:
            what = "deleted"
        else:
            what = "updated"
        return f"{name}.{what}", {"method": method, "path": path}


def _matches(segments: list[str], pattern: list[str]) -> bool:
    """Whether the path's segments are the pattern's, each ``{name}`` standing for any one."""
    return len(segments) == len(pattern) and all(
        want.startswith("{") or want == got for got, want in zip(segments, pattern, strict=True)
    )


def subscribed(events: list[str], event_type: str) -> bool:
    return event_type == TEST_EVENT or "*" in events or event_type in events


def emit(
    conn: Connection,
    reseller_id: int,
    event_type: str,
    data: dict[str, Any],
    resource: str,
    *,
    only_endpoint: int | None = None,
    held: bool = False,
) -> tuple[str, list[int]] | None:
    """Write the event and its deliveries in ``conn``'s transaction; None when nobody listens.

    ``only_endpoint``: for that endpoint alone, enabled or not (``POST .../test``).
    ``held``: the deliveries wait (:data:`HOLD_SECONDS`) until :func:`settle` says whether
    the write they tell of stood.
    """
    query = select(webhook_endpoints.c.id, webhook_endpoints.c.events).where(
        webhook_endpoints.c.reseller_id == reseller_id
    )
    if only_endpoint is not None:  # a test: disabled or not, it says whether the endpoint works
        query = query.where(webhook_endpoints.c.id == only_endpoint)
    else:
        query = query.where(webhook_endpoints.c.enabled.is_(True))
    endpoints = [row.id for row in conn.execute(query) if subscribed(json.loads(row.events), event_type)]
    if not endpoints:
        return None
    now = clock.time()
    event_id = f"evt_{uuid.uuid4().hex}"
    conn.execute(
        insert(webhook_events).values(
            id=event_id, reseller_id=reseller_id, type=event_type, data=json.dumps(data), created_at=now
        )
    )
    deliveries = []
    for endpoint_id in endpoints:
        deliveries.append(
            int(
                conn.execute(
                    insert(webhook_deliveries)
                    .values(
                        endpoint_id=endpoint_id,
                        event_id=event_id,
                        resource=resource[:300],
                        status="pending",
                        attempts=0,
                        next_attempt_at=now + HOLD_SECONDS if held else now,
                        created_at=now,
                    )
                    .returning(webhook_deliveries.c.id)
                ).scalar_one()
            )
        )
    return event_id, deliveries


def settle(database: Database, event_id: str, stood: bool) -> None:
    """A held event's request has answered: its deliveries go out now if the write stood (a
    2xx), else the event and its deliveries are removed (a refusal whose rows were put back).

    In the request's context, so inside a held commit (conventions/idempotency.py) this joins
    it: the event, its fate and the stored answer commit together.
    """
    with database.transaction() as conn:
        if stood:
            conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.event_id == event_id, webhook_deliveries.c.attempts == 0)
                .values(next_attempt_at=clock.time())
            )
        else:
            conn.execute(delete(webhook_deliveries).where(webhook_deliveries.c.event_id == event_id))
            conn.execute(delete(webhook_events).where(webhook_events.c.id == event_id))


def for_job(
    conn: Connection, reseller_id: int, job_id: str, kind: str, status: str, links: list[str], error: str = ""
) -> None:
    """A job ended: ``provisioningjob.<status>``, and on success its resource's event."""
    resource = links[0] if links else f"/v2/provisioningjobs/{job_id}"
    data: dict[str, Any] = {"id": job_id, "status": status, "resource_links": links}
    if error:
        data["error"] = error
    emit(conn, reseller_id, f"provisioningjob.{status}", data, resource)
    # What a job of this kind creates (or changes), as its handler declares it (JobHandler.event).
    handler = handler_of(kind)
    created = None if handler is None else handler.event
    if status == "finished" and created is not None:
        emit(conn, reseller_id, created, {"job_id": job_id, "resource_links": links}, resource)
