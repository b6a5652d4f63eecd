"""The import layers hold: ``lint-imports`` with the contracts in pyproject.toml ([tool.importlinter]).

The check runs in a subprocess on the source trees themselves (``src`` and ``client/src`` on
``PYTHONPATH``): ``reseller_api`` is a namespace package whose SDK portion is installed in
editable mode through an import hook, which the import graph builder cannot read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(*source_roots: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(root) for root in source_roots)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_import_layers_hold() -> None:
    result = lint_imports(ROOT / "src", ROOT / "client" / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_across_the_layers_breaks_the_check(tmp_path: Path) -> None:
    """The check is not vacuous: one forbidden import in a copy of the sources fails it."""
    server, client = tmp_path / "src", tmp_path / "client"
    shutil.copytree(ROOT / "src" / "reseller_api", server / "reseller_api")
    shutil.copytree(ROOT / "client" / "src" / "reseller_api", client / "reseller_api")
    service = server / "reseller_api" / "resources" / "accounts" / "service.py"
    service.write_text(service.read_text() + "\nfrom reseller_api.conventions import dependencies\n")
    wire = client / "reseller_api" / "wire" / "__init__.py"
    wire.write_text(wire.read_text() + "\nimport reseller_api.store.database\n")

    result = lint_imports(server, client)

    assert result.returncode != 0
    assert "Services know no web framework BROKEN" in result.stdout
    assert "The wire types import nothing of the server BROKEN" in result.stdout
