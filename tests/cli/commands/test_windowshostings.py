"""``resellerctl windowshostings``: the Windows hostings of accounts."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_windowshostings(site: Site, alice: dict[str, str], ok: Callable[..., str]) -> None:
    pack = site.deployment.admin_json(
        "servicepack", "create", "Windows CLI", "--asset", "windows_hosting=1:2048"
    )
    done = site.ctl(
        "accounts", "create", "win.example", "--servicepack-id", str(pack["id"]), "--wait", "--json", **alice
    )
    assert done.returncode == 0, done.stderr
    assert "win.example" in ok("windowshostings", "list")
    assert json.loads(ok("windowshostings", "show", "win.example", "--json"))["max_size"] == 2048
