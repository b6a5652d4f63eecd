"""The objects one server process shares, built once by ``create_app`` and handed to services.

A plain dataclass, with no import of the web framework, so that services (which take it)
know nothing of Litestar; the providers that inject it into handlers live in the web layer
(:mod:`reseller_api.conventions.dependencies`).
"""

from __future__ import annotations

from dataclasses import dataclass

from reseller_api.backends import Backends
from reseller_api.crypto import SecretBox
from reseller_api.jobs.runner import Runner
from reseller_api.settings import Settings
from reseller_api.store.database import Database


@dataclass(slots=True)
class AppContext:
    settings: Settings
    database: Database
    box: SecretBox
    backends: Backends
    runner: Runner
    # Every webhook event type an endpoint may subscribe to: resources/webhooks/events.py's
    # EventCatalogue, built from the manifests by whoever builds this (the core cannot import
    # the resources, so a plain set).
    webhook_events: frozenset[str]
