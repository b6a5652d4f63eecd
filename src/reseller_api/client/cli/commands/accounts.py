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
    wait_options,
)
from reseller_api.client.cli.context import Context


def register(sub: Subparsers) -> None:
    accounts = group(sub, "accounts", "accounts made from servicepacks")
    listing = command(accounts, "list", list_accounts, "list your accounts")
    listing.add_argument("--asset-type", help="only accounts with this asset type (e.g. linux_hosting)")
    listing.add_argument("--identifier", help="only the account with this identifier")
    listing_options(listing)
    show = command(accounts, "show", show_account, "show one account")
    show.add_argument("account_id", type=int)
    create = command(accounts, "create", create_account, "order an account (a provisioning job)")
    create.add_argument("identifier", help="usually the account's domain name")
    create.add_argument("--servicepack-id", type=int, required=True)
    create.add_argument(
        "--ftp-password-stdin",
        action="store_true",
        help="read the FTP password (required for packs with a Linux hosting) from stdin",
    )
    wait_options(create)

    servicepacks = group(sub, "servicepacks", "the catalogue of servicepacks")
    listing = command(servicepacks, "list", list_servicepacks, "list the servicepacks")
    listing_options(listing)


def list_accounts(ctx: Context) -> None:
    a = ctx.args
    items = ctx.client.accounts.iter_all(
        asset_type=a.asset_type, identifier=a.identifier, page_size=a.page_size
    )
    ctx.out.many(limited(items, a.limit), "accounts")


def show_account(ctx: Context) -> None:
    ctx.out.one(ctx.client.accounts.get(ctx.args.account_id), "account")


def create_account(ctx: Context) -> None:
    a = ctx.args
    # Never a flag: it would sit in the shell's history and the process list.
    password = sys.stdin.readline().rstrip("\r\n") if a.ftp_password_stdin else None
    finish_job(ctx, ctx.client.accounts.create(a.identifier, a.servicepack_id, password), "account")


def list_servicepacks(ctx: Context) -> None:
    items = ctx.client.servicepacks.iter_all(page_size=ctx.args.page_size)
    ctx.out.many(limited(items, ctx.args.limit), "servicepacks")
