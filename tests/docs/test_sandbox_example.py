"""README's "Testing your integration" example test, run as written: an integrator's pytest file
that starts a sandbox server (reseller_api.client.testing), injects a 429 and a failed job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.documents import ROOT, blocks

pytestmark = pytest.mark.integration


def test_the_readme_sandbox_example_passes(tmp_path: Path) -> None:
    examples = [b for b in blocks(ROOT / "README.md") if b.mark == "pytest"]
    assert len(examples) == 1, "README shows one pytest example (Testing your integration)"
    test_file = tmp_path / "test_readme_sandbox_example.py"
    test_file.write_text(examples[0].text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESELLER_API_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            "pyproject.toml",
            str(test_file),
        ],
        cwd=ROOT,  # as the README says: from the repository's root (the fixture's path)
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout
