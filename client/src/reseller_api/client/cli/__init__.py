"""``resellerctl``: the API from the shell.

``resellerctl`` alone, or a group alone (``resellerctl dns``), prints its help; every
``--help`` ends with examples; mistakes answer "did you mean". Errors print
``error_code: error_text (METHOD URL)`` and a hint on stderr and exit non-zero, never with
a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType

import argcomplete

from reseller_api.client.cli import commands, config
from reseller_api.client.cli.commands import output_options
from reseller_api.client.cli.context import Context
from reseller_api.client.cli.parser import Parser, print_help_of
from reseller_api.client.core import idempotency_key
from reseller_api.client.errors import ApiError
from reseller_api.client.version import __version__


def command_modules() -> list[ModuleType]:
    """The modules of ``cli/commands/``, one per top-level command, in their ``ORDER``.

    Found, not listed: a new resource's commands are its own module, with ``ORDER`` (its place
    in ``resellerctl --help``) and ``register(subparsers)``. The helpers they share live in
    ``commands/__init__.py``, which is the package, not one of its modules; a module whose name
    starts with ``_`` is a helper too and is skipped.
    """
    found = [
        importlib.import_module(f"{commands.__name__}.{info.name}")
        for info in pkgutil.iter_modules(commands.__path__)
        if not info.name.startswith("_")
    ]
    # A module missing either, or none found (an installation that lost its files): one clear
    # line instead of an AttributeError, or a resellerctl without commands.
    broken = [
        module.__name__ for module in found if not hasattr(module, "ORDER") or not hasattr(module, "register")
    ]
    if broken or not found:
        raise RuntimeError(
            f"resellerctl's command modules are broken: {', '.join(broken) or 'none found'} "
            "(each module of cli/commands/ needs ORDER and register)"
        )
    return sorted(found, key=lambda module: int(module.ORDER))


def build_parser() -> Parser:
    parser = Parser(
        prog="resellerctl",
        description="The hosting reseller Public API v2 from the shell. Credentials: RESELLER_API_URL, "
        "RESELLER_API_KEY, RESELLER_API_SECRET, or a profile saved by `resellerctl configure`.",
        examples=[
            "resellerctl configure --from-bootstrap --url http://127.0.0.1:8000",
            "resellerctl accounts list",
            "resellerctl accounts create example.com --servicepack-id 1 --wait",
            "resellerctl dns add example.com A --name www --content 192.0.2.10",
            "resellerctl accounts create shop.example --servicepack-id 1 --idempotency-key order-1234",
            "resellerctl completion bash >> ~/.bashrc",
        ],
    )
    parser.add_argument("--version", action="version", version=f"resellerctl {__version__}")
    output_options(parser, suppress=False)
    parser.set_defaults(handler=print_help_of(parser))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in command_modules():
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argcomplete.autocomplete(parser)  # answers the shell's completion requests, then exits
    parser.argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    ctx = Context(args)
    try:
        with idempotency_key(getattr(args, "idempotency_key", None)):
            args.handler(ctx)
        return 0
    except ApiError as exc:
        ctx.out.error(exc, ctx.base_url)
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
