"""Every resource package declares itself once, in its manifest, and nothing registers by import.

The manifests (resources/<name>/manifest.py) and the list naming them (resources/registry.py)
are what the app, the worker, ``backends sync`` and the error catalogue read; these tests keep
them complete (docs/adding-a-resource.md).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Table

import reseller_api.resources
from reseller_api import docs
from reseller_api.cli import backends as backends_cli
from reseller_api.errors import CATALOGUE
from reseller_api.jobs import registry as jobs_registry
from reseller_api.resources import registry
from reseller_api.resources.manifest import Resource
from reseller_api.resources.servicepacks.service import ASSET_TYPES
from reseller_api.resources.webhooks.events import EventCatalogue
from reseller_api.store import tables as core_tables

RESOURCES_DIR = Path(reseller_api.resources.__file__).parent
SRC = RESOURCES_DIR.parents[1]


def resource_packages() -> list[str]:
    return sorted(path.parent.name for path in RESOURCES_DIR.glob("*/__init__.py"))


def test_every_resource_package_has_a_manifest_and_is_listed() -> None:
    listed = [resource.name for resource in registry.RESOURCES]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == resource_packages()
    for name in resource_packages():
        manifest = importlib.import_module(f"reseller_api.resources.{name}.manifest")
        assert isinstance(manifest.RESOURCE, Resource)
        assert manifest.RESOURCE.name == name
        assert manifest.RESOURCE in registry.RESOURCES


def test_every_job_kind_has_a_handler() -> None:
    handlers = registry.job_handlers()
    assert all(kind == handler.kind for kind, handler in handlers.items())
    # The kinds the services enqueue, as literals, and the ones the control panel names.
    enqueued = {
        kind
        for path in RESOURCES_DIR.rglob("*.py")
        for kind in re.findall(r'kind="([a-z_]+\.[a-z_]+)"', path.read_text())
    }
    assert enqueued
    assert enqueued <= set(handlers)
    # Each kind says what the control panel calls it.
    assert all(handler.title for handler in handlers.values())
    # The event a finished job tells of is one a webhook endpoint can subscribe to.
    catalogue = EventCatalogue(registry.webhook_events())
    assert {handler.event for handler in handlers.values() if handler.event} <= catalogue.types


def test_webhook_events_come_from_the_manifests() -> None:
    # Each path segment's events are declared by one resource, under a path its own
    # controllers serve; the catalogue is what they declare, and the jobs' own events.
    declared = [events for resource in registry.RESOURCES for events in resource.events]
    assert declared == registry.webhook_events()
    segments = [events.segment for events in declared]
    assert len(segments) == len(set(segments))
    for resource in registry.RESOURCES:
        served = {controller.path for controller in resource.controllers()}
        for events in resource.events:
            assert events.path.startswith("/v2/"), events
            assert any(events.path == path or events.path.startswith(path + "/") for path in served), events
    names = {events.name for events in declared}
    catalogue = EventCatalogue(declared)
    assert catalogue.types == {"provisioningjob.finished", "provisioningjob.failed"} | {
        f"{name}.{what}" for name in names for what in ("created", "updated", "deleted")
    }


def test_every_error_code_is_defined_by_a_listed_resource_or_the_core() -> None:
    # Import every module of the server: whatever defines an error code has done so now.
    for module in pkgutil.walk_packages([str(SRC / "reseller_api")], "reseller_api."):
        if ".migrations." not in module.name and not module.name.endswith(".migrations"):
            importlib.import_module(module.name)
    served = {error.code for error in docs.catalogue()}
    assert set(CATALOGUE) == served
    for error in registry.error_codes():
        assert CATALOGUE[error.code] == error


def tables_of(module: object) -> set[Table]:
    return {value for value in vars(module).values() if isinstance(value, Table)}


def test_every_table_is_owned_once_by_the_core_or_a_listed_resource() -> None:
    # Import every module of the server: a table defined anywhere is on the metadata now.
    for module in pkgutil.walk_packages([str(SRC / "reseller_api")], "reseller_api."):
        if ".migrations." not in module.name and not module.name.endswith(".migrations"):
            importlib.import_module(module.name)
    owners: dict[str, list[str]] = {}
    for table in tables_of(core_tables):
        owners.setdefault(table.name, []).append("store/tables.py")
    for resource in registry.RESOURCES:
        for table in resource.tables:
            owners.setdefault(table.name, []).append(resource.name)
    assert {name: found for name, found in owners.items() if len(found) != 1} == {}
    assert set(owners) == set(core_tables.metadata.tables)
    assert registry.schema() is core_tables.metadata
    assert all(
        table.metadata is core_tables.metadata for resource in registry.RESOURCES for table in resource.tables
    )


def test_a_resources_tables_are_those_of_its_tables_module_listed_by_its_manifest() -> None:
    for name in resource_packages():
        manifest = importlib.import_module(f"reseller_api.resources.{name}.manifest")
        listed = manifest.RESOURCE.tables
        assert len(listed) == len(set(listed)), name
        if (RESOURCES_DIR / name / "tables.py").exists():
            module = importlib.import_module(f"reseller_api.resources.{name}.tables")
            assert set(listed) == tables_of(module), name
        else:
            assert listed == (), name


def test_every_asset_type_a_provisioner_builds_is_a_servicepack_asset() -> None:
    types = [provisioner.asset_type for provisioner in registry.asset_provisioners()]
    assert len(types) == len(set(types))
    assert set(types) <= set(ASSET_TYPES)


def test_every_servicepack_asset_declares_what_it_asks_of_an_account() -> None:
    # The account's validation knows no asset by name: a new asset type, or a provisioner,
    # without its AssetRules would silently ask nothing of the order.
    rules = registry.asset_rules()
    assert all(asset_type == rule.asset_type for asset_type, rule in rules.items())
    assert set(rules) == set(ASSET_TYPES)
    assert {provisioner.asset_type for provisioner in registry.asset_provisioners()} <= set(rules)
    # And what the control panel calls one of them and several ("2 DNS zones").
    assert all(rule.noun and rule.plural for rule in rules.values())


def test_each_audit_sentence_is_of_its_own_resource() -> None:
    # Every API write has its sentence (tests/api/test_docs.py); each is said by the resource
    # whose path it is, once.
    said = [(a.method, a.path) for resource in registry.RESOURCES for a in resource.audit]
    assert len(said) == len(set(said))
    for resource in registry.RESOURCES:
        for sentence in resource.audit:
            assert sentence.method in {"POST", "PUT", "DELETE", "PATCH"}, sentence
            # Under one of the paths its own controllers serve (sslcertificates serves
            # /v2/sslcertificaterequests too).
            served = {controller.path for controller in resource.controllers()}
            assert any(sentence.path == path or sentence.path.startswith(path + "/") for path in served), (
                sentence
            )


def test_backend_sync_kinds_are_the_manifests() -> None:
    # `backends sync --only` offers the manifests' kinds, read when that command is parsed.
    parser = argparse.ArgumentParser()
    backends_cli.add_parsers(parser.add_subparsers(dest="command"))
    kinds = [sync.kind for sync in registry.backend_syncs()]
    assert kinds
    for kind in kinds:
        assert parser.parse_args(["backends", "sync", "--only", kind]).only == kind
    with pytest.raises(SystemExit):
        parser.parse_args(["backends", "sync", "--only", "nothing"])


def test_building_the_command_line_imports_no_manifest() -> None:
    # Only `backends sync` reads the manifests' kinds: the other commands start without the
    # list of resources (which imports every package).
    code = (
        "import sys\n"
        "from reseller_api.cli import main\n"
        "main.build_parser().parse_args(['admin', 'secret-key', 'generate'])\n"
        "ours = [n for n in sys.modules if n.startswith('reseller_api.resources')]\n"
        "loaded = [n for n in ours if n.endswith(('.manifest', '.registry'))]\n"
        "assert not loaded, loaded\n"
        "main.build_parser().parse_args(['backends', 'sync', '--only', 'dns'])\n"
        "assert 'reseller_api.resources.registry' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_no_resource_registers_by_import_side_effect() -> None:
    assert not hasattr(jobs_registry, "register")
    for path in RESOURCES_DIR.rglob("*.py"):
        text = path.read_text()
        assert "noqa: F401" not in text, path
        assert not re.search(r"\b(HANDLERS|ENDED)\b", text) or path.name == "registry.py", path
    # Importing every resource module (the manifests and their list included) fills nothing:
    # only install_jobs() does, in the processes that run jobs.
    code = (
        "import importlib, pkgutil, reseller_api.resources as r\n"
        "from reseller_api.jobs.registry import ENDED, HANDLERS\n"
        "from reseller_api.resources.assets import PROVISIONERS, RULES\n"
        "for m in pkgutil.walk_packages(r.__path__, 'reseller_api.resources.'):\n"
        "    importlib.import_module(m.name)\n"
        "assert not (HANDLERS or ENDED or PROVISIONERS or RULES), (HANDLERS, ENDED, PROVISIONERS, RULES)\n"
        "from reseller_api.resources import registry\n"
        "registry.install_jobs()\n"
        "assert set(HANDLERS) == set(registry.job_handlers()) and ENDED\n"
        "assert list(PROVISIONERS.values()) == registry.asset_provisioners()\n"
        "assert RULES == registry.asset_rules()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
