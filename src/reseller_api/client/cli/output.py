"""How ``resellerctl`` prints: rich tables for people, ``--json`` for scripts, errors on one line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

import msgspec
from rich.console import Console
from rich.table import Table

from reseller_api.client.errors import ApiError, ValidationError
from reseller_api.resources.provisioningjobs.schemas import ProvisioningJobInfo


def plain(value: Any) -> Any:
    """Structs, enums and the like as JSON-ready builtins (absent fields left out)."""
    return msgspec.to_builtins(value)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ": "))
    return str(value)


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        # Piped output is not cut to 80 columns: tables are only as wide as their content.
        self.console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 1000)
        self.errors = Console(stderr=True, soft_wrap=True)

    def one(self, item: Any, title: str = "") -> None:
        data = plain(item)
        if self.as_json:
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
            return
        if not isinstance(data, dict):
            self.console.print(cell(data))
            return
        table = Table(title=title or None, title_justify="left", show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        for key, value in data.items():
            table.add_row(key, cell(value))
        self.console.print(table)

    def many(self, items: Iterable[Any], title: str = "", columns: list[str] | None = None) -> None:
        """A listing; with ``--json`` streamed item by item (a lazy iterable is read as it prints)."""
        if self.as_json:
            sys.stdout.write("[")
            for index, item in enumerate(items):
                sys.stdout.write(("," if index else "") + "\n  " + json.dumps(plain(item)))
                sys.stdout.flush()
            sys.stdout.write("\n]\n")
            return
        rows = [plain(item) for item in items]
        names = columns or (list(rows[0]) if rows and isinstance(rows[0], dict) else ["value"])
        table = Table(title=title or None, title_justify="left")
        for name in names:
            table.add_column(name)
        for row in rows:
            values = [row.get(n) for n in names] if isinstance(row, dict) else [row]
            table.add_row(*(cell(v) for v in values))
        self.console.print(table)

    def done(self, message: str, **fields: Any) -> None:
        """The result of a command that answers no body (204)."""
        if self.as_json:
            sys.stdout.write(json.dumps({"result": "ok", **fields}) + "\n")
        else:
            self.console.print(message)

    def error(self, exc: ApiError) -> None:
        lines = [f"{exc.error_code}: {exc.error_text}"]
        if isinstance(exc, ValidationError) and len(exc.validation_errors) > 1:
            lines = [f"{p.error_code}: {p.error_text}" for p in exc.validation_errors]
        for line in lines:
            sys.stderr.write(line + "\n")

    def progress(self, job_id: str) -> Progress:
        return Progress(self.errors, job_id)


class Progress:
    """A spinner on stderr with the job's status and estimate (stdout stays clean for ``--json``)."""

    def __init__(self, console: Console, job_id: str) -> None:
        self.status = console.status(f"job {job_id}: starting")
        self.job_id = job_id

    def __enter__(self) -> Progress:
        self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.status.__exit__(None, None, None)

    def __call__(self, info: ProvisioningJobInfo) -> None:
        self.status.update(f"job {self.job_id}: {info.status}, estimated done at {info.completion.estimate}")
