"""``/v2/webhooks``: endpoints that receive signed events (not part of the vendor's API)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context, Paging
from reseller_api.conventions.locations import location
from reseller_api.conventions.replies import paged
from reseller_api.resources.webhooks import service
from reseller_api.wire.webhooks import (
    CreatedWebhook,
    CreateWebhook,
    UpdateWebhook,
    Webhook,
    WebhookDelivery,
)

WebhookId = Annotated[int, Parameter(description="The id of the webhook endpoint.", ge=1, le=2**31 - 1)]
DeliveryId = Annotated[int, Parameter(description="The id of the delivery.", ge=1, le=2**31 - 1)]
EXTENSION = " Not part of the vendor's API (docs/extensions.md)."


def _delivery_accepted(webhook_id: int, delivery_id: int) -> Response[bytes]:
    headers = {"Location": location("webhooks", webhook_id, "deliveries", delivery_id)}
    return Response(b"", status_code=202, headers=headers)


class WebhookController(Controller):
    path = "/v2/webhooks"
    tags = ["Webhooks"]

    @get(
        "/",
        operation_id="GetWebhooks",
        summary="Your webhook endpoints",
        description="Your webhook endpoints, a page at a time (never their secrets).",
        sync_to_thread=True,
    )
    def list_webhooks(self, context: Context, credential: Caller, page: Paging) -> Response[list[Webhook]]:
        items, total = service.list_webhooks(context, credential.reseller_id, page)
        return paged(items, page, total)

    @post(
        "/",
        operation_id="CreateWebhook",
        summary="Register a webhook endpoint",
        description="The url is https (http only for a loopback host); events are event types or "
        '["*"]. The answer carries the signing secret (whsec_...), shown this once.' + EXTENSION,
        status_code=201,
        sync_to_thread=True,  # the url's host is resolved
    )
    def create_webhook(
        self, context: Context, credential: Caller, data: JSONBody[CreateWebhook]
    ) -> Response[CreatedWebhook]:
        created = service.create_webhook(context, credential.reseller_id, data)
        return Response(created, status_code=201, headers={"Location": location("webhooks", created.id)})

    @get(
        "/{webhook_id:int}",
        operation_id="GetWebhook",
        summary="A webhook endpoint",
        description="One webhook endpoint: url, events, whether it is enabled and why not.",
        sync_to_thread=True,
    )
    def get_webhook(self, context: Context, credential: Caller, webhook_id: WebhookId) -> Webhook:
        return service.get_webhook(context, credential.reseller_id, webhook_id)

    @put(
        "/{webhook_id:int}",
        operation_id="UpdateWebhook",
        summary="Change a webhook endpoint",
        description="Only the fields given change; enabled=true re-enables an endpoint that was "
        "disabled after its deliveries failed." + EXTENSION,
        status_code=200,
        sync_to_thread=True,
    )
    def update_webhook(
        self, context: Context, credential: Caller, webhook_id: WebhookId, data: JSONBody[UpdateWebhook]
    ) -> Webhook:
        return service.update_webhook(context, credential.reseller_id, webhook_id, data)

    @delete(
        "/{webhook_id:int}",
        operation_id="DeleteWebhook",
        summary="Remove a webhook endpoint",
        description="Remove a webhook endpoint and its delivery log.",
        sync_to_thread=True,
    )
    def delete_webhook(self, context: Context, credential: Caller, webhook_id: WebhookId) -> None:
        service.delete_webhook(context, credential.reseller_id, webhook_id)

    @post(
        "/{webhook_id:int}/test",
        operation_id="TestWebhook",
        summary="Send a webhook.test event to the endpoint",
        description="Answers 202 with the delivery's path in Location." + EXTENSION,
        status_code=202,
        sync_to_thread=True,
    )
    def test_webhook(self, context: Context, credential: Caller, webhook_id: WebhookId) -> Response[bytes]:
        return _delivery_accepted(webhook_id, service.send_test(context, credential.reseller_id, webhook_id))

    @post(
        "/{webhook_id:int}/secret/rotate",
        operation_id="RotateWebhookSecret",
        summary="Give the endpoint a new signing secret",
        description="The answer is the endpoint with its new secret (whsec_...), shown this once; the "
        "old secret stops at once. Deliveries not yet sent are signed with the new one." + EXTENSION,
        status_code=200,
        sync_to_thread=True,
    )
    def rotate_secret(self, context: Context, credential: Caller, webhook_id: WebhookId) -> CreatedWebhook:
        return service.rotate_secret(context, credential.reseller_id, webhook_id)

    @get(
        "/{webhook_id:int}/deliveries",
        operation_id="GetWebhookDeliveries",
        summary="The endpoint's delivery log, newest first",
        description="The endpoint's deliveries, newest first: status, attempts, response code, latency.",
        sync_to_thread=True,
    )
    def list_deliveries(
        self, context: Context, credential: Caller, webhook_id: WebhookId, page: Paging
    ) -> Response[list[WebhookDelivery]]:
        items, total = service.list_deliveries(context, credential.reseller_id, webhook_id, page)
        return paged(items, page, total)

    @get(
        "/{webhook_id:int}/deliveries/{delivery_id:int}",
        operation_id="GetWebhookDelivery",
        summary="One delivery: status, attempts, response code, latency",
        description="One delivery of an event to the endpoint.",
        sync_to_thread=True,
    )
    def get_delivery(
        self, context: Context, credential: Caller, webhook_id: WebhookId, delivery_id: DeliveryId
    ) -> WebhookDelivery:
        return service.get_delivery(context, credential.reseller_id, webhook_id, delivery_id)

    @post(
        "/{webhook_id:int}/deliveries/{delivery_id:int}/redeliver",
        operation_id="RedeliverWebhook",
        summary="Send a delivery's event again",
        description="A new delivery of the same event (same id); 202 with its path in Location." + EXTENSION,
        status_code=202,
        sync_to_thread=True,
    )
    def redeliver(
        self, context: Context, credential: Caller, webhook_id: WebhookId, delivery_id: DeliveryId
    ) -> Response[bytes]:
        return _delivery_accepted(
            webhook_id, service.redeliver(context, credential.reseller_id, webhook_id, delivery_id)
        )
