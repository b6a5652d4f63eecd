"""Webhooks: ``/v2/webhooks``; every job that ends writes its events to the outbox."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.manifest import Controllers, Resource
from reseller_api.resources.webhooks import events, service


def controllers() -> Controllers:
    from reseller_api.resources.webhooks.routes import WebhookController

    return [WebhookController]


RESOURCE = Resource(
    name="webhooks",
    controllers=controllers,
    job_ended=(events.for_job,),
    errors=codes_of(service),
)
