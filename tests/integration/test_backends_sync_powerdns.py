"""``reseller-api backends sync --only dns`` against a real PowerDNS: a zone we record but the
server never had (the installation ran on the simulated backends) answers over DNS after it."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reseller_api.cli import backends as cli
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests.harness import Caller
from tests.integration.conftest import Deployment, Server
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


def test_a_restored_backup_is_pushed_back_onto_a_new_powerdns(
    deployment: Deployment, start_server: Callable[..., Server], pdns: PowerDns, tmp_path: Path
) -> None:
    """docs/operations.md: a machine lost with its DNS server; the backup is restored onto a new
    machine and a new (empty) PowerDNS, then `backends sync` rebuilds the zones."""
    if deployment.database_url is not None:
        pytest.skip("reseller-api backup is for the SQLite layout (PostgreSQL: pg_dump)")
    domain = "restored-zone.com"
    server = start_server(deployment)
    credentials = deployment.bootstrap_credentials()
    with server.client(credentials["api_key"], credentials["api_secret"]) as client:
        order = client.post("/v2/accounts", {"identifier": domain, "servicepack_id": 4})
        assert order.status_code == 202, order.text
        deadline = time.monotonic() + 30
        while client.get(order.headers["location"]).status_code == 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        record = {"id": "", "type": "A", "record_name": "www", "content": "192.0.2.44"}
        assert client.post(f"/v2/dns/{domain}/records", record).status_code == 201
    archive = tmp_path / "before-the-fire.tar.gz"
    assert deployment.cli("backup", str(archive)).returncode == 0
    server.stop()

    new_machine = Deployment(tmp_path / "new-machine")
    new_machine.data_dir.mkdir()
    assert new_machine.cli("restore", str(archive)).returncode == 0
    assert pdns.zone(domain).status_code == 404
    real = {
        "RESELLER_API_DNS_BACKEND": "powerdns",
        "RESELLER_API_POWERDNS_URL": pdns.url,
        "RESELLER_API_POWERDNS_API_KEY": API_KEY,
    }
    synced = new_machine.cli("backends", "sync", **real)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert f"dns zone {domain}" in synced.stdout
    assert "mysql: not synced" in synced.stdout  # what it cannot rebuild, said
    assert pdns.answers(f"www.{domain}", "A") == ["192.0.2.44"]
