"""``resellerctl mailboxes list|show|quota|create|delete|password|autoreply|autoforward``.

Passwords are read from a prompt, or from stdin with ``--password-stdin``: never from a flag
(it would sit in the shell's history and the process list).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from reseller_api.client.cli.commands import Subparsers, command, group
from reseller_api.client.cli.config import ConfigError
from reseller_api.client.cli.context import Context


def password_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")


def read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ConfigError("give the password on stdin with --password-stdin (no terminal to ask)")
    return getpass.getpass("Password: ")


def register(sub: Subparsers) -> None:
    boxes = group(sub, "mailboxes", "mailboxes")
    command(boxes, "list", list_mailboxes, "list a mail zone's mailboxes").add_argument("domain_name")
    command(boxes, "show", show_mailbox, "show one mailbox").add_argument("mailbox_name")
    command(boxes, "quota", quota, "accounts that can hold the zone's mailboxes").add_argument("domain_name")
    create = command(boxes, "create", create_mailbox, "create a mailbox")
    create.add_argument("email_address")
    create.add_argument("--account-id", type=int, required=True)
    password_options(create)
    command(boxes, "delete", delete_mailbox, "delete a mailbox").add_argument("mailbox_name")
    password = command(boxes, "password", set_password, "change a mailbox's password")
    password.add_argument("mailbox_name")
    password_options(password)
    reply = command(boxes, "autoreply", auto_reply, "set the auto-reply")
    reply.add_argument("mailbox_name")
    reply.add_argument("state", choices=["on", "off"])
    reply.add_argument("--subject", default="")
    reply.add_argument("--message", default="")
    forward = command(boxes, "autoforward", auto_forward, "set the auto-forward")
    forward.add_argument("mailbox_name")
    forward.add_argument("state", choices=["on", "off"])
    forward.add_argument("email_addresses", nargs="*")
    forward.add_argument("--copy-to-myself", action="store_true")


def list_mailboxes(ctx: Context) -> None:
    ctx.out.many(ctx.client.mailboxes.list(ctx.args.domain_name), f"mailboxes of {ctx.args.domain_name}")


def show_mailbox(ctx: Context) -> None:
    ctx.out.one(ctx.client.mailboxes.get(ctx.args.mailbox_name), "mailbox")


def quota(ctx: Context) -> None:
    ctx.out.many(ctx.client.mailboxes.quota(ctx.args.domain_name), "mailbox quota")


def create_mailbox(ctx: Context) -> None:
    a = ctx.args
    location = ctx.client.mailboxes.create(a.email_address, a.account_id, read_password(a))
    ctx.out.done(f"mailbox {a.email_address} created", location=location)


def delete_mailbox(ctx: Context) -> None:
    ctx.client.mailboxes.delete(ctx.args.mailbox_name)
    ctx.out.done(f"mailbox {ctx.args.mailbox_name} deleted")


def set_password(ctx: Context) -> None:
    ctx.client.mailboxes.set_password(ctx.args.mailbox_name, read_password(ctx.args))
    ctx.out.done(f"password of {ctx.args.mailbox_name} changed")


def auto_reply(ctx: Context) -> None:
    a = ctx.args
    ctx.client.mailboxes.set_auto_reply(a.mailbox_name, a.state == "on", a.subject, a.message)
    ctx.out.done(f"auto-reply {a.state}")


def auto_forward(ctx: Context) -> None:
    a = ctx.args
    ctx.client.mailboxes.set_auto_forward(
        a.mailbox_name, a.state == "on", a.email_addresses, a.copy_to_myself
    )
    ctx.out.done(f"auto-forward {a.state}")
