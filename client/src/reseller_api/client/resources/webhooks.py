"""``/v2/webhooks``: endpoints that receive signed events (our extension, not the vendor's API).

Check what arrives with :func:`reseller_api.client.webhooks.verify`.
"""

from __future__ import annotations

from msgspec import UNSET

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call
from reseller_api.client.resources import M, Resource, operation, paginated
from reseller_api.wire.webhooks import (
    CreatedWebhook,
    CreateWebhook,
    UpdateWebhook,
    Webhook,
    WebhookDelivery,
)

WebhookList = list[Webhook]
DeliveryList = list[WebhookDelivery]
EventTypes = list[str]  # (``list`` is a method's name inside the class)


class Webhooks(Resource[M]):
    @operation
    def list(self, *, skip: int = 0, take: int = 25) -> Call[WebhookList]:
        return Call("GET", "/v2/webhooks", WebhookList, {"skip": skip, "take": take})

    @paginated
    def iter_all(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Call[WebhookList]:
        return Call("GET", "/v2/webhooks", WebhookList)

    @operation
    def create(
        self, url: str, events: EventTypes, *, description: str = "", enabled: bool = True
    ) -> Call[CreatedWebhook]:
        """Register an endpoint; the answer's ``secret`` (``whsec_...``) is shown this once: keep it."""
        body = CreateWebhook(url=url, events=events, description=description, enabled=enabled)
        return Call("POST", "/v2/webhooks", CreatedWebhook, body=body)

    @operation
    def get(self, webhook_id: int) -> Call[Webhook]:
        return Call("GET", f"/v2/webhooks/{int(webhook_id)}", Webhook)

    @operation
    def update(
        self,
        webhook_id: int,
        *,
        url: str | None = None,
        events: EventTypes | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> Call[Webhook]:
        """Change the fields given (``enabled=True`` re-enables an endpoint that was disabled)."""
        body = UpdateWebhook(
            url=UNSET if url is None else url,
            events=UNSET if events is None else events,
            description=UNSET if description is None else description,
            enabled=UNSET if enabled is None else enabled,
        )
        return Call("PUT", f"/v2/webhooks/{int(webhook_id)}", Webhook, body=body)

    @operation
    def delete(self, webhook_id: int) -> Call[None]:
        return Call("DELETE", f"/v2/webhooks/{int(webhook_id)}", outcome="none")

    @operation
    def rotate_secret(self, webhook_id: int) -> Call[CreatedWebhook]:
        """A new signing secret; the answer's ``secret`` is shown this once, the old one stops at once."""
        return Call("POST", f"/v2/webhooks/{int(webhook_id)}/secret/rotate", CreatedWebhook)

    @operation
    def test(self, webhook_id: int) -> Call[str]:
        """Send a ``webhook.test`` event; returns the delivery's id."""
        return Call("POST", f"/v2/webhooks/{int(webhook_id)}/test", str, outcome="id")

    @operation
    def deliveries(self, webhook_id: int, *, skip: int = 0, take: int = 25) -> Call[DeliveryList]:
        """One page of the endpoint's delivery log, newest first."""
        return Call(
            "GET", f"/v2/webhooks/{int(webhook_id)}/deliveries", DeliveryList, {"skip": skip, "take": take}
        )

    @operation
    def delivery(self, webhook_id: int, delivery_id: int | str) -> Call[WebhookDelivery]:
        return Call("GET", f"/v2/webhooks/{int(webhook_id)}/deliveries/{int(delivery_id)}", WebhookDelivery)

    @operation
    def redeliver(self, webhook_id: int, delivery_id: int | str) -> Call[str]:
        """Send a delivery's event again (same event id); returns the new delivery's id."""
        path = f"/v2/webhooks/{int(webhook_id)}/deliveries/{int(delivery_id)}/redeliver"
        return Call("POST", path, str, outcome="id")
