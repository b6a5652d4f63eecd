"""``resellerctl accounts list|show|create`` and ``servicepacks list``."""

from __future__ import annotations

import sys

from reseller_api.client.cli.commands import (
    Subparsers,
    command,
    finish_job,
    group,
    limited,
    listing_options,
    password_options,
    read_password,
    wait_options,
)
from reseller_api.client.cli.context import Context
from reseller_api.client.errors import ValidationError

ORDER = 20  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    accounts = group(
        sub,
        "accounts",
        "accounts made from servicepacks",
        ["resellerctl accounts list", "resellerctl accounts create example.com --servicepack-id 1 --wait"],
    )
    listing = command(
        accounts,
        "list",
        list_accounts,
        "list your accounts",
        [
            "resellerctl accounts list",
            "resellerctl accounts list --asset-type linux_hosting --format tsv",
            "resellerctl accounts list --identifier example.com --json",
        ],
    )
    listing.add_argument("--asset-type", help="only accounts with this asset type (e.g. linux_hosting)")
    listing.add_argument("--identifier", help="only the account with this identifier")
    listing_options(listing)
    show = command(accounts, "show", show_account, "show one account", ["resellerctl accounts show 12"])
    show.add_argument("account_id", type=int)
    create = command(
        accounts,
        "create",
        create_account,
        "order an account (a provisioning job); in a terminal, the FTP password is asked for (hidden, twice)",
        [
            "resellerctl accounts create example.com --servicepack-id 1 --wait",
            'echo "$FTP_PASSWORD" | resellerctl accounts create example.com --servicepack-id 1 '
            "--ftp-password-stdin",
            "resellerctl accounts create example.org --servicepack-id 4   # no hosting: no password",
        ],
    )
    create.add_argument("identifier", help="usually the account's domain name")
    create.add_argument(
        "--servicepack-id", type=int, required=True, help="see `resellerctl servicepacks list`"
    )
    password_options(create, "--ftp-password-stdin", "FTP password (required for packs with a Linux hosting)")
    wait_options(create)

    servicepacks = group(
        sub, "servicepacks", "the catalogue of servicepacks", ["resellerctl servicepacks list"]
    )
    listing = command(
        servicepacks,
        "list",
        list_servicepacks,
        "list the servicepacks",
        ["resellerctl servicepacks list", "resellerctl servicepacks list --json"],
    )
    listing_options(listing)


def list_accounts(ctx: Context) -> None:
    a = ctx.args
    items = ctx.client.accounts.iter_all(
        asset_type=a.asset_type, identifier=a.identifier, page_size=a.page_size
    )
    ctx.out.many(limited(items, a.limit), "accounts", noun="accounts")


def show_account(ctx: Context) -> None:
    ctx.out.one(ctx.client.accounts.get(ctx.args.account_id), "account")


def create_account(ctx: Context) -> None:
    a = ctx.args
    password = read_password(a, "FTP password") if a.password_stdin else None
    try:
        job = ctx.client.accounts.create(a.identifier, a.servicepack_id, password)
    except ValidationError as refused:
        # Only the server knows whether the pack has a Linux hosting (the catalogue does not
        # say): a terminal is asked for the password when it answers that one is needed.
        needed = any(p.error_code == "ftp_password_required" for p in refused.validation_errors)
        if not needed or password is not None or not sys.stdin.isatty():
            raise
        password = read_password(a, "FTP password")
        job = ctx.client.accounts.create(a.identifier, a.servicepack_id, password)
    finish_job(ctx, job, "account")


def list_servicepacks(ctx: Context) -> None:
    items = ctx.client.servicepacks.iter_all(page_size=ctx.args.page_size)
    ctx.out.many(limited(items, ctx.args.limit), "servicepacks", noun="servicepacks")
