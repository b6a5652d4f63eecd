"""One module per resource, each with ``register(subparsers)``; handlers take a :class:`Context`.

Helpers here keep the commands alike: the common options, examples in every ``--help``,
lazy listings, passwords, and ``--wait``.
"""

from __future__ import annotations

import argparse
import getpass
import itertools
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from reseller_api.client.cli import history
from reseller_api.client.cli.config import ConfigError
from reseller_api.client.cli.context import Context
from reseller_api.client.cli.output import FORMATS
from reseller_api.client.cli.parser import Parser, print_help_of
from reseller_api.client.jobs import DEFAULT_WAIT_TIMEOUT, Job

Handler = Callable[[Context], None]
Subparsers = Any  # argparse's _SubParsersAction is private


def output_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """``--format``, ``--json``, ``--profile``; on commands, SUPPRESS keeps the top-level values if absent."""
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="table (a terminal's default), tsv (a pipe's default: tab-separated, no header) or json",
        **default,
    )
    parser.add_argument("--json", action="store_true", help="the same as --format json", **default)
    parser.add_argument(
        "--profile", help="the config profile to use (default: $RESELLERCTL_PROFILE or default)", **default
    )
    parser.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="send KEY as the write's Idempotency-Key: the same command run again with the same "
        "KEY gets the first outcome, never a second write (default: a new key each run)",
        **default,
    )


def common() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    output_options(parent, suppress=True)
    return parent


def command(
    sub: Subparsers, name: str, handler: Handler, help: str, examples: Sequence[str]
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=help, description=help, parents=[common()], examples=examples
    )
    parser.set_defaults(handler=handler)
    return parser


def group(sub: Subparsers, name: str, help: str, examples: Sequence[str]) -> Subparsers:
    """A group of commands; alone (``resellerctl dns``) it prints its help."""
    parser: Parser = sub.add_parser(name, help=help, description=help, examples=examples)
    parser.set_defaults(handler=print_help_of(parser))
    return parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND", title="commands")


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
    history.remember(ctx.client.base_url, job.id, _what(ctx))
    if not ctx.args.wait:
        ctx.out.one({"job_id": job.id, "location": job.location}, "provisioning job started")
        return
    with ctx.out.progress(job.id) as progress:
        result = job.wait(timeout=ctx.args.timeout, on_progress=progress)
    ctx.out.one(result, title)


def _what(ctx: Context) -> str:
    """The command that started a job, as ``jobs list`` shows it: ``accounts create example.com``."""
    group = str(getattr(ctx.args, "command", "") or "")
    words = [group, str(getattr(ctx.args, f"{group}_command", "") or "")]
    for name in ("identifier", "domain_name", "database_name", "user_name"):
        value = getattr(ctx.args, name, None)
        if value:
            words.append(str(value))
    return " ".join(w for w in words if w)


# -- passwords: never a flag (shell history, process list) ------------------------------------


def password_options(
    parser: argparse.ArgumentParser, flag: str = "--password-stdin", what: str = "password"
) -> None:
    parser.add_argument(
        flag,
        dest="password_stdin",
        action="store_true",
        help=f"read the {what} from stdin (one line; hidden when stdin is a terminal); "
        "without it, a terminal asks twice",
    )


def read_password(args: argparse.Namespace, what: str = "Password", *, required: bool = True) -> str | None:
    """From stdin (``--password-stdin``), else a hidden prompt, asked twice, in a terminal.

    A terminal on stdin is never echoed: ``--password-stdin`` typed by hand is read like a prompt.
    """
    if args.password_stdin:
        if sys.stdin.isatty():
            return getpass.getpass(f"{what}: ")
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        if not required:
            return None
        raise ConfigError("give the password on stdin with --password-stdin (no terminal to ask)")
    first = getpass.getpass(f"{what}: ")
    if getpass.getpass(f"{what} (again): ") != first:
        raise ConfigError("the two passwords differ; nothing was changed")
    return first
