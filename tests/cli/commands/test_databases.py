"""``resellerctl databases``: MySQL databases and their users."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_databases(site: Site, alice: dict[str, str], account: dict[str, object]) -> None:
    def ok(*args: str, stdin: str = "") -> str:
        done = site.ctl(*args, stdin=stdin, **alice)
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    args = ["create", "shop", "--account-id", str(account["id"]), "--password-stdin", "--wait", "--json"]
    created = ok("databases", *args, stdin="Database123x\n")
    name = json.loads(created)["name"]
    assert name in ok("databases", "list")
    assert json.loads(ok("databases", "users", name, "--json"))
