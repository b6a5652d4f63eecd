"""``resellerctl mailboxes list|show|quota|create|delete|password|autoreply|autoforward``.

Passwords are read from a hidden prompt (asked twice), or from stdin with
``--password-stdin``: never from a flag (shell history, process list). ``autoreply`` and
``autoforward`` change only what they are given: the subject, message or addresses stay.
"""

from __future__ import annotations

import argparse

from reseller_api.client.cli.commands import Subparsers, command, group, password_options, read_password
from reseller_api.client.cli.context import Context

ORDER = 70  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    boxes = group(
        sub,
        "mailboxes",
        "mailboxes",
        [
            "resellerctl mailboxes list example.com",
            "resellerctl mailboxes create info@example.com --account-id 12",
        ],
    )
    command(
        boxes,
        "list",
        list_mailboxes,
        "list a mail zone's mailboxes",
        ["resellerctl mailboxes list example.com"],
    ).add_argument("domain_name")
    command(
        boxes, "show", show_mailbox, "show one mailbox", ["resellerctl mailboxes show info@example.com"]
    ).add_argument("mailbox_name")
    command(
        boxes,
        "quota",
        quota,
        "accounts that can hold the zone's mailboxes",
        ["resellerctl mailboxes quota example.com"],
    ).add_argument("domain_name")
    create = command(
        boxes,
        "create",
        create_mailbox,
        "create a mailbox (a terminal asks for the password, hidden, twice)",
        [
            "resellerctl mailboxes create info@example.com --account-id 12",
            'printf "%s\\n" "$PASSWORD" | resellerctl mailboxes create info@example.com --account-id 12 '
            "--password-stdin",
        ],
    )
    create.add_argument("email_address")
    create.add_argument("--account-id", type=int, required=True, help="the account holding the mail zone")
    password_options(create)
    command(
        boxes, "delete", delete_mailbox, "delete a mailbox", ["resellerctl mailboxes delete info@example.com"]
    ).add_argument("mailbox_name")
    password = command(
        boxes,
        "password",
        set_password,
        "change a mailbox's password",
        ["resellerctl mailboxes password info@example.com"],
    )
    password.add_argument("mailbox_name")
    password_options(password)
    reply = command(
        boxes,
        "autoreply",
        auto_reply,
        "switch the auto-reply; the subject and message stay unless given",
        [
            'resellerctl mailboxes autoreply info@example.com on --subject Away --message "Back on Monday."',
            "resellerctl mailboxes autoreply info@example.com off",
        ],
    )
    reply.add_argument("mailbox_name")
    reply.add_argument("state", choices=["on", "off"])
    reply.add_argument("--subject", help="the reply's subject (default: unchanged)")
    reply.add_argument("--message", help="the reply's text (default: unchanged)")
    forward = command(
        boxes,
        "autoforward",
        auto_forward,
        "switch the auto-forward; the addresses and the copy stay unless given",
        [
            "resellerctl mailboxes autoforward info@example.com on sales@example.org --copy-to-myself",
            "resellerctl mailboxes autoforward info@example.com off",
        ],
    )
    forward.add_argument("mailbox_name")
    forward.add_argument("state", choices=["on", "off"])
    forward.add_argument("email_addresses", nargs="*", help="where to forward (default: unchanged)")
    forward.add_argument(
        "--copy-to-myself",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep a copy in the mailbox (default: unchanged)",
    )


def list_mailboxes(ctx: Context) -> None:
    ctx.out.many(
        ctx.client.mailboxes.list(ctx.args.domain_name),
        f"mailboxes of {ctx.args.domain_name}",
        noun="mailboxes",
    )


def show_mailbox(ctx: Context) -> None:
    ctx.out.one(ctx.client.mailboxes.get(ctx.args.mailbox_name), "mailbox")


def quota(ctx: Context) -> None:
    ctx.out.many(ctx.client.mailboxes.quota(ctx.args.domain_name), "mailbox quota", noun="accounts")


def create_mailbox(ctx: Context) -> None:
    a = ctx.args
    location = ctx.client.mailboxes.create(a.email_address, a.account_id, str(read_password(a)))
    ctx.out.done(f"mailbox {a.email_address} created", location=location)


def delete_mailbox(ctx: Context) -> None:
    ctx.client.mailboxes.delete(ctx.args.mailbox_name)
    ctx.out.done(f"mailbox {ctx.args.mailbox_name} deleted")


def set_password(ctx: Context) -> None:
    ctx.client.mailboxes.set_password(ctx.args.mailbox_name, str(read_password(ctx.args)))
    ctx.out.done(f"password of {ctx.args.mailbox_name} changed")


def auto_reply(ctx: Context) -> None:
    a = ctx.args
    ctx.client.mailboxes.set_auto_reply(a.mailbox_name, a.state == "on", a.subject, a.message)
    ctx.out.done(f"auto-reply {a.state}")


def auto_forward(ctx: Context) -> None:
    a = ctx.args
    ctx.client.mailboxes.set_auto_forward(
        a.mailbox_name, a.state == "on", a.email_addresses or None, a.copy_to_myself
    )
    ctx.out.done(f"auto-forward {a.state}")
