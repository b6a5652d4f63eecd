"""``reseller-api admin ...``: resellers, API keys and servicepacks, for operators."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from reseller_api.cli import controlpanel as panel_cli
from reseller_api.cli.output import emit_json, emit_table
from reseller_api.credentials.service import CredentialsService, NewCredentials
from reseller_api.crypto import SecretBox
from reseller_api.resources.servicepacks import service as packs
from reseller_api.settings import Settings
from reseller_api.store.database import Database


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser("admin", help="manage resellers, API keys and servicepacks")
    objects = admin.add_subparsers(
        dest="object", required=True, metavar="{reseller,key,servicepack,user,audit}"
    )

    reseller = objects.add_parser("reseller", help="resellers").add_subparsers(dest="action", required=True)
    p = reseller.add_parser("create", help="create a reseller")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p = reseller.add_parser("list", help="list resellers")
    p.add_argument("--json", action="store_true")

    key = objects.add_parser("key", help="API keys").add_subparsers(dest="action", required=True)
    p = key.add_parser("create", help="create an API key; the secret is shown once")
    p.add_argument("--reseller", required=True)
    p.add_argument("--allow-ip", action="append", default=[], metavar="IP_OR_CIDR")
    p.add_argument("--rate-limit", metavar="N/PERIOD")
    p.add_argument("--name", default="", help="what people call the key, e.g. billing")
    p.add_argument("--note", default="", help="a note for the people who manage the key")
    p.add_argument("--json", action="store_true")
    p = key.add_parser("rename", help="set a key's name (and note)")
    p.add_argument("api_key")
    p.add_argument("name")
    p.add_argument("--note", help="replace the note too")
    p = key.add_parser("list", help="list API keys (never their secrets)")
    p.add_argument("--reseller")
    p.add_argument("--json", action="store_true")
    p = key.add_parser("revoke", help="revoke an API key at once")
    p.add_argument("api_key")
    p = key.add_parser("rotate", help="new secret; the old one stops working at once")
    p.add_argument("api_key")
    p.add_argument("--json", action="store_true")
    for action in ("allow-ip", "deny-ip"):
        p = key.add_parser(action, help=f"{action.split('-')[0]} an address or CIDR for a key")
        p.add_argument("api_key")
        p.add_argument("cidr")

    pack = objects.add_parser("servicepack", help="servicepacks").add_subparsers(dest="action", required=True)
    p = pack.add_parser("list", help="list servicepacks and their assets")
    p.add_argument("--json", action="store_true")
    p = pack.add_parser("create", help="create a servicepack")
    p.add_argument("name")
    p.add_argument("--asset", action="append", default=[], required=True, metavar="TYPE=COUNT[:MAX_SIZE_MB]")
    p.add_argument("--json", action="store_true")
    panel_cli.add_parsers(objects)


def _show_credentials(created: NewCredentials, as_json: bool) -> None:
    if as_json:
        emit_json(created.as_dict())
        return
    print(f"reseller:   {created.reseller}")
    print(f"api_key:    {created.api_key}")
    print(f"api_secret: {created.api_secret}")
    print("Keep the secret safe: it is shown now and never again.")


def _when(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    if args.object in ("user", "audit"):
        return panel_cli.run(args, database)
    credentials = CredentialsService(database, SecretBox.from_settings(settings))
    if args.object == "reseller":
        if args.action == "create":
            reseller_id = credentials.create_reseller(args.name)
            emit_json({"id": reseller_id, "name": args.name}) if args.json else print(
                f"created reseller {args.name}"
            )
        else:
            rows = credentials.list_resellers()
            if args.json:
                emit_json([{"id": i, "name": n} for i, n in rows])
            else:
                emit_table("Resellers", ["id", "name"], rows)
    elif args.object == "key":
        if args.action == "create":
            _show_credentials(
                credentials.create_key(
                    args.reseller, args.allow_ip, args.rate_limit, name=args.name, note=args.note
                ),
                args.json,
            )
        elif args.action == "rename":
            name, _ = credentials.rename_key(args.api_key, args.name, args.note)
            print(f"renamed {args.api_key} to {name!r}")
        elif args.action == "list":
            keys = credentials.list_keys(args.reseller)
            if args.json:
                emit_json(
                    [
                        {
                            "reseller": k.reseller,
                            "api_key": k.api_key,
                            "name": k.name,
                            "note": k.note,
                            "created_at": _when(k.created_at),
                            "last_used_at": _when(k.last_used_at),
                            "last_used_address": k.last_used_address,
                            "rate_limit": k.rate_limit or settings.rate_limit,
                            "allowed_ips": list(k.networks),
                            "status": "revoked" if k.revoked else "active",
                        }
                        for k in keys
                    ]
                )
            else:
                emit_table(
                    "API keys",
                    ["reseller", "name", "api_key", "created", "rate limit", "allowed IPs", "status"],
                    [
                        (
                            k.reseller,
                            k.name,
                            k.api_key,
                            _when(k.created_at),
                            k.rate_limit or settings.rate_limit,
                            ", ".join(k.networks) or "(none: no access)",
                            "revoked" if k.revoked else "active",
                        )
                        for k in keys
                    ],
                )
        elif args.action == "revoke":
            credentials.revoke_key(args.api_key)
            print(f"revoked {args.api_key}")
        elif args.action == "rotate":
            _show_credentials(credentials.rotate_key(args.api_key), args.json)
        elif args.action == "allow-ip":
            print(f"allowed {credentials.allow_ip(args.api_key, args.cidr)} for {args.api_key}")
        else:
            print(f"denied {credentials.deny_ip(args.api_key, args.cidr)} for {args.api_key}")
    elif args.action == "create":
        pack_id = packs.create(database, args.name, [packs.parse_asset(a) for a in args.asset])
        emit_json({"id": pack_id, "name": args.name}) if args.json else print(
            f"created servicepack {pack_id} {args.name}"
        )
    else:
        catalogue = packs.all_packs(database)
        if args.json:
            emit_json(
                [
                    {
                        "id": p.id,
                        "name": p.name,
                        "assets": [
                            {"type": a.type, "count": a.count, "max_size_mb": a.max_size_mb} for a in p.assets
                        ],
                    }
                    for p in catalogue
                ]
            )
        else:
            emit_table(
                "Servicepacks",
                ["id", "name", "assets"],
                [
                    (
                        p.id,
                        p.name,
                        ", ".join(
                            f"{a.type}={a.count}" + (f":{a.max_size_mb}MB" if a.max_size_mb else "")
                            for a in p.assets
                        ),
                    )
                    for p in catalogue
                ],
            )
    return 0
