"""``resellerctl dns list|show|add|update|delete``: the records of a DNS zone.

``update`` changes only the fields given: a record keeps its name, TTL and the rest unless
an option says otherwise (the server keeps every field a PUT leaves out).
"""

from __future__ import annotations

import argparse

from reseller_api.client.cli.commands import Subparsers, command, group, limited, listing_options
from reseller_api.client.cli.context import Context

COLUMNS = ["id", "type", "record_name", "ttl", "content", "priority", "service", "target", "port", "weight"]
# The API's SRV protocols, and the forms people write them in (_tcp as in the owner name).
PROTOCOLS = {"tcp": "TCP", "udp": "UDP", "tls": "TLS"}


def protocol(text: str) -> str:
    """``TCP``, ``tcp`` and ``_tcp`` all mean TCP (the API wants TCP, UDP or TLS)."""
    found = PROTOCOLS.get(text.strip().lstrip("_").lower())
    if found is None:
        raise argparse.ArgumentTypeError(f"{text!r}: say TCP, UDP or TLS (or _tcp, _udp, _tls)")
    return found


ORDER = 30  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    dns = group(
        sub,
        "dns",
        "DNS records of a zone",
        [
            "resellerctl dns list example.com",
            "resellerctl dns add example.com A --name www --content 192.0.2.10",
        ],
    )
    listing = command(
        dns,
        "list",
        list_records,
        "list a zone's records",
        [
            "resellerctl dns list example.com",
            "resellerctl dns list example.com --type MX --json",
            "resellerctl dns list example.com --type A --record-name www",
        ],
    )
    listing.add_argument("domain_name")
    listing.add_argument("--type", help="only records of this type (A, TXT, MX ...)")
    listing.add_argument("--record-name", help="only records with this name")
    listing.add_argument("--service", help="only SRV records of this service")
    listing_options(listing)
    show = command(
        dns, "show", show_record, "show one record", ["resellerctl dns show example.com 4f2a9c0e-17"]
    )
    show.add_argument("domain_name")
    show.add_argument("record_id")
    add = command(
        dns,
        "add",
        add_record,
        "add a record; prints its id",
        [
            "resellerctl dns add example.com A --name www --content 192.0.2.10",
            'resellerctl dns add example.com TXT --content "v=spf1 -all" --ttl 3600',
            "resellerctl dns add example.com MX --content mail.example.com --priority 10",
            "resellerctl dns add example.com SRV --service _sip --protocol TCP --target sip.example.com "
            "--port 5060 --priority 10 --weight 5",
        ],
    )
    add.add_argument("domain_name")
    add.add_argument("type", help="A, AAAA, CNAME, MX, TXT, SRV, CAA, ALIAS or TLSA")
    _record_arguments(add, name_default="")
    update = command(
        dns,
        "update",
        update_record,
        "change a record: only the fields given change (its name, TTL and the rest stay)",
        [
            "resellerctl dns update example.com 4f2a9c0e-17 --content 192.0.2.11",
            "resellerctl dns update example.com 4f2a9c0e-17 --ttl 300",
            "resellerctl dns update example.com 4f2a9c0e-17 --name @   # move it to the zone's apex",
        ],
    )
    update.add_argument("domain_name")
    update.add_argument("record_id")
    update.add_argument(
        "type", nargs="?", help="the record's type, if you want it checked (a type cannot be changed)"
    )
    _record_arguments(update, name_default=None)
    delete = command(
        dns, "delete", delete_record, "delete a record", ["resellerctl dns delete example.com 4f2a9c0e-17"]
    )
    delete.add_argument("domain_name")
    delete.add_argument("record_id")


def _record_arguments(parser: argparse.ArgumentParser, name_default: str | None) -> None:
    where = "empty or @ for the zone's apex" + (" (the default)" if name_default == "" else "")
    parser.add_argument(
        "--name", default=name_default, help=f"the record name, relative to the zone: {where}"
    )
    parser.add_argument("--content", help="the value: an address, a host name, text ...")
    parser.add_argument("--ttl", type=int, help="seconds, 60-86400 (the server's default 3600)")
    parser.add_argument("--priority", type=int, help="MX and SRV: 0-9999, lower is preferred")
    parser.add_argument("--service", help="SRV: the service, e.g. _sip")
    parser.add_argument(
        "--protocol",
        type=protocol,
        help="SRV: TCP, UDP or TLS (_tcp, _udp, _tls and lowercase are accepted too)",
    )
    parser.add_argument("--target", help="SRV: the host that provides the service")
    parser.add_argument("--port", type=int, help="SRV: the port")
    parser.add_argument("--weight", type=int, help="SRV: the weight among equal priorities")


def _fields(a: argparse.Namespace) -> dict[str, object]:
    return {
        "content": a.content,
        "ttl": a.ttl,
        "priority": a.priority,
        "service": a.service,
        "protocol": a.protocol,
        "target": a.target,
        "port": a.port,
        "weight": a.weight,
    }


def list_records(ctx: Context) -> None:
    a = ctx.args
    records = ctx.client.dns.records(a.domain_name).iter_all(
        type=a.type, record_name=a.record_name, service=a.service, page_size=a.page_size
    )
    ctx.out.many(limited(records, a.limit), f"DNS records of {a.domain_name}", COLUMNS, noun="records")


def show_record(ctx: Context) -> None:
    ctx.out.one(ctx.client.dns.records(ctx.args.domain_name).get(ctx.args.record_id), "DNS record")


def add_record(ctx: Context) -> None:
    a = ctx.args
    record_id = ctx.client.dns.records(a.domain_name).create(a.type, a.name, **_fields(a))  # type: ignore[arg-type]
    ctx.out.done(f"record {record_id} added", id=record_id)


def update_record(ctx: Context) -> None:
    a = ctx.args
    ctx.client.dns.records(a.domain_name).update(a.record_id, a.type, a.name, **_fields(a))  # type: ignore[arg-type]
    ctx.out.done(f"record {a.record_id} updated", id=a.record_id)


def delete_record(ctx: Context) -> None:
    ctx.client.dns.records(ctx.args.domain_name).delete(ctx.args.record_id)
    ctx.out.done(f"record {ctx.args.record_id} deleted", id=ctx.args.record_id)
