"""The webhook outbox: events (written in the same transaction as the change they tell of) and one
delivery per event and endpoint (resources/webhooks).

The endpoints stay in ``store/tables.py``: rotating the secret key re-encrypts their signing
secrets (credentials/service.py), below the resource packages.

Defined on the one ``metadata`` of ``store/tables.py`` (its naming convention); the package's
manifest lists them (``TABLES``), so the schema the processes check is complete
(resources/registry.py ``schema``). Migrations under ``store/migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text

from reseller_api.store.tables import metadata

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(40), primary_key=True),  # evt_<uuid hex>: the webhook-id receivers de-duplicate on
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("data", Text, nullable=False),  # JSON
    Column("created_at", Float, nullable=False),
    Index("ix_webhook_events_reseller_id_created_at", "reseller_id", "created_at"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("endpoint_id", Integer, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(40), ForeignKey("webhook_events.id"), nullable=False),
    # What the event is about (the request's path, a job's resource): deliveries of one
    # resource to one endpoint go out in order.
    Column("resource", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # pending | succeeded | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_until", Float, nullable=True),
    Column("response_code", Integer, nullable=True),
    Column("latency_ms", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("last_attempt_at", Float, nullable=True),
    Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    sqlite_autoincrement=True,
)

TABLES = (webhook_events, webhook_deliveries)
