"""``resellerctl databases``: MySQL databases and their users."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.integration


def test_databases(account: dict[str, object], ok: Callable[..., str]) -> None:
    args = ["create", "shop", "--account-id", str(account["id"]), "--password-stdin", "--wait", "--json"]
    created = ok("databases", *args, stdin="Database123x\n")
    name = json.loads(created)["name"]
    assert name in ok("databases", "list")
    assert json.loads(ok("databases", "users", name, "--json"))
