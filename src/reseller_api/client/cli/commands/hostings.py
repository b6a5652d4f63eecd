"""``resellerctl hostings ...``: Linux hostings, their PHP, switches, SSH keys, sites and scheduled tasks."""

from __future__ import annotations

import argparse
from pathlib import Path

from reseller_api.client.cli.commands import Subparsers, command, group, limited, listing_options
from reseller_api.client.cli.context import Context


def _on_off(text: str) -> bool:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError("say on or off")
    return text == "on"


def register(sub: Subparsers) -> None:
    hostings = group(sub, "hostings", "Linux hostings")
    listing_options(command(hostings, "list", list_hostings, "list your Linux hostings"))
    command(hostings, "show", show_hosting, "show one hosting").add_argument("domain_name")
    command(hostings, "php-versions", php_versions, "PHP versions available").add_argument("domain_name")
    for name, handler, value, kind, text in (
        ("php-version", set_php_version, "version", str, "switch the PHP version"),
        ("php-memory-limit", set_memory_limit, "memory_limit", int, "set PHP's memory limit (MB)"),
    ):
        parser = command(hostings, name, handler, text)
        parser.add_argument("domain_name")
        parser.add_argument(value, type=kind)
    apcu = command(hostings, "apcu", set_apcu, "switch APCu and set its size (MB)")
    apcu.add_argument("domain_name")
    apcu.add_argument("state", type=_on_off, metavar="on|off")
    apcu.add_argument("--size", type=int, default=32)
    for name, text in (("gzip", "gzip compression"), ("ftp", "FTP access"), ("ssh", "SSH access")):
        parser = command(hostings, name, set_switch, f"switch {text} on or off")
        parser.add_argument("domain_name")
        parser.add_argument("state", type=_on_off, metavar="on|off")
        parser.set_defaults(switch=name)
    for name, where, text in (
        ("http2", "site_name", "HTTP/2 of a site"),
        ("letsencrypt", "hostname", "Let's Encrypt for a host name"),
        ("auto-redirect", "hostname", "the HTTPS redirect for a host name"),
    ):
        parser = command(hostings, name, set_site_switch, f"switch {text} on or off")
        parser.add_argument("domain_name")
        parser.add_argument(where)
        parser.add_argument("state", type=_on_off, metavar="on|off")
        parser.set_defaults(switch=name, where=where)

    command(hostings, "ssh-keys", ssh_keys, "list authorised SSH keys").add_argument("domain_name")
    add_key = command(hostings, "ssh-key-add", add_ssh_key, "authorise an OpenSSH public key")
    add_key.add_argument("domain_name")
    add_key.add_argument("public_key", help="the key itself, or @FILE to read it from a file")
    delete_key = command(hostings, "ssh-key-delete", delete_ssh_key, "remove an SSH key")
    delete_key.add_argument("domain_name")
    delete_key.add_argument("fingerprint")

    subsite = command(hostings, "subsite-add", add_subsite, "add a site for another domain name")
    subsite.add_argument("domain_name")
    subsite.add_argument("site_domain_name")
    subsite.add_argument("--path")
    gone = command(hostings, "subsite-delete", delete_subsite, "delete a subsite")
    gone.add_argument("domain_name")
    gone.add_argument("site_name")
    header = command(hostings, "hostheader-add", add_host_header, "serve one more domain name from a site")
    header.add_argument("domain_name")
    header.add_argument("site_name")
    header.add_argument("host_domain_name")

    command(hostings, "tasks", tasks, "list scheduled tasks").add_argument("domain_name")
    for name, handler, text in (
        ("task-add", add_task, "add a scheduled task"),
        ("task-update", update_task, "replace a scheduled task"),
    ):
        parser = command(hostings, name, handler, text)
        parser.add_argument("domain_name")
        if name == "task-update":
            parser.add_argument("task_id")
        parser.add_argument("cron_expression", help='e.g. "*/5 * * * *"')
        parser.add_argument("script_location")
        parser.add_argument("--disabled", action="store_true")
    for name, handler, text in (
        ("task-show", show_task, "show a task"),
        ("task-delete", delete_task, "delete"),
    ):
        parser = command(hostings, name, handler, text)
        parser.add_argument("domain_name")
        parser.add_argument("task_id")


def list_hostings(ctx: Context) -> None:
    items = ctx.client.linuxhostings.iter_all(page_size=ctx.args.page_size)
    ctx.out.many(limited(items, ctx.args.limit), "Linux hostings")


def show_hosting(ctx: Context) -> None:
    ctx.out.one(ctx.client.linuxhostings.get(ctx.args.domain_name), "Linux hosting")


def php_versions(ctx: Context) -> None:
    ctx.out.many(ctx.client.linuxhostings.php_versions(ctx.args.domain_name), "PHP versions")


def set_php_version(ctx: Context) -> None:
    ctx.client.linuxhostings.set_php_version(ctx.args.domain_name, ctx.args.version)
    ctx.out.done(f"PHP {ctx.args.version} set")


def set_memory_limit(ctx: Context) -> None:
    ctx.client.linuxhostings.set_php_memory_limit(ctx.args.domain_name, ctx.args.memory_limit)
    ctx.out.done(f"memory limit {ctx.args.memory_limit} MB set")


def set_apcu(ctx: Context) -> None:
    ctx.client.linuxhostings.set_apcu(ctx.args.domain_name, ctx.args.state, ctx.args.size)
    ctx.out.done("APCu " + ("on" if ctx.args.state else "off"))


def set_switch(ctx: Context) -> None:
    a, hostings = ctx.args, ctx.client.linuxhostings
    {"gzip": hostings.set_gzip, "ftp": hostings.set_ftp, "ssh": hostings.set_ssh}[a.switch](
        a.domain_name, a.state
    )
    ctx.out.done(f"{a.switch} " + ("on" if a.state else "off"))


def set_site_switch(ctx: Context) -> None:
    a, hostings = ctx.args, ctx.client.linuxhostings
    where = getattr(a, a.where)
    setter = {
        "http2": hostings.set_http2,
        "letsencrypt": hostings.set_letsencrypt,
        "auto-redirect": hostings.set_auto_redirect,
    }[a.switch]
    setter(a.domain_name, where, a.state)
    ctx.out.done(f"{a.switch} " + ("on" if a.state else "off") + f" for {where}")


def ssh_keys(ctx: Context) -> None:
    ctx.out.many(ctx.client.linuxhostings.ssh_keys(ctx.args.domain_name), "SSH keys")


def add_ssh_key(ctx: Context) -> None:
    key = ctx.args.public_key
    key = Path(key[1:]).read_text().strip() if key.startswith("@") else key
    location = ctx.client.linuxhostings.add_ssh_key(ctx.args.domain_name, key)
    ctx.out.done("SSH key added", location=location)


def delete_ssh_key(ctx: Context) -> None:
    ctx.client.linuxhostings.delete_ssh_key(ctx.args.domain_name, ctx.args.fingerprint)
    ctx.out.done("SSH key deleted")


def add_subsite(ctx: Context) -> None:
    a = ctx.args
    location = ctx.client.linuxhostings.add_subsite(a.domain_name, a.site_domain_name, a.path)
    ctx.out.done(f"subsite {a.site_domain_name} added", location=location)


def delete_subsite(ctx: Context) -> None:
    ctx.client.linuxhostings.delete_subsite(ctx.args.domain_name, ctx.args.site_name)
    ctx.out.done(f"subsite {ctx.args.site_name} deleted")


def add_host_header(ctx: Context) -> None:
    a = ctx.args
    location = ctx.client.linuxhostings.add_host_header(a.domain_name, a.site_name, a.host_domain_name)
    ctx.out.done(f"{a.host_domain_name} added to {a.site_name}", location=location)


def tasks(ctx: Context) -> None:
    ctx.out.many(ctx.client.linuxhostings.scheduled_tasks(ctx.args.domain_name), "scheduled tasks")


def show_task(ctx: Context) -> None:
    ctx.out.one(ctx.client.linuxhostings.scheduled_task(ctx.args.domain_name, ctx.args.task_id), "task")


def add_task(ctx: Context) -> None:
    a = ctx.args
    task_id = ctx.client.linuxhostings.add_scheduled_task(
        a.domain_name, a.cron_expression, a.script_location, not a.disabled
    )
    ctx.out.done(f"task {task_id} added", id=task_id)


def update_task(ctx: Context) -> None:
    a = ctx.args
    ctx.client.linuxhostings.update_scheduled_task(
        a.domain_name, a.task_id, a.cron_expression, a.script_location, not a.disabled
    )
    ctx.out.done(f"task {a.task_id} updated")


def delete_task(ctx: Context) -> None:
    ctx.client.linuxhostings.delete_scheduled_task(ctx.args.domain_name, ctx.args.task_id)
    ctx.out.done(f"task {ctx.args.task_id} deleted")
