"""Webhook endpoints and their deliveries on the wire (msgspec only: the SDK imports these)."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType


class Webhook(msgspec.Struct):
    id: int
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    created_at: str


class CreatedWebhook(Webhook):
    """The answer to a creation: the signing secret, shown this once."""

    secret: str


class CreateWebhook(msgspec.Struct, forbid_unknown_fields=True):
    url: str
    events: list[str]
    description: str = ""
    enabled: bool = True


class UpdateWebhook(msgspec.Struct, forbid_unknown_fields=True):
    url: str | UnsetType = UNSET
    events: list[str] | UnsetType = UNSET
    description: str | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET


class WebhookDelivery(msgspec.Struct):
    id: int
    event_id: str
    event_type: str
    status: str  # pending | succeeded | failed
    attempts: int
    response_code: int | None
    latency_ms: int | None
    error: str | None
    created_at: str
    last_attempt_at: str | None
    next_attempt_at: str | None
