"""``reseller-api backends sync --only dns`` against a real PowerDNS: a zone we record but the
server never had (the installation ran on the simulated backends) answers over DNS after it."""

from __future__ import annotations

import dataclasses

import pytest

from reseller_api.cli import backends as cli
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests.harness import Caller
from tests.integration.test_backend_powerdns import API_KEY, PowerDns, pdns

__all__ = ["pdns"]  # the module's private PowerDNS server fixture, shared


def test_sync_puts_a_zone_recorded_only_in_our_database_on_powerdns(
    api: Caller, settings: Settings, database: Database, pdns: PowerDns, capsys: pytest.CaptureFixture[str]
) -> None:
    # Made while the DNS backend is the simulated one (the suite's default settings).
    domain = "synced-later.com"
    accepted = api.post(
        "/v2/accounts", {"identifier": domain, "servicepack_id": 1, "ftp_password": "Secret123x"}
    )
    assert accepted.status_code == 202, accepted.text
    assert api.wait_job(accepted.headers["location"]).status_code == 201
    for body in (
        {"type": "A", "record_name": "www", "content": "192.0.2.7"},
        {"type": "MX", "record_name": "@", "content": f"mail.{domain}", "priority": 10},
    ):
        created = api.post(f"/v2/dns/{domain}/records", {"id": "", **body})
        assert created.status_code == 201, created.text
    assert pdns.zone(domain).status_code == 404

    real = dataclasses.replace(
        settings, dns_backend="powerdns", powerdns_url=pdns.url, powerdns_api_key=API_KEY
    )
    assert cli.sync(real, database, "dns") == 0
    assert f"dns zone {domain}: 4 rrsets" in capsys.readouterr().out  # A, MX, and the SOA and NS
    assert pdns.answers(f"www.{domain}", "A") == ["192.0.2.7"]
    assert pdns.answers(domain, "MX") == [f"10 mail.{domain}."]
    assert pdns.answers(domain, "NS") == sorted(f"{host}." for host in settings.name_servers)
    # The SOA PowerDNS serves is the one we list, serial included.
    [listed] = [r["content"] for r in api.get(f"/v2/dns/{domain}/records?type=SOA").json()]
    assert [soa.replace(". ", " ").rstrip(".") for soa in pdns.answers(domain, "SOA")] == [listed]
    # Again: converged, nothing changes.
    assert cli.sync(real, database, "dns") == 0
    assert pdns.answers(f"www.{domain}", "A") == ["192.0.2.7"]
