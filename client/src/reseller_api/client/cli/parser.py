"""The argument parser ``resellerctl`` is built from: argparse, with what people expect of a CLI.

- Every command and group shows examples in its ``--help`` (``epilog``, kept as written).
- A mistyped command or option answers "did you mean ...?" (Python 3.14's argparse does
  this for choices; we support 3.11, so it is done here, with difflib).
- A group without a command (``resellerctl dns``), like ``resellerctl`` alone, prints its help.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

_UNRECOGNIZED = re.compile(r"unrecognized arguments: (.+)$")


def examples_epilog(examples: Sequence[str]) -> str | None:
    if not examples:
        return None
    return "examples:\n" + "\n".join(f"  $ {e}" for e in examples)


class Parser(argparse.ArgumentParser):
    """argparse's parser, with suggestions for mistakes and examples kept as written."""

    def __init__(self, *args: Any, examples: Sequence[str] = (), **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        if examples:
            kwargs["epilog"] = examples_epilog(examples)
        super().__init__(*args, **kwargs)
        self.examples = list(examples)
        self.argv: list[str] = []  # the words being parsed (main sets them), to find the command meant

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            choices = [str(c) for c in action.choices]
            close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
            kind = "command" if isinstance(action, argparse._SubParsersAction) else "choice"
            message = f"invalid {kind} {value!r}"
            message += f"; did you mean {close[0]!r}?" if close else f" (choose from {', '.join(choices)})"
            raise argparse.ArgumentError(action, message)
        super()._check_value(action, value)

    def error(self, message: str) -> NoReturn:
        # Unknown options are reported by the top parser: say it for the command that was meant.
        parser = self._command_of(self.argv)
        found = _UNRECOGNIZED.search(message)
        if found:
            options = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
            for word in found.group(1).split():
                close = difflib.get_close_matches(word.split("=", 1)[0], options, n=1, cutoff=0.6)
                if word.startswith("-") and close:
                    message += f"; did you mean {close[0]}?"
                    break
        parser.print_usage(sys.stderr)
        self.exit(2, f"{parser.prog}: error: {message}\nRun '{parser.prog} --help' for more.\n")

    def _command_of(self, argv: list[str]) -> argparse.ArgumentParser:
        """The deepest command parser the words of ``argv`` name (this one if none)."""
        parser: argparse.ArgumentParser = self
        for word in argv:
            subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            if not subparsers or word not in subparsers[0].choices:
                continue
            parser = subparsers[0].choices[word]
        return parser


def print_help_of(parser: argparse.ArgumentParser) -> Any:
    """A handler that prints ``parser``'s help: what a group or the program alone does."""

    def show(_: object) -> None:
        parser.print_help()

    return show
