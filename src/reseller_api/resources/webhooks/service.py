"""The rules of webhook endpoints: who may point them where, at what, and their delivery log."""

from __future__ import annotations

import json
from typing import Any

from msgspec import UNSET
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy import delete as sql_delete

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.conventions.paging import Page
from reseller_api.credentials import keyring
from reseller_api.errors import NOT_FOUND, ApiProblem, define, invalid
from reseller_api.resources.webhooks import addresses, events, signing
from reseller_api.resources.webhooks.delivery import PENDING, iso
from reseller_api.resources.webhooks.tables import webhook_deliveries, webhook_events
from reseller_api.store.tables import webhook_endpoints
from reseller_api.wire.webhooks import (
    CreatedWebhook,
    CreateWebhook,
    UpdateWebhook,
    Webhook,
    WebhookDelivery,
)

MAX_ENDPOINTS = 20
MAX_DESCRIPTION = 200
URL_INVALID = define("webhook_url_invalid", 400, "The webhook url cannot be used.")
EVENTS_INVALID = define(
    "webhook_events_invalid",
    400,
    'events is a non-empty list of event types (see docs/extensions.md), or ["*"] for all of them.',
)
DESCRIPTION_TOO_LONG = define(
    "webhook_description_too_long", 400, f"description is at most {MAX_DESCRIPTION} characters."
)
TOO_MANY = define("webhook_limit_reached", 400, f"A reseller has at most {MAX_ENDPOINTS} webhook endpoints.")

endpoints, deliveries = webhook_endpoints, webhook_deliveries


def _view(row: Any) -> Webhook:
    return Webhook(
        id=row.id,
        url=row.url,
        description=row.description,
        events=json.loads(row.events),
        enabled=bool(row.enabled),
        disabled_reason=row.disabled_reason,
        created_at=iso(row.created_at),
    )


def _check_url(context: AppContext, url: str) -> str:
    url = url.strip()
    if len(url) > 2000:
        raise invalid(URL_INVALID, "url is at most 2000 characters.")
    try:
        addresses.check_url(url, allow_private=context.settings.webhook_allow_private)
    except addresses.Refused as exc:
        raise invalid(URL_INVALID, str(exc)) from None
    return url


def _check_events(context: AppContext, chosen: list[str]) -> list[str]:
    unique = list(dict.fromkeys(e.strip() for e in chosen))
    unknown = [e for e in unique if e != "*" and e not in context.webhook_events]
    if not unique or unknown:
        text = EVENTS_INVALID.text + (f" Unknown: {', '.join(unknown)}." if unknown else "")
        raise invalid(EVENTS_INVALID, text)
    return unique


def _check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise invalid(DESCRIPTION_TOO_LONG)
    return description


def _owned(conn: Connection, reseller_id: int, webhook_id: int) -> Any:
    row = conn.execute(
        select(endpoints).where(endpoints.c.id == webhook_id, endpoints.c.reseller_id == reseller_id)
    ).first()
    if row is None:
        raise ApiProblem(NOT_FOUND, f"Webhook {webhook_id} does not exist.")
    return row


def list_webhooks(context: AppContext, reseller_id: int, page: Page) -> tuple[list[Webhook], int]:
    with context.database.engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(endpoints).where(endpoints.c.reseller_id == reseller_id)
        ).scalar_one()
        rows = conn.execute(
            select(endpoints)
            .where(endpoints.c.reseller_id == reseller_id)
            .order_by(endpoints.c.id)
            .offset(page.skip)
            .limit(page.take)
        )
        return [_view(row) for row in rows], int(total)


def create_webhook(context: AppContext, reseller_id: int, data: CreateWebhook) -> CreatedWebhook:
    url = _check_url(context, data.url)
    chosen = _check_events(context, data.events)
    description = _check_description(data.description)
    secret = signing.new_secret()
    now = clock.time()
    with context.database.transaction() as conn:
        count = conn.execute(
            select(func.count()).select_from(endpoints).where(endpoints.c.reseller_id == reseller_id)
        ).scalar_one()
        if count >= MAX_ENDPOINTS:
            raise invalid(TOO_MANY)
        webhook_id = conn.execute(
            insert(endpoints)
            .values(
                reseller_id=reseller_id,
                url=url,
                description=description,
                events=json.dumps(chosen),
                # With the key on record (share-locked), as API secrets are: a secret-key
                # rotation committed meanwhile is followed, never missed (credentials/keyring.py).
                secret=context.box.encrypt(secret, keyring.encryption_key(conn, context.box)),
                enabled=data.enabled,
                created_at=now,
                updated_at=now,
            )
            .returning(endpoints.c.id)
        ).scalar_one()
    view = get_webhook(context, reseller_id, int(webhook_id))
    return CreatedWebhook(**{f: getattr(view, f) for f in view.__struct_fields__}, secret=secret)


def get_webhook(context: AppContext, reseller_id: int, webhook_id: int) -> Webhook:
    with context.database.engine.connect() as conn:
        return _view(_owned(conn, reseller_id, webhook_id))


def update_webhook(context: AppContext, reseller_id: int, webhook_id: int, data: UpdateWebhook) -> Webhook:
    values: dict[str, Any] = {}
    if data.url is not UNSET:
        values["url"] = _check_url(context, data.url)
    if data.events is not UNSET:
        values["events"] = json.dumps(_check_events(context, data.events))
    if data.description is not UNSET:
        values["description"] = _check_description(data.description)
    if data.enabled is not UNSET:
        values["enabled"] = data.enabled
        if data.enabled:
            values["disabled_reason"] = None
    with context.database.transaction() as conn:
        _owned(conn, reseller_id, webhook_id)
        if values:
            values["updated_at"] = clock.time()
            conn.execute(update(endpoints).where(endpoints.c.id == webhook_id).values(**values))
        return _view(_owned(conn, reseller_id, webhook_id))


def rotate_secret(context: AppContext, reseller_id: int, webhook_id: int) -> CreatedWebhook:
    """A new signing secret for the endpoint, shown this once; the old one stops at once.

    Deliveries are signed when they are sent, so every delivery from now on (pending ones and
    retries included) carries the new signature. One already in flight may arrive signed with
    the old secret; a receiver that refuses it makes it fail and be retried with the new one,
    so nothing is lost while the receiver is switched over.
    """
    secret = signing.new_secret()
    with context.database.transaction() as conn:
        _owned(conn, reseller_id, webhook_id)
        conn.execute(
            update(endpoints)
            .where(endpoints.c.id == webhook_id)
            .values(
                secret=context.box.encrypt(secret, keyring.encryption_key(conn, context.box)),
                updated_at=clock.time(),
            )
        )
        view = _view(_owned(conn, reseller_id, webhook_id))
    return CreatedWebhook(**{f: getattr(view, f) for f in view.__struct_fields__}, secret=secret)


def delete_webhook(context: AppContext, reseller_id: int, webhook_id: int) -> None:
    with context.database.transaction() as conn:
        _owned(conn, reseller_id, webhook_id)
        conn.execute(sql_delete(deliveries).where(deliveries.c.endpoint_id == webhook_id))
        conn.execute(sql_delete(endpoints).where(endpoints.c.id == webhook_id))


def send_test(context: AppContext, reseller_id: int, webhook_id: int) -> int:
    """A ``webhook.test`` event for this endpoint alone (disabled or not: a test says whether
    it works, before it is switched back on)."""
    with context.database.transaction() as conn:
        _owned(conn, reseller_id, webhook_id)
        emitted = events.emit(
            conn,
            reseller_id,
            events.TEST_EVENT,
            {"webhook_id": webhook_id},
            f"/v2/webhooks/{webhook_id}",
            only_endpoint=webhook_id,
        )
    assert emitted is not None  # the endpoint is the reseller's, and every endpoint takes tests
    return emitted[1][0]


def _delivery_view(row: Any) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        event_id=row.event_id,
        event_type=row.type,
        status=row.status,
        attempts=row.attempts,
        response_code=row.response_code,
        latency_ms=row.latency_ms,
        error=row.error,
        created_at=iso(row.created_at),
        last_attempt_at=None if row.last_attempt_at is None else iso(row.last_attempt_at),
        next_attempt_at=iso(row.next_attempt_at) if row.status == PENDING else None,
    )


_DELIVERY_COLUMNS = (
    deliveries.c.id,
    deliveries.c.event_id,
    webhook_events.c.type,
    deliveries.c.status,
    deliveries.c.attempts,
    deliveries.c.response_code,
    deliveries.c.latency_ms,
    deliveries.c.error,
    deliveries.c.created_at,
    deliveries.c.last_attempt_at,
    deliveries.c.next_attempt_at,
)


def list_deliveries(
    context: AppContext, reseller_id: int, webhook_id: int, page: Page
) -> tuple[list[WebhookDelivery], int]:
    """The endpoint's delivery log, newest first."""
    with context.database.engine.connect() as conn:
        _owned(conn, reseller_id, webhook_id)
        total = conn.execute(
            select(func.count()).select_from(deliveries).where(deliveries.c.endpoint_id == webhook_id)
        ).scalar_one()
        rows = conn.execute(
            select(*_DELIVERY_COLUMNS)
            .join(webhook_events, webhook_events.c.id == deliveries.c.event_id)
            .where(deliveries.c.endpoint_id == webhook_id)
            .order_by(deliveries.c.id.desc())
            .offset(page.skip)
            .limit(page.take)
        )
        return [_delivery_view(row) for row in rows], int(total)


def get_delivery(context: AppContext, reseller_id: int, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    with context.database.engine.connect() as conn:
        _owned(conn, reseller_id, webhook_id)
        row = conn.execute(
            select(*_DELIVERY_COLUMNS)
            .join(webhook_events, webhook_events.c.id == deliveries.c.event_id)
            .where(deliveries.c.endpoint_id == webhook_id, deliveries.c.id == delivery_id)
        ).first()
    if row is None:
        raise ApiProblem(NOT_FOUND, f"Delivery {delivery_id} does not exist.")
    return _delivery_view(row)


def redeliver(context: AppContext, reseller_id: int, webhook_id: int, delivery_id: int) -> int:
    """Send a delivery's event to its endpoint again (same event id), as a new delivery."""
    now = clock.time()
    with context.database.transaction() as conn:
        _owned(conn, reseller_id, webhook_id)
        row = conn.execute(
            select(deliveries.c.event_id, deliveries.c.resource).where(
                deliveries.c.endpoint_id == webhook_id, deliveries.c.id == delivery_id
            )
        ).first()
        if row is None:
            raise ApiProblem(NOT_FOUND, f"Delivery {delivery_id} does not exist.")
        new_id = conn.execute(
            insert(deliveries)
            .values(
                endpoint_id=webhook_id,
                event_id=row.event_id,
                resource=row.resource,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .returning(deliveries.c.id)
        ).scalar_one()
    return int(new_id)
