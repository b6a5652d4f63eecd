"""Entry point of ``reseller-api``. Errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from reseller_api import __version__
from reseller_api.cli import admin, backends
from reseller_api.cli.output import fail
from reseller_api.errors import ApiProblem
from reseller_api.settings import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reseller-api", description="Self-hostable hosting reseller Public API v2 server."
    )
    parser.add_argument("--version", action="version", version=f"reseller-api {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="{serve,worker,migrate,admin,certificates,backends}"
    )
    serve = sub.add_parser("serve", help="migrate, then serve the API (with the embedded job runner)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    sub.add_parser("worker", help="run provisioning jobs without serving HTTP")
    sub.add_parser("migrate", help="bring the database schema up to date")
    admin.add_parsers(sub)
    certificates = sub.add_parser("certificates", help="hosted sites' TLS certificates (nginx backend)")
    certificates.add_subparsers(dest="certificates_command", required=True).add_parser(
        "renew", help="renew the certificates that are due and reload nginx (run daily)"
    )
    backends.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(
            level=settings.log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        # Alembic narrates every step (some at import) at INFO, and httpx every request to a
        # backend (PowerDNS); an operator wants the command's result or its one-line error,
        # and the server's own log lines. DEBUG keeps the narration.
        if settings.log_level != "DEBUG":
            for chatty in ("alembic", "httpx"):
                logging.getLogger(chatty).setLevel(logging.WARNING)
        if args.command == "certificates":
            from reseller_api.cli.certificates import renew

            return renew(settings)
        from reseller_api.store import migrate
        from reseller_api.store.database import Database

        database = Database(settings.database_url, pool_size=settings.db_pool_size)
        if args.command == "migrate":
            from reseller_api.cli.serve import migrate_all

            migrate_all(settings, database)
            print("database is up to date")
            return 0
        if args.command == "serve":
            from reseller_api.cli.serve import serve

            return serve(settings, database, args.host, args.port)
        if args.command == "worker":
            from reseller_api.cli.serve import worker

            return asyncio.run(worker(settings, database))
        migrate.upgrade(database)
        if args.command == "backends":
            return backends.sync(settings, database, args.only, dry_run=args.dry_run)
        return admin.run(args, settings, database)
    except SettingsError as exc:
        return fail(str(exc), 2)
    except ApiProblem as exc:
        return fail(exc.text)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a one-line message, never a traceback, for operators
        logging.getLogger("reseller_api").debug("command failed", exc_info=exc)
        return fail(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
