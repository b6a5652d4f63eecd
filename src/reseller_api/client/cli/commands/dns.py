"""``resellerctl dns list|show|add|update|delete``: the records of a DNS zone."""

from __future__ import annotations

import argparse

from reseller_api.client.cli.commands import Subparsers, command, group, limited, listing_options
from reseller_api.client.cli.context import Context

COLUMNS = ["id", "type", "record_name", "ttl", "content", "priority", "service", "target", "port", "weight"]


def register(sub: Subparsers) -> None:
    dns = group(sub, "dns", "DNS records of a zone")
    listing = command(dns, "list", list_records, "list a zone's records")
    listing.add_argument("domain_name")
    listing.add_argument("--type", help="only records of this type (A, TXT, MX ...)")
    listing.add_argument("--record-name", help="only records with this name")
    listing.add_argument("--service", help="only SRV records of this service")
    listing_options(listing)
    show = command(dns, "show", show_record, "show one record")
    show.add_argument("domain_name")
    show.add_argument("record_id")
    add = command(dns, "add", add_record, "add a record; prints its id")
    add.add_argument("domain_name")
    _record_arguments(add)
    update = command(dns, "update", update_record, "replace a record's data")
    update.add_argument("domain_name")
    update.add_argument("record_id")
    _record_arguments(update)
    delete = command(dns, "delete", delete_record, "delete a record")
    delete.add_argument("domain_name")
    delete.add_argument("record_id")


def _record_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("type", help="A, AAAA, CNAME, MX, TXT, SRV, CAA, ALIAS, TLSA ...")
    parser.add_argument("--name", default="", help="the record name (empty for the zone's apex)")
    parser.add_argument("--content")
    parser.add_argument("--ttl", type=int)
    parser.add_argument("--priority", type=int)
    parser.add_argument("--service", help="SRV: the service, e.g. _sip")
    parser.add_argument("--protocol", help="SRV: _tcp or _udp")
    parser.add_argument("--target", help="SRV: the target host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--weight", type=int)


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
    ctx.out.many(limited(records, a.limit), f"DNS records of {a.domain_name}", COLUMNS)


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
