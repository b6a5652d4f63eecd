"""Webhooks: ``/v2/webhooks``; every job that ends writes its events to the outbox."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.manifest import AuditSentence, Controllers, Resource
from reseller_api.resources.webhooks import events, service, tables


def controllers() -> Controllers:
    from reseller_api.resources.webhooks.routes import WebhookController

    return [WebhookController]


RESOURCE = Resource(
    name="webhooks",
    tables=tables.TABLES,
    controllers=controllers,
    job_ended=(events.for_job,),
    errors=codes_of(service),
    audit=(
        AuditSentence("POST", "/v2/webhooks", "Added webhook {location}"),
        AuditSentence("PUT", "/v2/webhooks/{id}", "Changed webhook {id}"),
        AuditSentence("DELETE", "/v2/webhooks/{id}", "Deleted webhook {id}"),
        AuditSentence("POST", "/v2/webhooks/{id}/test", "Sent a test event to webhook {id}"),
        AuditSentence(
            "POST", "/v2/webhooks/{id}/secret/rotate", "Rotated the signing secret of webhook {id}"
        ),
        AuditSentence(
            "POST", "/v2/webhooks/{id}/deliveries/{s}/redeliver", "Sent delivery {s} of webhook {id} again"
        ),
    ),
)
