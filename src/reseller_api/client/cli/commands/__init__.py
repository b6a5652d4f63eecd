"""One module per resource, each with ``register(subparsers)``; handlers take a :class:`Context`.

Helpers here keep the commands alike: the common options, lazy listings, and ``--wait``.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Iterator
from typing import Any

from reseller_api.client.cli.context import Context
from reseller_api.client.jobs import DEFAULT_WAIT_TIMEOUT, Job

Handler = Callable[[Context], None]
Subparsers = Any  # argparse's _SubParsersAction is private


def common() -> argparse.ArgumentParser:
    """``--json`` and ``--profile`` on every command (SUPPRESS: the top-level values stand if absent)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    parent.add_argument("--profile", default=argparse.SUPPRESS, help="the config profile to use")
    return parent


def command(sub: Subparsers, name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help, parents=[common()])
    parser.set_defaults(handler=handler)
    return parser


def group(sub: Subparsers, name: str, help: str) -> Subparsers:
    parser = sub.add_parser(name, help=help, description=help)
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")


def listing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, help="stop after this many items (default: all)")
    parser.add_argument("--page-size", type=int, default=100, help="items per request (default 100)")


def limited(items: Iterator[Any], limit: int | None) -> Iterator[Any]:
    """At most ``limit`` items; pages past it are never fetched."""
    return items if limit is None else itertools.islice(items, max(0, limit))


def wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", action="store_true", help="wait for the provisioning job, with a spinner")
    parser.add_argument("--timeout", type=float, default=DEFAULT_WAIT_TIMEOUT, help="seconds --wait waits")


def finish_job(ctx: Context, job: Job[Any], title: str) -> None:
    """Print the started job, or with ``--wait`` follow it and print what it created."""
    if not ctx.args.wait:
        ctx.out.one({"job_id": job.id, "location": job.location}, "provisioning job started")
        return
    with ctx.out.progress(job.id) as progress:
        result = job.wait(timeout=ctx.args.timeout, on_progress=progress)
    ctx.out.one(result, title)
