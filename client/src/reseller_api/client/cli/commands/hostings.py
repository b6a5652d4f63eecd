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


H = "resellerctl hostings"


ORDER = 50  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    hostings = group(
        sub,
        "hostings",
        "Linux hostings",
        [f"{H} list", f"{H} show example.com", f"{H} php-version example.com 8.3"],
    )
    listing_options(command(hostings, "list", list_hostings, "list your Linux hostings", [f"{H} list"]))
    command(hostings, "show", show_hosting, "show one hosting", [f"{H} show example.com"]).add_argument(
        "domain_name"
    )
    command(
        hostings, "php-versions", php_versions, "PHP versions available", [f"{H} php-versions example.com"]
    ).add_argument("domain_name")
    for name, handler, value, kind, text, example in (
        ("php-version", set_php_version, "version", str, "switch the PHP version", "8.3"),
        ("php-memory-limit", set_memory_limit, "memory_limit", int, "set PHP's memory limit (MB)", "256"),
    ):
        parser = command(hostings, name, handler, text, [f"{H} {name} example.com {example}"])
        parser.add_argument("domain_name")
        parser.add_argument(value, type=kind)
    apcu = command(
        hostings,
        "apcu",
        set_apcu,
        "switch APCu; its size (MB) stays unless --size is given",
        [f"{H} apcu example.com on --size 64", f"{H} apcu example.com off"],
    )
    apcu.add_argument("domain_name")
    apcu.add_argument("state", type=_on_off, metavar="on|off")
    apcu.add_argument("--size", type=int, help="MB, 16-512 (default: unchanged)")
    for name, text in (("gzip", "gzip compression"), ("ftp", "FTP access"), ("ssh", "SSH access")):
        parser = command(
            hostings, name, set_switch, f"switch {text} on or off", [f"{H} {name} example.com on"]
        )
        parser.add_argument("domain_name")
        parser.add_argument("state", type=_on_off, metavar="on|off")
        parser.set_defaults(switch=name)
    for name, where, text, example in (
        ("http2", "site_name", "HTTP/2 of a site", "example.com"),
        ("letsencrypt", "hostname", "Let's Encrypt for a host name", "www.example.com"),
        ("auto-redirect", "hostname", "the HTTPS redirect for a host name", "www.example.com"),
    ):
        parser = command(
            hostings,
            name,
            set_site_switch,
            f"switch {text} on or off",
            [f"{H} {name} example.com {example} on"],
        )
        parser.add_argument("domain_name")
        parser.add_argument(where)
        parser.add_argument("state", type=_on_off, metavar="on|off")
        parser.set_defaults(switch=name, where=where)

    command(
        hostings, "ssh-keys", ssh_keys, "list authorised SSH keys", [f"{H} ssh-keys example.com"]
    ).add_argument("domain_name")
    add_key = command(
        hostings,
        "ssh-key-add",
        add_ssh_key,
        "authorise an OpenSSH public key",
        [
            f"{H} ssh-key-add example.com @~/.ssh/id_ed25519.pub",
            f'{H} ssh-key-add example.com "ssh-ed25519 AAAA... me"',
        ],
    )
    add_key.add_argument("domain_name")
    add_key.add_argument("public_key", help="the key itself, or @FILE to read it from a file")
    delete_key = command(
        hostings,
        "ssh-key-delete",
        delete_ssh_key,
        "remove an SSH key",
        [f"{H} ssh-key-delete example.com SHA256:4j2k...Qw"],
    )
    delete_key.add_argument("domain_name")
    delete_key.add_argument("fingerprint", help="SHA256:... as `ssh-keygen -l` prints it (or MD5:aa:bb...)")

    subsite = command(
        hostings,
        "subsite-add",
        add_subsite,
        "add a site for another domain name",
        [f"{H} subsite-add example.com shop.example.net --path /subsites/shop.example.net"],
    )
    subsite.add_argument("domain_name")
    subsite.add_argument("site_domain_name")
    subsite.add_argument("--path", help="a folder that exists on the hosting (default /subsites/DOMAIN)")
    gone = command(
        hostings,
        "subsite-delete",
        delete_subsite,
        "delete a subsite",
        [f"{H} subsite-delete example.com shop.example.net"],
    )
    gone.add_argument("domain_name")
    gone.add_argument("site_name")
    header = command(
        hostings,
        "hostheader-add",
        add_host_header,
        "serve one more domain name from a site",
        [f"{H} hostheader-add example.com example.com www.example.org"],
    )
    header.add_argument("domain_name")
    header.add_argument("site_name")
    header.add_argument("host_domain_name")

    command(hostings, "tasks", tasks, "list scheduled tasks", [f"{H} tasks example.com"]).add_argument(
        "domain_name"
    )
    add = command(
        hostings,
        "task-add",
        add_task,
        "add a scheduled task",
        [
            f'{H} task-add example.com "*/15 * * * *" /www/cron.php',
            f'{H} task-add example.com "0 3 * * *" /www/backup.sh --disabled',
        ],
    )
    add.add_argument("domain_name")
    add.add_argument("cron_expression", help='e.g. "*/5 * * * *"')
    add.add_argument("script_location", help="an absolute path on the hosting")
    add.add_argument("--disabled", action="store_true", help="create it switched off")
    change = command(
        hostings,
        "task-update",
        update_task,
        "change a scheduled task: only what is given changes",
        [
            f'{H} task-update example.com 7 --cron "0 4 * * *"',
            f"{H} task-update example.com 7 --script /www/other.php",
            f"{H} task-update example.com 7 --disable",
        ],
    )
    change.add_argument("domain_name")
    change.add_argument("task_id")
    change.add_argument("--cron", dest="cron_expression", help='a new schedule, e.g. "*/5 * * * *"')
    change.add_argument("--script", dest="script_location", help="a new absolute path on the hosting")
    switch = change.add_mutually_exclusive_group()
    switch.add_argument("--enable", dest="enabled", action="store_true", default=None, help="switch it on")
    switch.add_argument("--disable", dest="enabled", action="store_false", help="switch it off")
    for name, handler, text in (
        ("task-show", show_task, "show a task"),
        ("task-delete", delete_task, "delete a task"),
    ):
        parser = command(hostings, name, handler, text, [f"{H} {name} example.com 7"])
        parser.add_argument("domain_name")
        parser.add_argument("task_id")


def list_hostings(ctx: Context) -> None:
    items = ctx.client.linuxhostings.iter_all(page_size=ctx.args.page_size)
    ctx.out.many(limited(items, ctx.args.limit), "Linux hostings", noun="Linux hostings")


def show_hosting(ctx: Context) -> None:
    ctx.out.one(ctx.client.linuxhostings.get(ctx.args.domain_name), "Linux hosting")


def php_versions(ctx: Context) -> None:
    ctx.out.many(
        ctx.client.linuxhostings.php_versions(ctx.args.domain_name), "PHP versions", noun="PHP versions"
    )


def set_php_version(ctx: Context) -> None:
    ctx.client.linuxhostings.set_php_version(ctx.args.domain_name, ctx.args.version)
    ctx.out.done(f"PHP {ctx.args.version} set")


def set_memory_limit(ctx: Context) -> None:
    ctx.client.linuxhostings.set_php_memory_limit(ctx.args.domain_name, ctx.args.memory_limit)
    ctx.out.done(f"memory limit {ctx.args.memory_limit} MB set")


def set_apcu(ctx: Context) -> None:
    ctx.client.linuxhostings.set_apcu(ctx.args.domain_name, ctx.args.state, ctx.args.size)
    ctx.out.done("APCu " + ("on" if ctx.args.state else "off"))  # the size stays unless --size


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
    ctx.out.many(ctx.client.linuxhostings.ssh_keys(ctx.args.domain_name), "SSH keys", noun="SSH keys")


def add_ssh_key(ctx: Context) -> None:
    key = ctx.args.public_key
    key = Path(key[1:]).expanduser().read_text().strip() if key.startswith("@") else key
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
    ctx.out.many(
        ctx.client.linuxhostings.scheduled_tasks(ctx.args.domain_name),
        "scheduled tasks",
        noun="scheduled tasks",
    )


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
        a.domain_name, a.task_id, a.cron_expression, a.script_location, a.enabled
    )
    ctx.out.done(f"task {a.task_id} updated")


def delete_task(ctx: Context) -> None:
    ctx.client.linuxhostings.delete_scheduled_task(ctx.args.domain_name, ctx.args.task_id)
    ctx.out.done(f"task {ctx.args.task_id} deleted")
