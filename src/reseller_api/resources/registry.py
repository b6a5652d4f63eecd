"""The one list of resource packages, and what the processes read from it.

:data:`RESOURCES` names every package under ``resources/`` by its manifest (``manifest.py``,
a :class:`~reseller_api.resources.manifest.Resource`); a package not listed here takes no part
in the API, the jobs, ``backends sync``, the webhook events, the error catalogue or the schema.
The order is the order of the controllers in the OpenAPI document.

Importing this module imports every manifest, and so every resource's services and jobs, but
no web framework: the worker reads its job handlers without loading Litestar.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import MetaData, Table

from reseller_api.errors import ErrorCode
from reseller_api.jobs import registry as jobs_registry
from reseller_api.jobs.registry import JobEnded, JobHandler
from reseller_api.resources import assets
from reseller_api.resources.accounts import manifest as accounts
from reseller_api.resources.assets import AssetProvisioner, AssetRules
from reseller_api.resources.dns import manifest as dns
from reseller_api.resources.domains import manifest as domains
from reseller_api.resources.events import WriteEvents
from reseller_api.resources.linuxhostings import manifest as linuxhostings
from reseller_api.resources.mailboxes import manifest as mailboxes
from reseller_api.resources.mailzones import manifest as mailzones
from reseller_api.resources.manifest import BackendSync, Controllers, Resource
from reseller_api.resources.mysqldatabases import manifest as mysqldatabases
from reseller_api.resources.provisioningjobs import manifest as provisioningjobs
from reseller_api.resources.servicepacks import manifest as servicepacks
from reseller_api.resources.ssh import manifest as ssh
from reseller_api.resources.sslcertificates import manifest as sslcertificates
from reseller_api.resources.webhooks import manifest as webhooks
from reseller_api.resources.windowshostings import manifest as windowshostings
from reseller_api.store import tables as core_tables

RESOURCES: tuple[Resource, ...] = (
    accounts.RESOURCE,
    dns.RESOURCE,
    domains.RESOURCE,
    provisioningjobs.RESOURCE,
    servicepacks.RESOURCE,
    linuxhostings.RESOURCE,
    ssh.RESOURCE,
    mailboxes.RESOURCE,
    mailzones.RESOURCE,
    mysqldatabases.RESOURCE,
    sslcertificates.RESOURCE,
    windowshostings.RESOURCE,
    webhooks.RESOURCE,
)


def controllers() -> Controllers:
    """Every resource's Litestar controllers (importing Litestar: for the app only)."""
    return [controller for resource in RESOURCES for controller in resource.controllers()]


def asset_provisioners() -> list[AssetProvisioner]:
    """What each resource builds for an account's asset; one provisioner per asset type."""
    provisioners: dict[str, AssetProvisioner] = {}
    for resource in RESOURCES:
        for provisioner in resource.assets:
            if provisioner.asset_type in provisioners:
                raise RuntimeError(f"asset type {provisioner.asset_type!r} declared twice")
            provisioners[provisioner.asset_type] = provisioner
    return list(provisioners.values())


def asset_rules() -> dict[str, AssetRules]:
    """What each asset type asks of an account's order; one declaration per asset type."""
    rules: dict[str, AssetRules] = {}
    for resource in RESOURCES:
        for rule in resource.asset_rules:
            if rule.asset_type in rules:
                raise RuntimeError(f"asset type {rule.asset_type!r} has its rules declared twice")
            rules[rule.asset_type] = rule
    return rules


def job_handlers() -> dict[str, JobHandler[Any]]:
    """Every job kind and its handler; a kind two resources claim is a mistake caught here."""
    handlers: dict[str, JobHandler[Any]] = {}
    for resource in RESOURCES:
        for handler in resource.jobs:
            if handler.kind in handlers:
                raise RuntimeError(f"job kind {handler.kind!r} declared twice")
            handlers[handler.kind] = handler
    return handlers


def job_ended_hooks() -> list[JobEnded]:
    return [hook for resource in RESOURCES for hook in resource.job_ended]


def install_jobs() -> None:
    """Give the job runner (jobs/registry.py) every handler and job-ended hook, the account
    job (resources/assets.py) every asset provisioner, and the account's validation every
    asset's rules; idempotent.

    Called by each process that runs jobs (the app, the worker) before it starts.
    """
    for kind, handler in job_handlers().items():
        jobs_registry.HANDLERS.setdefault(kind, handler)
    for hook in job_ended_hooks():
        if hook not in jobs_registry.ENDED:
            jobs_registry.ENDED.append(hook)
    for provisioner in asset_provisioners():
        assets.PROVISIONERS.setdefault(provisioner.asset_type, provisioner)
    for asset_type, rule in asset_rules().items():
        assets.RULES.setdefault(asset_type, rule)


def backend_syncs() -> list[BackendSync]:
    """What ``reseller-api backends sync`` pushes, in the order it pushes it: by kind (dns, mail, web)."""
    syncs = [resource.backend_sync for resource in RESOURCES if resource.backend_sync is not None]
    return sorted(syncs, key=lambda sync: sync.kind)


def webhook_events() -> list[WriteEvents]:
    """The webhook events of every resource's synchronous writes, for the catalogue the app
    builds (resources/webhooks/events.py ``EventCatalogue``, which refuses a path segment
    declared twice)."""
    return [events for resource in RESOURCES for events in resource.events]


def error_codes() -> Sequence[ErrorCode]:
    """Every resource's error codes, each once (the core's are added by ``docs.catalogue``)."""
    found: dict[str, ErrorCode] = {}
    for resource in RESOURCES:
        for error in resource.errors:
            found.setdefault(error.code, error)
    return list(found.values())


def schema() -> MetaData:
    """Every table the code uses: the core's (store/tables.py) and each listed resource's.

    All are defined on the one ``MetaData`` of store/tables.py; the store cannot import the
    resource packages, so whoever checks or empties the whole schema (``migrate.prepare`` and
    ``missing``, the sandbox's reset, the tests) takes it from here. A table on the metadata
    that neither the core nor a manifest declares is a mistake caught here.
    """
    declared = {table.name for table in vars(core_tables).values() if isinstance(table, Table)}
    for resource in RESOURCES:
        declared.update(table.name for table in resource.tables)
    undeclared = set(core_tables.metadata.tables) - declared
    if undeclared:
        raise RuntimeError(f"tables no manifest lists: {', '.join(sorted(undeclared))}")
    return core_tables.metadata
