"""The outbox: events are rows written in the transaction of the change they tell of.

:func:`emit` inserts the event and one pending delivery for each enabled endpoint of the
reseller subscribed to its type; the deliverer (delivery.py) sends them after the commit.
A change that rolls back takes its event with it; a committed change always has its event.

Events of synchronous writes are derived from the request's path (:func:`for_request`):
``POST`` on a collection creates, ``DELETE`` on an item deletes, anything else updates the
resource the path names. Asynchronous creations tell of their outcome when their job ends
(:func:`for_job`): ``provisioningjob.finished`` or ``.failed``, and the resource's event.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, insert, select

from reseller_api import clock
from reseller_api.jobs.registry import handler_of
from reseller_api.resources.webhooks.tables import webhook_deliveries, webhook_events
from reseller_api.store.tables import webhook_endpoints

# The first path segment under /v2, and the name its events carry.
RESOURCES = {
    "accounts": "account",
    "dns": "dns_record",
    "domains": "domain",
    "linuxhostings": "linux_hosting",
    "mailboxes": "mailbox",
    "mysqldatabases": "mysql_database",
}
JOB_EVENTS = ("provisioningjob.finished", "provisioningjob.failed")
TEST_EVENT = "webhook.test"
EVENT_TYPES = frozenset(
    [
        *JOB_EVENTS,
        *(f"{name}.{what}" for name in RESOURCES.values() for what in ("created", "updated", "deleted")),
    ]
)


def for_request(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """The event a synchronous write on ``path`` makes, or None when it tells of nothing we list."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2 or parts[0] != "v2" or parts[1] not in RESOURCES:
        return None
    name = RESOURCES[parts[1]]
    rest = parts[2:]
    if name == "dns_record":  # /v2/dns/{domain}/records[/{id}]
        collection, item = len(rest) == 2 and rest[1] == "records", len(rest) == 3 and rest[1] == "records"
    else:
        collection, item = not rest, len(rest) == 1
    if method == "POST" and collection:
        what = "created"
    elif method == "DELETE" and item:
        what = "deleted"
    else:
        what = "updated"
    return f"{name}.{what}", {"method": method, "path": path}


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
) -> tuple[str, list[int]] | None:
    """Write the event and its deliveries in ``conn``'s transaction; None when nobody listens.

    ``only_endpoint``: for that endpoint alone, enabled or not (``POST .../test``).
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
                        next_attempt_at=now,
                        created_at=now,
                    )
                    .returning(webhook_deliveries.c.id)
                ).scalar_one()
            )
        )
    return event_id, deliveries


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
