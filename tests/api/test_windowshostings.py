"""``/v2/windowshostings``: an account whose pack has a ``windows_hosting`` asset has one."""

from __future__ import annotations

import pytest

from reseller_api.resources.servicepacks.service import Asset
from reseller_api.resources.servicepacks.service import create as create_pack
from reseller_api.store.database import Database
from tests.harness import Caller


@pytest.fixture
def windows_pack(database: Database) -> int:
    return create_pack(
        database, "Windows hosting", [Asset("windows_hosting", 1, 20480), Asset("dns", 1, None)]
    )


def order(api: Caller, identifier: str, pack: int) -> None:
    accepted = api.post("/v2/accounts", {"identifier": identifier, "servicepack_id": pack})
    assert accepted.status_code == 202, accepted.text
    assert api.wait_job(accepted.headers["location"]).status_code == 201


def test_an_account_with_the_asset_provisions_a_windows_hosting(api: Caller, windows_pack: int) -> None:
    order(api, "windows-shop.be", windows_pack)
    listed = api.get("/v2/windowshostings")
    assert listed.status_code == 200
    assert listed.json() == [{"domain_name": "windows-shop.be", "servicepack_id": windows_pack}]
    assert listed.headers["x-paging-totalresults"] == "1"
    detail = api.get("/v2/windowshostings/windows-shop.be")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["max_size"] == 20480
    assert body["actual_size"] == 0
    assert body["ftp_username"] == "windowsshopbe@windowsshopbe"
    assert body["ip_type"] == "shared"
    assert body["ip"]
    assert body["mssql_database_names"] == []
    assert body["application_pool"]["runtime"] == "v4.0"
    (site,) = body["sites"]
    assert site["name"] == "windows-shop.be"
    assert [b["host_name"] for b in site["bindings"]] == ["windows-shop.be", "www.windows-shop.be"]
    # Any case and a trailing dot name the same hosting, as domain names do.
    assert api.get("/v2/windowshostings/Windows-Shop.BE.").json() == body
    # The account has its DNS zone too, as the pack says; and no Linux hosting.
    assert api.get("/v2/dns/windows-shop.be/records").status_code == 200
    assert api.get("/v2/linuxhostings/windows-shop.be").status_code == 404


def test_accounts_without_the_asset_have_none_and_others_see_nothing(
    api: Caller, other_api: Caller, windows_pack: int
) -> None:
    order(api, "windows-shop.be", windows_pack)
    order(api, "mail-only.be", 3)
    assert [h["domain_name"] for h in api.get("/v2/windowshostings").json()] == ["windows-shop.be"]
    assert api.get("/v2/windowshostings/mail-only.be").status_code == 404
    assert other_api.get("/v2/windowshostings").json() == []
    assert other_api.get("/v2/windowshostings/windows-shop.be").status_code == 404


def test_there_is_no_change_or_delete(api: Caller, windows_pack: int) -> None:
    order(api, "windows-shop.be", windows_pack)
    for method in ("PUT", "DELETE", "POST"):
        response = api.request(
            method, "/v2/windowshostings/windows-shop.be", {} if method != "DELETE" else None
        )
        assert response.status_code == 405, (method, response.text)
    assert api.get("/v2/windowshostings/windows-shop.be").status_code == 200
