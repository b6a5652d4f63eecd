"""``resellerctl``: the API from the shell.

Errors print ``error_code: error_text`` on stderr and exit non-zero, never with a traceback.
"""

from __future__ import annotations

import argparse
import sys

from reseller_api import __version__
from reseller_api.client.cli import config
from reseller_api.client.cli.commands import (
    accounts,
    configure,
    databases,
    dns,
    domains,
    hostings,
    jobs,
    mailboxes,
    mailzones,
)
from reseller_api.client.cli.context import Context
from reseller_api.client.errors import ApiError

MODULES = [configure, accounts, dns, domains, hostings, mailboxes, mailzones, databases, jobs]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resellerctl",
        description="The hosting reseller Public API v2 from the shell. Credentials: RESELLER_API_URL, "
        "RESELLER_API_KEY, RESELLER_API_SECRET, or a profile saved by `resellerctl configure`.",
    )
    parser.add_argument("--version", action="version", version=f"resellerctl {__version__}")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--profile", help="the config profile to use (default: $RESELLERCTL_PROFILE or default)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    ctx = Context(args)
    try:
        args.handler(ctx)
        return 0
    except ApiError as exc:
        ctx.out.error(exc)
        return 1
    except config.ConfigError as exc:
        sys.stderr.write(f"resellerctl: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("resellerctl: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0  # `resellerctl ... | head`: the reader has what it wanted
    except Exception as exc:  # never a traceback: one line, and a non-zero exit
        sys.stderr.write(f"resellerctl: unexpected error: {type(exc).__name__}: {exc}\n")
        return 1
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
