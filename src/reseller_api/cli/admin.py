"""``reseller-api admin ...``: resellers, API keys, servicepacks and the secret key, for operators.

Every change is recorded in the audit log (``admin audit``) as the control panel's are, with
the actor kind ``operator`` and the operating-system user who ran the command.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from reseller_api.cli import certificate_requests
from reseller_api.cli import controlpanel as panel_cli
from reseller_api.cli.output import emit_json, emit_table
from reseller_api.credentials.service import CredentialsService, NewCredentials
from reseller_api.crypto import SecretBox, generate_key
from reseller_api.resources.servicepacks import service as packs
from reseller_api.settings import Settings
from reseller_api.store.database import Database


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser("admin", help="manage resellers, API keys and servicepacks")
    objects = admin.add_subparsers(
        dest="object", required=True, metavar="{reseller,key,servicepack,user,audit,secret-key}"
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
    certificate_requests.add_parsers(objects)

    secret = objects.add_parser(
        "secret-key", help="the key that encrypts API secrets at rest (docs/operations.md)"
    ).add_subparsers(dest="action", required=True)
    secret.add_parser("generate", help="print a new key (changes nothing)")
    secret.add_parser("status", help="this process's key fingerprints and the database's")
    secret.add_parser(
        "rotate",
        help="re-encrypt every API secret with the first key, in one transaction "
        "(key file: a new key is generated and written first)",
    )


def _show_credentials(created: NewCredentials, as_json: bool) -> None:
    if as_json:
        emit_json(created.as_dict())
        return
    print(f"reseller:   {created.reseller}")
    print(f"api_key:    {created.api_key}")
    print(f"api_secret: {created.api_secret}")
    print("Keep the secret safe: it is shown now and never again.")


def _audit(
    database: Database,
    action: str,
    detail: str,
    *,
    reseller: str | None = None,
    reseller_id: int | None = None,
) -> None:
    """Record an operator's change as the panel records a user's (actor: the OS user)."""
    if reseller is not None and reseller_id is None:
        reseller_id = CredentialsService.reseller_id_of(database, reseller)
    # Imported here: the panel's package loads Litestar, which `reseller-api worker` never does.
    from reseller_api.controlpanel import audit

    audit.record(
        database,
        reseller_id=reseller_id,
        actor_kind=audit.OPERATOR,
        actor=audit.operator_name(),
        action=action,
        detail=detail,
    )


def _when(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_secret_key() -> int:
    print(generate_key().decode())
    return 0


def run(args: argparse.Namespace, settings: Settings, database: Database, box: SecretBox) -> int:
    if args.object in ("user", "audit"):
        return panel_cli.run(args, database)
    if args.object == "certificates":
        return certificate_requests.run(args, settings, database)
    credentials = CredentialsService(database, box)
    if args.object == "secret-key":
        from reseller_api.cli.secret_key import run as secret_key

        return secret_key(args.action, settings, database, credentials)
    if args.object == "reseller":
        if args.action == "create":
            reseller_id = credentials.create_reseller(args.name)
            _audit(database, "create reseller", args.name, reseller_id=reseller_id)
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
            created = credentials.create_key(
                args.reseller, args.allow_ip, args.rate_limit, name=args.name, note=args.note
            )
            networks = ", ".join(credentials.key_networks(created.api_key))
            _audit(
                database,
                "create API key",
                created.api_key + (f", whitelisted {networks}" if networks else ""),
                reseller=created.reseller,
            )
            _show_credentials(created, args.json)
            if not networks:
                sys.stderr.write(
                    "warning: this key allows no address yet: every request with it is refused "
                    "(authorization_ip_not_whitelisted) until one is allowed with\n"
                    f"  reseller-api admin key allow-ip {created.api_key} IP_OR_CIDR\n"
                )
        elif args.action == "rename":
            name, _ = credentials.rename_key(args.api_key, args.name, args.note)
            _audit(
                database,
                "rename API key",
                f"{args.api_key} to {name!r}",
                reseller=credentials.reseller_of(args.api_key),
            )
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
                    whole=("api_key",),
                )
        elif args.action == "revoke":
            credentials.revoke_key(args.api_key)
            _audit(database, "revoke API key", args.api_key, reseller=credentials.reseller_of(args.api_key))
            print(f"revoked {args.api_key}")
        elif args.action == "rotate":
            rotated = credentials.rotate_key(args.api_key)
            _audit(database, "rotate API key secret", args.api_key, reseller=rotated.reseller)
            _show_credentials(rotated, args.json)
        elif args.action == "allow-ip":
            cidr = credentials.allow_ip(args.api_key, args.cidr)
            detail = f"{cidr} for {args.api_key}"
            _audit(database, "whitelist address", detail, reseller=credentials.reseller_of(args.api_key))
            print(f"allowed {cidr} for {args.api_key}")
        else:
            cidr = credentials.deny_ip(args.api_key, args.cidr)
            detail = f"{cidr} for {args.api_key}"
            reseller = credentials.reseller_of(args.api_key)
            _audit(database, "remove whitelisted address", detail, reseller=reseller)
            print(f"denied {cidr} for {args.api_key}")
    elif args.action == "create":
        pack_id = packs.create(database, args.name, [packs.parse_asset(a) for a in args.asset])
        _audit(database, "create servicepack", f"{pack_id} {args.name}: {', '.join(args.asset)}")
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
