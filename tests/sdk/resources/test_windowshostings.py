"""``client.windowshostings``: the Windows hostings of accounts whose servicepack has one."""

from __future__ import annotations

import pytest

from reseller_api.client import Client
from reseller_api.resources.servicepacks.service import Asset
from reseller_api.resources.servicepacks.service import create as create_pack
from reseller_api.store.database import Database


def _windows_pack(request: pytest.FixtureRequest, database: Database) -> int:
    """A pack with a Windows hosting, made where the SDK's server reads (the app's or the TCP one's)."""
    if request.node.callspec.params["pair"] == "tcp":
        deployment, _ = request.getfixturevalue("served")
        made = deployment.admin_json("servicepack", "create", "Windows", "--asset", "windows_hosting=1:5120")
        return int(made["id"])
    return create_pack(database, "Windows", [Asset("windows_hosting", 1, 5120)])


def test_windows_hostings(
    sdk: Client, other_sdk: Client, database: Database, request: pytest.FixtureRequest
) -> None:
    pack = _windows_pack(request, database)
    sdk.accounts.create("windows-example.com", pack, wait=True, timeout=15)
    assert [h.domain_name for h in sdk.windowshostings.list()] == ["windows-example.com"]
    assert sdk.windowshostings.get("windows-example.com").max_size == 5120
    assert other_sdk.windowshostings.list() == []
