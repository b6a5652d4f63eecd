"""The README's "Use it from Python" and "Use it from the shell" examples, run against a real server."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"
README_URL = "http://127.0.0.1:8000"


def blocks(section: str, language: str) -> list[str]:
    """The fenced ``language`` blocks between ``<!-- section:start ... -->`` and ``<!-- section:end -->``."""
    text = README.read_text()
    body = text[text.index(f"<!-- {section}:start") : text.index(f"<!-- {section}:end -->")]
    return re.findall(rf"```{language}\n(.*?)```", body, flags=re.DOTALL)


def test_the_python_example_runs(site: Site) -> None:
    [code] = blocks("sdk", "python")
    assert README_URL in code
    done = subprocess.run(
        [sys.executable, "-c", code.replace(README_URL, site.server.base_url)],
        cwd=site.home,  # the example reads var/bootstrap-credentials.json, as after `make run`
        env=site.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("Linux hosting Starter")
    assert any(line.endswith("v=spf1 -all") for line in lines)
    assert any(line.startswith("404 ") for line in lines)
    assert lines[-1].startswith("RateLimit(")


def test_the_shell_walk_through_runs(site: Site) -> None:
    [script] = blocks("cli", "sh")
    commands = [line for line in script.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[0].startswith("resellerctl configure --from-bootstrap")
    outputs = []
    for command in commands:
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", command.replace(README_URL, site.server.base_url)],
            cwd=site.home,
            env=site.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        outputs.append(done.stdout)
    # The profile holds a secret: 0600.
    config = site.home / "config" / "resellerctl.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert "Linux hosting Starter" in outputs[1]
    assert "example.org" in outputs[2]
    [record] = json.loads(outputs[-1])
    assert (record["type"], record["content"], record["ttl"]) == ("TXT", "v=spf1 -all", 3600)
