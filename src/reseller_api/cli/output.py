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


def emit_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        # Text, not str: rich would read "[...]" in a stored value as markup.
        table.add_row(*(Text(printable(v)) for v in row))
    Console(soft_wrap=True).print(table)


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
