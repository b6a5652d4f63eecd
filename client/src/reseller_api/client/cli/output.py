"""How ``resellerctl`` prints: tables for people, tab-separated text for pipes, JSON for scripts.

``--format table|tsv|json`` chooses; without it a terminal gets tables and a pipe gets TSV
(one line per item, no header, like ``gh``), so ``resellerctl accounts list | cut -f2`` works.
Tables and TSV flatten nested values (``servicepack.name``) and print booleans as yes/no;
JSON is the API's own shape. Errors go to stderr: ``error_code: error_text (METHOD URL)``,
then a hint at the fix when there is one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

import msgspec
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reseller_api.client.cli.hints import hint_for
from reseller_api.client.errors import ApiError, ProvisioningFailed, ValidationError
from reseller_api.wire.provisioningjobs import ProvisioningJobInfo

FORMATS = ("table", "tsv", "json")


def plain(value: Any) -> Any:
    """Structs, enums and the like as JSON-ready builtins (absent fields left out)."""
    return msgspec.to_builtins(value)


def scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def cell(value: Any) -> str:
    """One value as text: lists joined, nested objects as ``key=value`` pairs."""
    if isinstance(value, list):
        return ", ".join(cell(v) if not isinstance(v, dict) else _pairs(v) for v in value)
    if isinstance(value, dict):
        return _pairs(value)
    return scalar(value)


def _pairs(value: dict[str, Any]) -> str:
    return " ".join(f"{k}={cell(v)}" for k, v in flatten(value).items())


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"servicepack": {"id": 1}}`` -> ``{"servicepack.id": 1}``; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _tsv(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Output:
    def __init__(self, fmt: str | None = None) -> None:
        self.format = fmt or ("table" if sys.stdout.isatty() else "tsv")
        # Piped tables are not cut to 80 columns: only as wide as their content.
        self.console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 1000)
        self.errors = Console(stderr=True, soft_wrap=True)

    @property
    def as_json(self) -> bool:
        return self.format == "json"

    def one(self, item: Any, title: str = "") -> None:
        data = plain(item)
        if self.format == "json":
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
            return
        if not isinstance(data, dict):
            sys.stdout.write(cell(data) + "\n")
            return
        rows = flatten(data)
        if self.format == "tsv":
            for key, value in rows.items():
                sys.stdout.write(f"{key}\t{_tsv(cell(value))}\n")
            return
        table = Table(title=title or None, title_justify="left", show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        for key, value in rows.items():
            table.add_row(escape(key), escape(cell(value)))
        self.console.print(table)

    def many(
        self, items: Iterable[Any], title: str = "", columns: list[str] | None = None, *, noun: str = "items"
    ) -> None:
        """A listing; JSON and TSV stream item by item (a lazy iterable is read as it prints)."""
        if self.format == "json":
            sys.stdout.write("[")
            for index, item in enumerate(items):
                sys.stdout.write(("," if index else "") + "\n  " + json.dumps(plain(item)))
                sys.stdout.flush()
            sys.stdout.write("\n]\n")
            return
        names = list(columns or [])
        if self.format == "tsv":
            for item in items:
                row = self._row(plain(item), names)
                sys.stdout.write("\t".join(_tsv(v) for v in row) + "\n")
                sys.stdout.flush()
            return
        rows = [plain(item) for item in items]
        if not rows:
            self.console.print(f"No {noun}.")
            return
        if not names:
            self._row(rows[0], names)
        table = Table(title=title or None, title_justify="left")
        for name in names:
            table.add_column(escape(name))
        for row in rows:
            table.add_row(*(escape(v) for v in self._row(row, names)))
        self.console.print(table)

    @staticmethod
    def _row(data: Any, names: list[str]) -> list[str]:
        """The item's cells in ``names``' order; the first item fixes the columns when none are given."""
        flat = flatten(data) if isinstance(data, dict) else {"value": data}
        if not names:
            names.extend(flat)
        return [cell(flat.get(n)) for n in names]

    def done(self, message: str, **fields: Any) -> None:
        """The result of a command that answers no body (204)."""
        if self.format == "json":
            sys.stdout.write(json.dumps({"result": "ok", **fields}) + "\n")
        elif self.format == "tsv":
            sys.stdout.write("\t".join(["ok", *(scalar(v) for v in fields.values())]) + "\n")
        else:
            self.console.print(escape(message))

    def error(self, exc: ApiError, base_url: str = "") -> None:
        where = f" ({exc.request.method} {exc.request.url})" if exc.request is not None else ""
        lines = [f"{exc.error_code}: {exc.error_text}{where}"]
        if isinstance(exc, ValidationError) and len(exc.validation_errors) > 1:
            lines = [f"{p.error_code}: {p.error_text}" for p in exc.validation_errors]
            lines[0] += where
        hint = hint_for(exc, base_url)
        if hint and not isinstance(exc, ProvisioningFailed):
            lines.append(f"hint: {hint}")
        for line in lines:
            sys.stderr.write(line + "\n")

    def progress(self, job_id: str) -> Progress:
        return Progress(self.errors, job_id)


class Progress:
    """A spinner on stderr with the job's status and estimate (stdout stays clean for scripts)."""

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
