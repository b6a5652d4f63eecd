"""``reseller-api backends sync``: converge the configured backends to the state in our database.

For an installation switched from the simulated backends to real servers, or a server restored
from a backup: every DNS zone, mail zone and Linux hosting we record is pushed with the
backends' idempotent methods. Nothing is removed from the servers. MySQL is not synced: we keep
no password hash for MySQL users, so they cannot be recreated (see docs/backends.md).

The per-resource work is each resource package's ``sync_all``; this module only chooses,
prints and counts.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator

from reseller_api.backends import Backends, build_backends
from reseller_api.resources.syncing import Synced
from reseller_api.settings import Settings
from reseller_api.store.database import Database

SyncAll = Callable[..., Iterator[Synced]]
KINDS = ("dns", "mail", "web")
# The line says "mysql", as the setting (RESELLER_API_MYSQL_BACKEND) and `check-config` do.
MYSQLDATABASES_LINE = (
    "mysql: not synced: no password hash is kept for MySQL users, so they cannot be recreated "
    "(recreate the databases and users through the API)"
)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backends = sub.add_parser("backends", help="the backend servers (DNS, mail, web)")
    commands = backends.add_subparsers(dest="backends_command", required=True)
    sync = commands.add_parser(
        "sync",
        help="push the DNS zones, mail zones and hostings we record to the configured backends "
        "(after switching to real servers, or restoring one); removes nothing",
    )
    sync.add_argument("--only", choices=KINDS, help="sync only this kind of backend")
    sync.add_argument("--dry-run", action="store_true", help="print what would be pushed; push nothing")


def _syncers(only: str | None) -> list[SyncAll]:
    # Imported here: the resource packages are not needed by the other commands.
    from reseller_api.resources.dns.sync import sync_all as dns
    from reseller_api.resources.linuxhostings.sync import sync_all as web
    from reseller_api.resources.mailboxes.sync import sync_all as mail

    chosen = {"dns": dns, "mail": mail, "web": web}
    return [chosen[kind] for kind in KINDS if only in (None, kind)]


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
