"""``reseller-api admin user ...`` and ``reseller-api admin audit``: panel users and the audit log.

``user create`` prints a one-time link to set the password; the operator never knows
the password and the database keeps only a hash of the link's token.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from reseller_api.cli.output import emit_json, emit_table, printable
from reseller_api.store.database import Database

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def add_parsers(objects: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = objects.add_parser("user", help="control panel users").add_subparsers(dest="action", required=True)
    for action, text in (
        ("create", "create a panel user for a reseller; prints a one-time set-password link"),
        ("reset-password", "print a new one-time set-password link for a user"),
    ):
        p = user.add_parser(action, help=text)
        if action == "create":
            p.add_argument("--reseller", required=True)
        p.add_argument("--email", required=True)
        p.add_argument(
            "--base-url",
            default=DEFAULT_BASE_URL,
            help=f"where the server is reached, for the link (default {DEFAULT_BASE_URL})",
        )
        p.add_argument("--json", action="store_true")
    p = user.add_parser("list", help="list panel users (never their passwords)")
    p.add_argument("--reseller")
    p.add_argument("--json", action="store_true")

    p = objects.add_parser("audit", help="the audit log: changes through the panel and the API, newest first")
    p.add_argument("--reseller", help="only this reseller's entries")
    p.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    p.add_argument("--json", action="store_true")


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(args: argparse.Namespace, database: Database) -> int:
    # Imported here: the panel's package loads Litestar, which `reseller-api worker` never does.
    from reseller_api.controlpanel import audit, users

    if args.object == "audit":
        return _audit(args, database)
    if args.action == "list":
        rows = users.list_users(database, args.reseller)
        if args.json:
            emit_json(
                [
                    {"email": e, "reseller": r, "password_set": p, "created_at": _when(c)}
                    for e, r, p, c in rows
                ]
            )
        else:
            emit_table(
                "Control panel users",
                ["email", "reseller", "password", "created"],
                [(e, r, "set" if p else "not yet (link pending)", _when(c)) for e, r, p, c in rows],
            )
        return 0
    if args.action == "create":
        user, token = users.create_user(database, args.reseller, args.email)
        audit.record(
            database,
            reseller_id=user.reseller_id,
            actor_kind=audit.OPERATOR,
            actor=audit.operator_name(),
            action="create panel user",
            detail=user.email,
        )
    else:
        user, token = users.new_password_link(database, args.email)
        audit.record(
            database,
            reseller_id=user.reseller_id,
            actor_kind=audit.OPERATOR,
            actor=audit.operator_name(),
            action="issue set-password link",
            detail=user.email,
        )
    link = f"{args.base_url.rstrip('/')}/controlpanel/set-password?token={token}"
    hours = int(users.TOKEN_LIFETIME // 3600)
    if args.json:
        emit_json({"email": user.email, "reseller": user.reseller, "set_password_link": link})
    else:
        print(f"user:     {printable(user.email)} (reseller {printable(user.reseller)})")
        print(f"link:     {link}")
        print(f"Send the link to the user: it sets the password once and expires in {hours} hours.")
    return 0


def _audit(args: argparse.Namespace, database: Database) -> int:
    from reseller_api.controlpanel import audit

    found, _ = audit.entries(database, reseller=args.reseller, take=max(1, args.limit))
    if args.json:
        emit_json(
            [
                {
                    "at": _when(e.created_at),
                    "reseller": e.reseller,
                    "actor_kind": e.actor_kind,
                    "actor": e.actor,
                    "summary": e.summary,
                    "action": e.action,
                    "detail": e.detail,
                    "address": e.address,
                }
                for e in found
            ]
        )
    else:
        emit_table(
            "Audit log",
            ["at", "reseller", "who", "what", "request", "from"],
            [
                (
                    _when(e.created_at),
                    e.reseller,
                    e.actor_label or f"{e.actor_kind}:{e.actor}",
                    e.summary,
                    f"{e.action} {e.detail}".strip(),
                    e.address,
                )
                for e in found
            ],
        )
    return 0
