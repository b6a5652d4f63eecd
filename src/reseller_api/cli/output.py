"""How the admin commands print: a JSON document with --json, else a plain table.

JSON escapes every control character itself; tables and lines pass stored values through
:func:`printable`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False) + "\n")


def emit_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, whole: Sequence[str] = ()
) -> None:
    """A table that never shortens a value with an ellipsis: narrow columns wrap, and the
    ``whole`` columns (API keys, which are copied from here) are never even wrapped."""
    texts = [[printable(v) for v in row] for row in rows]
    table = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        if column in whole:
            widest = max((len(row[index]) for row in texts), default=0)
            table.add_column(column, no_wrap=True, min_width=max(widest, len(column)))
        else:
            table.add_column(column, overflow="fold")
    for row in texts:
        # Text, not str: rich would read "[...]" in a stored value as markup.
        table.add_row(*(Text(cell) for cell in row))
    # Piped or redirected, nothing limits the width: no wrapping at rich's default of 80.
    width = None if sys.stdout.isatty() else 10_000
    Console(soft_wrap=True, width=width).print(table)


def printable(value: object) -> str:
    """``value`` as text that cannot steer a terminal: control and format characters escaped.

    Values come from the database (a whitelist entry, an audit detail, a name): one
    holding an escape sequence, a newline or a bidi override would otherwise rewrite
    the operator's terminal or forge a line of output.
    """
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def fail(message: str, code: int = 1) -> int:
    sys.stderr.write(f"reseller-api: error: {message}\n")
    return code
