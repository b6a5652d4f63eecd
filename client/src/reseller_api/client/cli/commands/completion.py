"""``resellerctl completion bash|zsh|fish``: the shell code for tab completion (argcomplete)."""

from __future__ import annotations

import sys

from argcomplete.shell_integration import shellcode

from reseller_api.client.cli.commands import Subparsers
from reseller_api.client.cli.context import Context

SHELLS = ("bash", "zsh", "fish")


ORDER = 1000  # last in `resellerctl --help`, after every resource: the command modules are listed by it


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "completion",
        help="print the shell code for tab completion",
        description="Print the code that makes your shell complete resellerctl's commands and options.",
        examples=[
            "source <(resellerctl completion bash)                # now, in this bash",
            "resellerctl completion bash >> ~/.bashrc             # every bash from now on",
            'resellerctl completion zsh > "${fpath[1]}/_resellerctl"',
            "resellerctl completion fish > ~/.config/fish/completions/resellerctl.fish",
        ],
    )
    parser.add_argument("shell", choices=SHELLS)
    parser.set_defaults(handler=completion)


def completion(ctx: Context) -> None:
    sys.stdout.write(shellcode(["resellerctl"], shell=ctx.args.shell))
