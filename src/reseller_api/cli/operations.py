"""``reseller-api migrate|status|check-config|backup|restore``: running a deployment.

See docs/operations.md (backups, upgrades, key rotation) and docs/deployment.md (health).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from reseller_api import checks
from reseller_api.cli import backup as backups
from reseller_api.cli.output import emit_json, emit_table
from reseller_api.settings import PREFIX, Settings
from reseller_api.store import migrate
from reseller_api.store.database import Database

# The commands ``run`` takes once the database is open.
COMMANDS = ("migrate", "backup")
# Settings whose values are secrets (or URLs that may carry a password): never printed whole.
SECRET_SETTINGS = ("secret_key", "powerdns_api_key", "sandbox_token")
URL_SETTINGS = ("database_url", "redis_url", "mariadb_url")
# Where a setting's variable is not its field's name in capitals.
VARIABLES = {"mysql_hostname": "MARIADB_HOSTNAME"}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate_parser = sub.add_parser("migrate", help="bring the database schema up to date")
    shown = migrate_parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--status", action="store_true", help="print the current and latest revisions and what is pending"
    )
    shown.add_argument("--dry-run", action="store_true", help="print the SQL a migration would run; run none")
    p = sub.add_parser(
        "status", help="the deployment as it runs: database, schema, secret key, Redis, job runners and queue"
    )
    p.add_argument("--json", action="store_true")
    p = sub.add_parser(
        "check-config",
        help="print the effective settings (secrets masked) and check every connection; changes nothing",
    )
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("backup", help="SQLite: an online, consistent backup of the database (and key)")
    p.add_argument("path", type=Path, help="the backup file to write (.tar.gz); never overwritten")
    p.add_argument(
        "--without-secret-key",
        action="store_true",
        help="leave the key file out (keep it elsewhere: without it the API secrets cannot be read)",
    )
    p = sub.add_parser("restore", help="SQLite: put a backup in place (stop every process first)")
    p.add_argument("path", type=Path, help="a file written by reseller-api backup")
    p.add_argument("--force", action="store_true", help="replace the database that is there")


def run(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    if args.command == "migrate":
        return migrate_command(settings, database, status=args.status, dry_run=args.dry_run)
    return backups.backup(settings, database, args.path, with_key=not args.without_secret_key)


def restore(settings: Settings, path: Path, *, force: bool) -> int:
    return backups.restore(settings, path, force=force)


def migrate_command(settings: Settings, database: Database, *, status: bool, dry_run: bool) -> int:
    if dry_run:
        statements = migrate.sql(database)
        print(statements.rstrip() if statements else "-- nothing to do: the schema is up to date")
        return 0
    state = migrate.status(database)
    if status:
        print(f"current: {state.current or 'none (an empty database)'}")
        print(f"latest:  {state.head}")
        if not state.known:
            print(f"unknown: {state.current} is not a revision of this release (a newer one migrated it)")
        for revision in state.pending:
            print(f"pending: {revision.id}  {revision.message}")
        if state.up_to_date:
            print("up to date")
        return 0
    from reseller_api.cli.serve import prepare_database

    prepare_database(settings, database)
    applied = ", ".join(r.id for r in state.pending)
    print(f"database is up to date ({state.head}" + (f"; applied {applied})" if applied else ")"))
    return 0


def _report(found: list[checks.Check], as_json: bool, extra: dict[str, object] | None = None) -> int:
    ok = all(check.ok for check in found)
    if as_json:
        emit_json(
            {
                **(extra or {}),
                "checks": [dataclasses.asdict(check) for check in found],
                "ok": ok,
            }
        )
    else:
        emit_table(
            "Checks", ["", "what", "detail"], [("ok" if c.ok else "FAIL", c.name, c.detail) for c in found]
        )
    return 0 if ok else 1


def status(settings: Settings, *, as_json: bool) -> int:
    """Exit 0 when everything is as it should be, 1 otherwise (for a cron job or a probe)."""
    found, database = checks.open_database(settings)
    results = [found]
    if database is not None:
        results += [checks.schema(database), checks.secret_key(settings, database)]
    results.extend(check for check in [checks.redis(settings)] if check is not None)
    if database is not None:
        try:
            results += checks.runners(settings, database)
        except DBAPIError as exc:  # a database not migrated yet has no job table
            results.append(checks.Check("jobs", False, f"cannot read the jobs: {type(exc.orig).__name__}"))
        database.dispose()
    return _report(results, as_json)


def effective_settings(settings: Settings) -> dict[str, str]:
    """Every setting as an operator would write it (variable name), secrets masked."""
    shown = {}
    for item in dataclasses.fields(settings):
        value = getattr(settings, item.name)
        if value is None or value == ():
            text = ""
        elif item.name in SECRET_SETTINGS:
            text = "(set, hidden)"
        elif item.name in URL_SETTINGS:
            text = checks.shown_url(str(value))
        elif isinstance(value, tuple):
            text = ",".join(str(v) if not isinstance(v, tuple) else "=".join(v) for v in value)
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
        shown[PREFIX + VARIABLES.get(item.name, item.name.upper())] = text
    return shown


def check_config(settings: Settings, *, as_json: bool) -> int:
    """Settings, then every connection; nothing is created or migrated. Exit 1 if a check fails."""
    shown = effective_settings(settings)
    if not as_json:
        emit_table("Settings", ["variable", "value"], sorted(shown.items()))
    found, database = checks.open_database(settings)
    results = [found]
    if database is not None:
        results += [checks.schema(database), checks.secret_key(settings, database)]
    else:
        results.append(checks.secret_key(settings, None))
    results.extend(check for check in [checks.redis(settings)] if check is not None)
    results += checks.backends(settings)
    if database is not None:
        database.dispose()
    return _report(results, as_json, {"settings": shown})
