"""``reseller-api backends sync``: converge the configured backends to the state in our database.

For an installation switched from the simulated backends to real servers, or a server restored
from a backup: every DNS zone, mail zone and Linux hosting we record is pushed with the
backends' idempotent methods. Nothing is removed from the servers. MySQL is not synced: we keep
no password hash for MySQL users, so they cannot be recreated (see docs/backends.md).

The per-resource work is the ``sync_all`` each resource's manifest declares (its
``backend_sync``, read from resources/registry.py), and so are the ``--only`` names (its
``kind``); this module only chooses, prints and counts.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reseller_api.backends import Backends, build_backends
from reseller_api.settings import Settings
from reseller_api.store.database import Database

if TYPE_CHECKING:
    from reseller_api.resources.manifest import SyncAll

# The line says "mysql", as the setting (RESELLER_API_MYSQL_BACKEND) and `check-config` do.
MYSQLDATABASES_LINE = (
    "mysql: not synced: no password hash is kept for MySQL users, so they cannot be recreated "
    "(recreate the databases and users through the API)"
)


class DeferredParser(argparse.ArgumentParser):
    """A command's parser that is given its arguments when first used (to parse or to print).

    ``backends sync``'s ``--only`` choices are the manifests' kinds, and reading them imports
    every resource package: building the command line for the other commands (``worker``,
    ``admin``, ...) should not wait for that.
    """

    deferred: Callable[[argparse.ArgumentParser], None] | None = None

    def _add_deferred(self) -> None:
        add, self.deferred = self.deferred, None
        if add is not None:
            add(self)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._add_deferred()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._add_deferred()
        return super().format_usage()

    def format_help(self) -> str:
        self._add_deferred()
        return super().format_help()


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backends = sub.add_parser("backends", help="the backend servers (DNS, mail, web)")
    commands = backends.add_subparsers(dest="backends_command", required=True, parser_class=DeferredParser)
    sync = commands.add_parser(
        "sync",
        help="push the DNS zones, mail zones and hostings we record to the configured backends "
        "(after switching to real servers, or restoring one); removes nothing",
    )
    sync.deferred = _sync_arguments


def _sync_arguments(sync: argparse.ArgumentParser) -> None:
    # Imported here, when ``backends sync`` is parsed: the resource packages are not needed by
    # the other commands (and no cycle hides here: the resources never import the CLI).
    from reseller_api.resources import registry

    kinds = [backend_sync.kind for backend_sync in registry.backend_syncs()]
    sync.add_argument("--only", choices=kinds, help="sync only this kind of backend")
    sync.add_argument("--dry-run", action="store_true", help="print what would be pushed; push nothing")


def _syncers(only: str | None) -> list[SyncAll]:
    # Imported here: the resource packages are not needed by the other commands.
    from reseller_api.resources import registry

    return [sync.sync_all for sync in registry.backend_syncs() if only in (None, sync.kind)]


def sync(
    settings: Settings,
    database: Database,
    only: str | None = None,
    *,
    dry_run: bool = False,
    backends: Backends | None = None,
) -> int:
    """Push everything (or ``only`` one kind); 1 if any resource failed, else 0."""
    backends = backends or build_backends(settings, database)
    synced = failed = 0
    for sync_all in _syncers(only):
        for outcome in sync_all(database, backends, dry_run=dry_run):
            print(outcome.line(dry_run=dry_run), flush=True)
            synced += outcome.error is None
            failed += outcome.error is not None
    if only is None:
        print(MYSQLDATABASES_LINE)
    verb = "would be pushed (dry run)" if dry_run else "synced"
    print(f"{synced} resource(s) {verb}, {failed} failed")
    return 1 if failed else 0
