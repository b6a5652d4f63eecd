"""Entry point of ``reseller-api``. Errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from reseller_api import logs
from reseller_api.cli import admin, backends, operations
from reseller_api.cli import sandbox as sandbox_cli
from reseller_api.cli.output import fail
from reseller_api.errors import ApiProblem
from reseller_api.sandbox import SandboxError
from reseller_api.settings import Settings, SettingsError
from reseller_api.store.migrate import SchemaMismatch
from reseller_api.version import __version__

COMMANDS = "{serve,worker,migrate,status,check-config,backup,restore,admin,certificates,backends,sandbox}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reseller-api", description="Self-hostable hosting reseller Public API v2 server."
    )
    parser.add_argument("--version", action="version", version=f"reseller-api {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar=COMMANDS)
    serve = sub.add_parser("serve", help="migrate, then serve the API (with the embedded job runner)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    sub.add_parser("worker", help="run provisioning jobs without serving HTTP")
    operations.add_parsers(sub)
    admin.add_parsers(sub)
    certificates = sub.add_parser("certificates", help="hosted sites' TLS certificates (nginx backend)")
    certificates.add_subparsers(dest="certificates_command", required=True).add_parser(
        "renew", help="renew the certificates that are due and reload nginx (run daily)"
    )
    backends.add_parsers(sub)
    sandbox_cli.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        logs.configure(settings)
        return run(args, settings)
    except (SettingsError, SchemaMismatch, SandboxError) as exc:
        return fail(str(exc), 2)
    except ApiProblem as exc:
        return fail(exc.text)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a one-line message, never a traceback, for operators
        logging.getLogger("reseller_api").debug("command failed", exc_info=exc)
        return fail(f"{type(exc).__name__}: {exc}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "check-config":  # reads only: nothing is migrated, created or checked first
        return operations.check_config(settings, as_json=args.json)
    if args.command == "status":  # reads only, and opens the database itself (never creating it)
        return operations.status(settings, as_json=args.json)
    if args.command == "admin" and args.object == "secret-key" and args.action == "generate":
        return admin.generate_secret_key()
    if args.command == "worker" and settings.sandbox:
        raise SandboxError(
            "the sandbox runs its jobs inside `reseller-api serve` (its clock and job faults live there)"
        )
    if args.command == "sandbox" and not settings.sandbox:  # before any database is made
        raise SandboxError(
            "the sandbox is off: run the server and these commands with RESELLER_API_SANDBOX=true"
        )
    if args.command == "certificates":  # no database, and nothing run as the web user
        from reseller_api.cli.certificates import renew

        return renew(settings)
    # Settings that need this machine's users and privileges, before anything is created.
    from reseller_api.backends import check_settings

    check_settings(settings)
    if args.command == "restore":  # it replaces the database file: none may be open
        return operations.restore(settings, args.path, force=args.force)
    from reseller_api.store.database import Database

    database = Database(settings.database_url, pool_size=settings.db_pool_size)
    if args.command == "serve":
        from reseller_api.cli.serve import serve

        return serve(settings, database, args.host, args.port)
    if args.command == "worker":
        from reseller_api.cli.serve import worker

        return asyncio.run(worker(settings, database))
    if args.command in operations.COMMANDS:
        return operations.run(args, settings, database)
    from reseller_api.cli.serve import prepare_database
    from reseller_api.credentials import keyring

    prepare_database(settings, database)
    if args.command == "backends":
        keyring.open_box(settings, database, create=False)
        return backends.sync(settings, database, args.only, dry_run=args.dry_run)
    try:
        box = keyring.open_box(settings, database, create=True)
        assert box is not None  # create=True: a box, or SecretKeyMismatch
        if args.command == "sandbox":
            return sandbox_cli.run(args, settings, database, box)
        return admin.run(args, settings, database, box)
    finally:
        # Its connections closed, not left to the garbage collector (main() runs in-process in tests).
        database.dispose()


if __name__ == "__main__":
    sys.exit(main())
