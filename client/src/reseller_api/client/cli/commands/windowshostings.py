"""``resellerctl windowshostings ...``: your Windows hostings (read-only, as in the API)."""

from __future__ import annotations

from reseller_api.client.cli.commands import Subparsers, command, group, limited, listing_options
from reseller_api.client.cli.context import Context

W = "resellerctl windowshostings"


ORDER = 60  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    hostings = group(sub, "windowshostings", "Windows hostings", [f"{W} list", f"{W} show example.com"])
    listing_options(command(hostings, "list", list_hostings, "list your Windows hostings", [f"{W} list"]))
    command(
        hostings,
        "show",
        show_hosting,
        "show one: application pool, sites, bindings",
        [f"{W} show example.com"],
    ).add_argument("domain_name")


def list_hostings(ctx: Context) -> None:
    items = ctx.client.windowshostings.iter_all(page_size=ctx.args.page_size)
    ctx.out.many(limited(items, ctx.args.limit), "Windows hostings", noun="Windows hostings")


def show_hosting(ctx: Context) -> None:
    ctx.out.one(ctx.client.windowshostings.get(ctx.args.domain_name), "Windows hosting")
