"""``resellerctl mailzones ...``: a domain's mail zone, aliases, catch-all, anti-spam, SMTP domains."""

from __future__ import annotations

from reseller_api.client.cli.commands import Subparsers, command, group
from reseller_api.client.cli.context import Context

Z = "resellerctl mailzones"


ORDER = 80  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    zones = group(
        sub,
        "mailzones",
        "mail zones: aliases, catch-all, anti-spam, SMTP domains",
        [f"{Z} show example.com", f"{Z} alias-add example.com sales@example.com anna@example.org"],
    )
    command(zones, "show", show_zone, "show a mail zone", [f"{Z} show example.com"]).add_argument(
        "domain_name"
    )
    for name, handler, text in (
        ("alias-add", add_alias, "forward an address to destinations"),
        ("alias-update", update_alias, "replace an alias's destinations"),
    ):
        parser = command(
            zones,
            name,
            handler,
            text,
            [f"{Z} {name} example.com sales@example.com anna@example.org bob@example.org"],
        )
        parser.add_argument("domain_name")
        parser.add_argument("email_address")
        parser.add_argument("destinations", nargs="+")
    for name, handler, value, text, example in (
        ("alias-delete", delete_alias, "email_address", "delete an alias", "sales@example.com"),
        ("catchall-add", add_catch_all, "email_address", "add a catch-all address", "inbox@example.com"),
        (
            "catchall-delete",
            delete_catch_all,
            "email_address",
            "remove a catch-all address",
            "inbox@example.com",
        ),
        ("smtp-add", add_smtp_domain, "hostname", "add an SMTP domain", "mail.example.com"),
        ("smtp-delete", delete_smtp_domain, "hostname", "delete an SMTP domain", "mail.example.com"),
        ("antispam", set_anti_spam, "type", "set anti-spam: none, basic or advanced", "advanced"),
    ):
        parser = command(zones, name, handler, text, [f"{Z} {name} example.com {example}"])
        parser.add_argument("domain_name")
        choices = ["none", "basic", "advanced"] if value == "type" else None
        parser.add_argument(value, choices=choices)
    smtp = command(
        zones,
        "smtp-enable",
        enable_smtp_domain,
        "switch an SMTP domain on or off",
        [f"{Z} smtp-enable example.com mail.example.com off"],
    )
    smtp.add_argument("domain_name")
    smtp.add_argument("hostname")
    smtp.add_argument("state", choices=["on", "off"])


def show_zone(ctx: Context) -> None:
    ctx.out.one(ctx.client.mailzones.get(ctx.args.domain_name), "mail zone")


def add_alias(ctx: Context) -> None:
    a = ctx.args
    ctx.client.mailzones.add_alias(a.domain_name, a.email_address, a.destinations)
    ctx.out.done(f"alias {a.email_address} added")


def update_alias(ctx: Context) -> None:
    a = ctx.args
    ctx.client.mailzones.update_alias(a.domain_name, a.email_address, a.destinations)
    ctx.out.done(f"alias {a.email_address} updated")


def delete_alias(ctx: Context) -> None:
    ctx.client.mailzones.delete_alias(ctx.args.domain_name, ctx.args.email_address)
    ctx.out.done(f"alias {ctx.args.email_address} deleted")


def add_catch_all(ctx: Context) -> None:
    ctx.client.mailzones.add_catch_all(ctx.args.domain_name, ctx.args.email_address)
    ctx.out.done(f"catch-all {ctx.args.email_address} added")


def delete_catch_all(ctx: Context) -> None:
    ctx.client.mailzones.delete_catch_all(ctx.args.domain_name, ctx.args.email_address)
    ctx.out.done(f"catch-all {ctx.args.email_address} removed")


def add_smtp_domain(ctx: Context) -> None:
    ctx.client.mailzones.add_smtp_domain(ctx.args.domain_name, ctx.args.hostname)
    ctx.out.done(f"SMTP domain {ctx.args.hostname} added")


def delete_smtp_domain(ctx: Context) -> None:
    ctx.client.mailzones.delete_smtp_domain(ctx.args.domain_name, ctx.args.hostname)
    ctx.out.done(f"SMTP domain {ctx.args.hostname} deleted")


def enable_smtp_domain(ctx: Context) -> None:
    a = ctx.args
    ctx.client.mailzones.update_smtp_domain(a.domain_name, a.hostname, a.state == "on")
    ctx.out.done(f"SMTP domain {a.hostname} {a.state}")


def set_anti_spam(ctx: Context) -> None:
    ctx.client.mailzones.set_anti_spam(ctx.args.domain_name, ctx.args.type)
    ctx.out.done(f"anti-spam {ctx.args.type}")
