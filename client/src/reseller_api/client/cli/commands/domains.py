"""``resellerctl domains list|show|register|transfer|nameservers|renew``."""

from __future__ import annotations

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

ORDER = 40  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    domains = group(
        sub,
        "domains",
        "registered domains",
        ["resellerctl domains list", "resellerctl domains register example.net --wait"],
    )
    listing_options(
        command(domains, "list", list_domains, "list your domains", ["resellerctl domains list --format tsv"])
    )
    command(
        domains, "show", show_domain, "show one domain", ["resellerctl domains show example.net"]
    ).add_argument("domain_name")
    order = command(
        domains,
        "register",
        register_domain,
        "register a domain (a provisioning job)",
        [
            "resellerctl domains register example.net --wait",
            "resellerctl domains register example.net --name-server ns1.example.org "
            "--name-server ns2.example.org",
        ],
    )
    order.add_argument("domain_name")
    order.add_argument(
        "--name-server", action="append", dest="name_servers", help="repeat for each (default: ours)"
    )
    wait_options(order)
    transfer = command(
        domains,
        "transfer",
        transfer_domain,
        "transfer a domain in (a provisioning job)",
        ["resellerctl domains transfer example.be --auth-code BE-AUTH-1234 --wait"],
    )
    transfer.add_argument("domain_name")
    transfer.add_argument("--auth-code", required=True, help="the code the current registrar gave")
    wait_options(transfer)
    servers = command(
        domains,
        "nameservers",
        set_name_servers,
        "delegate to 2-13 name servers (replaces the list)",
        ["resellerctl domains nameservers example.net ns1.example.org ns2.example.org"],
    )
    servers.add_argument("domain_name")
    servers.add_argument("name_servers", nargs="+")
    renew = command(
        domains,
        "renew",
        set_renew,
        "switch automatic renewal on or off",
        ["resellerctl domains renew example.net off"],
    )
    renew.add_argument("domain_name")
    renew.add_argument("state", choices=["on", "off"])


def list_domains(ctx: Context) -> None:
    items = ctx.client.domains.iter_all(page_size=ctx.args.page_size)
    ctx.out.many(limited(items, ctx.args.limit), "domains", noun="domains")


def show_domain(ctx: Context) -> None:
    ctx.out.one(ctx.client.domains.get(ctx.args.domain_name), "domain")


def register_domain(ctx: Context) -> None:
    finish_job(ctx, ctx.client.domains.register(ctx.args.domain_name, ctx.args.name_servers), "domain")


def transfer_domain(ctx: Context) -> None:
    finish_job(ctx, ctx.client.domains.transfer(ctx.args.domain_name, ctx.args.auth_code), "domain")


def set_name_servers(ctx: Context) -> None:
    ctx.client.domains.set_name_servers(ctx.args.domain_name, ctx.args.name_servers)
    ctx.out.done(f"name servers of {ctx.args.domain_name} set")


def set_renew(ctx: Context) -> None:
    ctx.client.domains.set_will_renew(ctx.args.domain_name, ctx.args.state == "on")
    ctx.out.done(f"renewal of {ctx.args.domain_name} {ctx.args.state}")
