"""The import layers hold: ``lint-imports`` with the contracts in pyproject.toml ([tool.importlinter]).

The check runs in a subprocess on the source trees themselves (``src`` and ``client/src`` on
``PYTHONPATH``): ``reseller_api`` is a namespace package whose SDK portion is installed in
editable mode through an import hook, which the import graph builder cannot read.
"""

from __future__ import annotations

import os
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
