"""``reseller-api worker`` runs jobs without the web framework: its import path loads no Litestar.

The job handlers come from the resources' manifests (resources/registry.py), which import no
web framework; before them, the worker imported the whole app to have its jobs registered.
The command line's other commands import the control panel (which is Litestar) only when run.
"""

from __future__ import annotations

import subprocess
import sys

# What ``reseller-api worker`` imports: the command line (every command's parser), then what
# ``cli.serve.worker`` imports and calls before it starts its runner.
WORKER_PATH = """
import sys
from reseller_api.cli import main
main.build_parser().parse_args(["worker"])
import reseller_api.cli.serve
from reseller_api.backends import build_backends
from reseller_api.jobs.runner import Runner
from reseller_api.resources import registry
from reseller_api.resources.webhooks.delivery import webhook_deliverer
from reseller_api.jobs.registry import ENDED, HANDLERS

registry.install_jobs()
assert HANDLERS and ENDED
loaded = sorted(name for name in sys.modules if name == "litestar" or name.startswith("litestar."))
assert not loaded, loaded
"""


def test_the_worker_imports_no_litestar() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WORKER_PATH], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
