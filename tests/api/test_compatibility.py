"""What public clients of the vendor's API depend on, item by item (issue 13).

The recorded responses are replayed in test_vendor_replay.py; this module proves each wire
difference that was found is gone: name server addresses (1), domains of accounts (2),
top-level refusals (3), HTTP/2 and redirection in any order (4: test_linuxhostings_sites.py),
record ids never reused (5), every declared property present (6), SRV/apex/SOA/NS (7),
servicepacks unpaged (8), Location forms (9), header names and content types (10), unknown
body fields (11). docs/compatibility.md lists where we still differ, and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from litestar.testing import TestClient
from sqlalchemy import delete

from reseller_api.app import create_app
from reseller_api.backends.base import BackendRefused
from reseller_api.backends.simulated import SimulatedHosting
from reseller_api.credentials.service import CredentialsService
from reseller_api.resources.dns.tables import dns_records, dns_zones
from reseller_api.resources.domains.tables import domains
from reseller_api.resources.servicepacks.service import Asset
from reseller_api.resources.servicepacks.service import create as create_pack
from reseller_api.settings import Settings, SettingsError
from reseller_api.store.database import Database
from tests.api.test_linuxhostings_ssh import fingerprint, openssh
from tests.harness import AddressedClient, Caller, ClientAddress
from tests.vendor import schema_problems

PASSWORD = "Secret123x"
ZONE = "/v2/dns/example.com/records"


def account(api: Caller, identifier: str = "example.com", servicepack_id: int = 1) -> httpx.Response:
    body = {"identifier": identifier, "servicepack_id": servicepack_id, "ftp_password": PASSWORD}
    accepted = api.post("/v2/accounts", body)
    assert accepted.status_code == 202, accepted.text
    return api.wait_job(accepted.headers["Location"])


def register(api: Caller, name: str, name_servers: list[str] | None = None) -> httpx.Response:
    accepted = api.post(
        "/v2/domains/registrations", {"domain_name": name, "name_servers": name_servers or []}
    )
    assert accepted.status_code == 202, accepted.text
    return api.wait_job(accepted.headers["Location"])


def top_level(response: httpx.Response, code: str) -> None:
    """A refusal about the state of the world: 400 ``{"error_code", "error_text"}``, nothing else."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error_code", "error_text"}, body
    assert body["error_code"] == code
    assert body["error_text"]


def api_for(settings: Settings, database: Database, api_key: str, api_secret: str) -> Iterator[Caller]:
    """A signed caller of an app of its own (other settings, or a restart)."""
    app = create_app(settings, database=database, run_jobs=True)
    with TestClient(ClientAddress(app), base_url="http://testserver.local") as client:  # type: ignore[arg-type]
        yield Caller(AddressedClient(client, "127.0.0.1"), api_key, api_secret)


# -- 1. name servers' addresses ------------------------------------------------------------------


def test_name_server_setting_takes_addresses_and_the_bare_form() -> None:
    settings = Settings.from_env({"RESELLER_API_NAME_SERVERS": "NS1.example.net=192.0.2.53, ns2.example.net"})
    assert settings.name_servers == ("ns1.example.net", "ns2.example.net")
    assert settings.name_server_ips == (("ns1.example.net", "192.0.2.53"),)
    v6 = Settings.from_env(
        {"RESELLER_API_NAME_SERVERS": "a.example.net=2001:db8::53,b.example.net=192.0.2.1"}
    )
    assert dict(v6.name_server_ips) == {"a.example.net": "2001:db8::53", "b.example.net": "192.0.2.1"}
    with pytest.raises(SettingsError, match="NAME_SERVERS"):
        Settings.from_env({"RESELLER_API_NAME_SERVERS": "a.example.net=not-an-ip,b.example.net"})


def test_every_name_server_has_a_string_ip(api: Caller) -> None:
    """Ours from settings, a registration's glue (``host=address``), else ``""``; never absent or null."""
    register(api, "mine.be")
    assert api.get("/v2/domains/mine.be").json()["name_servers"] == [
        {"name": "ns1.reseller-api.test", "ip": "192.0.2.53"},
        {"name": "ns2.reseller-api.test", "ip": "192.0.2.54"},
    ]
    register(api, "glued.be", ["ns1.glued.be=192.0.2.7", "ns.other-dns.net"])
    assert api.get("/v2/domains/glued.be").json()["name_servers"] == [
        {"name": "ns1.glued.be", "ip": "192.0.2.7"},
        {"name": "ns.other-dns.net", "ip": ""},
    ]
    changed = api.put(
        "/v2/domains/glued.be/nameservers", {"name_servers": ["ns1.glued.be", "ns2.glued.be=2001:db8::2"]}
    )
    assert changed.status_code == 204, changed.text
    assert [ns["ip"] for ns in api.get("/v2/domains/glued.be").json()["name_servers"]] == ["", "2001:db8::2"]
    bad = api.put(
        "/v2/domains/glued.be/nameservers", {"name_servers": ["ns1.glued.be=999.1.1.1", "ns2.glued.be"]}
    )
    assert bad.json()["validation_errors"][0]["error_code"] == "domain_name_server_invalid"


# -- 2. domains of accounts ----------------------------------------------------------------------


def test_an_account_with_a_domain_asset_registers_its_identifier(api: Caller) -> None:
    assert account(api, "shop.be", servicepack_id=4).status_code == 201
    [listed] = api.get("/v2/domains").json()
    assert listed["domain_name"] == "shop.be"
    assert listed["will_renew"] is True
    detail = api.get("/v2/domains/shop.be").json()
    assert detail["expiration_date"] == listed["expiration_date"]
    assert [ns["name"] for ns in detail["name_servers"]] == ["ns1.reseller-api.test", "ns2.reseller-api.test"]
    # As a registration would: the name is now ours, and taken for anyone else.
    top_level(api.post("/v2/domains/registrations", {"domain_name": "shop.be"}), "domain_already_registered")


def test_a_name_the_registry_would_not_register_makes_an_account_without_a_domain(api: Caller) -> None:
    """The vendor makes accounts for ``blog.example.com``: a subdomain, a TLD we do not sell or a
    name registered elsewhere is not a registration; the account is made all the same."""
    for identifier in ("blog.example.com", "example.test", "taken.com"):
        assert account(api, identifier).status_code == 201
    assert api.get("/v2/domains").json() == []


def test_an_account_adopts_a_domain_the_reseller_registered(api: Caller) -> None:
    register(api, "mine.be")
    assert account(api, "mine.be").status_code == 201
    assert [d["domain_name"] for d in api.get("/v2/domains").json()] == ["mine.be"]
    assert len(api.get("/v2/dns/mine.be/records").json()) == 3  # the zone, adopted as it was


def test_another_resellers_domain_is_an_identifier_in_use(api: Caller, other_api: Caller) -> None:
    register(other_api, "theirs.be", ["ns1.other-dns.net", "ns2.other-dns.net"])  # no zone here
    body = {"identifier": "theirs.be", "servicepack_id": 4}
    top_level(api.post("/v2/accounts", body), "account_identifier_in_use")


def test_a_failed_account_leaves_no_domain(api: Caller, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise BackendRefused("no space left on the web server")

    monkeypatch.setattr(SimulatedHosting, "ensure_hosting", refuse)
    assert account(api, "broken.be").json()["status"] == "failed"
    assert api.get("/v2/domains").json() == []
    assert app.context.backends.registry.availability("broken.be") == "available"  # released
    monkeypatch.undo()
    assert account(api, "broken.be").status_code == 201  # the same order again
    assert [d["domain_name"] for d in api.get("/v2/domains").json()] == ["broken.be"]


# -- 3. refusals about the world are top-level errors --------------------------------------------


def test_refusals_about_the_world_are_top_level_and_malformed_input_is_validation_errors(
    api: Caller, app: Any
) -> None:
    account(api)
    keys = "/v2/linuxhostings/example.com/ssh/keys"
    key = openssh(ed25519.Ed25519PrivateKey.generate())
    assert api.post(keys, {"public_key": key}).status_code == 201
    top_level(api.post(keys, {"public_key": key}), "ssh_key_already_exists")
    top_level(
        api.post("/v2/accounts", {"identifier": "example.com", "servicepack_id": 4}),
        "account_identifier_in_use",
    )
    top_level(api.post(ZONE, {"type": "NS", "content": "ns1.reseller-api.test"}), "dns_record_duplicate")
    header = {"domain_name": "www.example.com"}
    top_level(
        api.post("/v2/linuxhostings/example.com/sites/example.com/hostheaders", header), "host_name_in_use"
    )
    mailbox = {"email_address": "info@example.com", "account_id": 1, "password": PASSWORD}
    assert api.post("/v2/mailboxes", mailbox).status_code == 201
    top_level(api.post("/v2/mailboxes", mailbox), "mailbox_exists")
    top_level(api.post("/v2/domains/registrations", {"domain_name": "taken.com"}), "domain_not_available")
    database = {"database_name": "shop", "account_id": 1, "password": PASSWORD}
    assert api.wait_job(api.post("/v2/mysqldatabases", database).headers["Location"]).status_code == 201
    top_level(api.post("/v2/mysqldatabases", database), "mysql_database_exists")
    # Malformed input stays a list of validation errors.
    malformed = api.post(keys, {"public_key": "not a key"})
    assert malformed.status_code == 400
    assert set(malformed.json()) == {"validation_errors"}


def test_limits_reached_are_top_level_refusals(api: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hosting at its SSH key or task limit: the world's state, so a top-level error_code."""
    from reseller_api.resources.linuxhostings import ssh, tasks
    from tests.api.test_linuxhostings_tasks import NIGHTLY, TASKS

    account(api)
    monkeypatch.setattr(ssh, "MAX_KEYS_PER_HOSTING", 1)
    monkeypatch.setattr(tasks, "MAX_TASKS_PER_HOSTING", 1)
    keys = "/v2/linuxhostings/example.com/ssh/keys"
    assert api.post(keys, {"public_key": openssh(ed25519.Ed25519PrivateKey.generate())}).status_code == 201
    top_level(
        api.post(keys, {"public_key": openssh(ed25519.Ed25519PrivateKey.generate())}), "ssh_key_limit_reached"
    )
    assert api.post(TASKS, NIGHTLY).status_code == 201
    top_level(api.post(TASKS, {**NIGHTLY, "cron_expression": "0 4 * * *"}), "scheduled_task_limit_reached")


# -- 5. record ids are never reused --------------------------------------------------------------


def test_a_deleted_records_id_is_never_given_again(api: Caller) -> None:
    register(api, "example.com")
    first = api.post(ZONE, {"type": "A", "record_name": "a", "content": "192.0.2.1"}).headers["Location"]
    assert api.delete(first).status_code == 204  # the highest id
    second = api.post(ZONE, {"type": "A", "record_name": "b", "content": "192.0.2.2"}).headers["Location"]
    assert second != first
    assert api.get(first).json()["error_code"] == "dns_record_not_found"


def test_record_ids_are_not_reused_across_a_zone_deleted_and_made_again(
    api: Caller, app: Any, database: Database
) -> None:
    register(api, "example.com")
    old = api.post(ZONE, {"type": "A", "record_name": "a", "content": "192.0.2.1"}).headers["Location"]
    # The zone goes (as an account's deletion would take it), then the domain is registered again.
    with database.transaction() as conn:
        conn.execute(delete(dns_records))
        conn.execute(delete(dns_zones))
        conn.execute(delete(domains))
    app.context.backends.registry.release("example.com")
    app.context.backends.dns.remove_zone("example.com")
    register(api, "example.com")
    new = api.post(ZONE, {"type": "A", "record_name": "a", "content": "192.0.2.1"}).headers["Location"]
    assert new != old
    assert api.get(old).status_code == 404


def test_record_ids_are_not_reused_after_a_restart(api: Caller, settings: Settings) -> None:
    register(api, "example.com")
    old = api.post(ZONE, {"type": "A", "record_name": "a", "content": "192.0.2.1"}).headers["Location"]
    assert api.delete(old).status_code == 204  # the highest id
    restarted = Database(settings.database_url, pool_size=2)  # a new process: nothing kept in memory
    try:
        for again in api_for(settings, restarted, api.api_key, api.api_secret):
            new = again.post(ZONE, {"type": "A", "record_name": "b", "content": "192.0.2.2"})
            assert new.status_code == 201, new.text
            assert new.headers["Location"] != old
            assert again.get(old).status_code == 404
    finally:
        restarted.dispose()


# -- 6. every declared property is present -------------------------------------------------------


def test_answers_validate_against_the_vendors_schemas(api: Caller) -> None:
    """Every declared property present (null when there is no value), nothing undeclared."""
    account(api)
    register(api, "mine.be")
    for record in (
        {"type": "A", "record_name": "www", "content": "192.0.2.1"},
        {"type": "MX", "content": "mail.example.com", "priority": 5},
        {"type": "SRV", "service": "_sip", "protocol": "TCP", "port": 5060, "target": "sip.example.com"},
        {"type": "TXT", "record_name": "_dmarc", "content": "v=DMARC1; p=none"},
    ):
        assert api.post(ZONE, record).status_code == 201
    box = {"email_address": "info@example.com", "account_id": 1, "password": PASSWORD}
    assert api.post("/v2/mailboxes", box).status_code == 201
    paths = [
        "/v2/accounts",
        "/v2/accounts/1",
        ZONE,
        "/v2/domains",
        "/v2/domains/mine.be",
        "/v2/linuxhostings",
        "/v2/linuxhostings/example.com",
        "/v2/linuxhostings/example.com/ssh/keys",
        "/v2/mailboxes?domain_name=example.com",
        "/v2/mailboxes/info@example.com",
        "/v2/mailzones/example.com",
        "/v2/servicepacks",
        "/v2/ssh",
    ]
    for path in paths:
        response = api.get(path)
        assert response.status_code == 200, (path, response.text)
        assert schema_problems("GET", path, 200, response.json()) == [], path
    record = api.get(ZONE).json()[0]
    assert set(record) == {
        "id",
        "type",
        "record_name",
        "ttl",
        "content",
        "service",
        "target",
        "protocol",
        "priority",
        "port",
        "weight",
    }


# -- 7. SRV, apex, SOA and NS ---------------------------------------------------------------------


def test_record_lists_hold_the_zones_soa_and_ns_as_the_backend_serves_them(api: Caller, app: Any) -> None:
    register(api, "example.com")
    soa, *ns = api.get(ZONE).json()
    assert (soa["type"], soa["record_name"], soa["ttl"]) == ("SOA", "", 3600)
    primary, contact, serial, *timers = soa["content"].split()
    assert (primary, contact, timers) == (
        "ns1.reseller-api.test",
        "hostmaster.example.com",
        ["10800", "3600", "604800", "3600"],
    )
    assert [(r["type"], r["record_name"], r["content"], r["priority"]) for r in ns] == [
        ("NS", "", "ns1.reseller-api.test", None),
        ("NS", "", "ns2.reseller-api.test", None),
    ]
    served = app.context.backends.dns.store.get("dns_zone", "example.com")
    assert served["soa"] == f"ns1.reseller-api.test. hostmaster.example.com. {serial} 10800 3600 604800 3600"
    assert served["ns"] == ["ns1.reseller-api.test.", "ns2.reseller-api.test."]
    # Every change moves the serial on, here and in the backend.
    assert api.post(ZONE, {"type": "A", "content": "192.0.2.1"}).status_code == 201
    moved = api.get(f"{ZONE}?type=SOA").json()[0]["content"].split()[2]
    assert int(moved) > int(serial)
    assert app.context.backends.dns.store.get("dns_zone", "example.com")["serial"] == int(moved)


def test_the_soa_cannot_be_added_changed_or_deleted(api: Caller) -> None:
    register(api, "example.com")
    soa = api.get(f"{ZONE}?type=SOA").json()[0]
    url = f"{ZONE}/{soa['id']}"
    top_level(api.put(url, {**soa, "ttl": 60}), "dns_record_soa_immutable")
    top_level(api.delete(url), "dns_record_soa_immutable")
    top_level(api.post(ZONE, {"type": "SOA", "content": soa["content"]}), "dns_record_soa_immutable")
    assert api.get(url).json() == soa


def test_apex_ns_records_are_edited_but_never_fewer_than_two(api: Caller, app: Any) -> None:
    register(api, "example.com")
    first, second = api.get(f"{ZONE}?type=NS").json()
    top_level(api.delete(f"{ZONE}/{first['id']}"), "dns_zone_name_servers_minimum")
    top_level(api.put(f"{ZONE}/{first['id']}", {"record_name": "sub"}), "dns_zone_name_servers_minimum")
    third = api.post(ZONE, {"type": "NS", "record_name": "", "content": "ns3.example.net"})
    assert third.status_code == 201, third.text
    assert api.delete(f"{ZONE}/{first['id']}").status_code == 204
    edited = api.put(f"{ZONE}/{second['id']}", {"content": "NS4.example.net."})
    assert edited.json()["content"] == "ns4.example.net"
    top_level(api.delete(f"{ZONE}/{second['id']}"), "dns_zone_name_servers_minimum")
    listed = sorted(r["content"] for r in api.get(f"{ZONE}?type=NS").json())
    assert listed == ["ns3.example.net", "ns4.example.net"]
    served = app.context.backends.dns.store.get("dns_zone", "example.com")["ns"]
    assert sorted(served) == ["ns3.example.net.", "ns4.example.net."]
    # Below the apex an NS record delegates, freely.
    delegation = api.post(ZONE, {"type": "NS", "record_name": "lab", "content": "ns.lab.example.net"})
    assert api.delete(delegation.headers["Location"]).status_code == 204


def test_srv_answers_as_recorded_and_takes_either_protocol_form(api: Caller) -> None:
    register(api, "example.com")
    body = {
        "type": "SRV",
        "service": "submission",
        "protocol": "_tcp",
        "priority": 1,
        "weight": 1,
        "port": 587,
        "target": "smtp-auth.example.com",
    }
    record = api.get(api.post(ZONE, body).headers["Location"]).json()
    assert record == {
        "id": record["id"],
        "type": "SRV",
        "record_name": "_submission._tcp",
        "ttl": 3600,
        "content": "1 587 smtp-auth.example.com",
        "service": "_submission",
        "target": "smtp-auth.example.com",
        "protocol": "_tcp",
        "priority": 1,
        "port": 587,
        "weight": 1,
    }
    # A client saving the record as it read it changes nothing, protocol form included.
    assert api.put(f"{ZONE}/{record['id']}", record).json() == record
    assert api.put(f"{ZONE}/{record['id']}", {**record, "protocol": "TCP"}).json() == record


def test_the_apex_is_an_empty_record_name_whatever_was_sent(api: Caller) -> None:
    register(api, "example.com")
    for sent in ("", "@", "example.com.", None):
        body = {
            "type": "TXT",
            "content": f"sent {sent!r}",
            **({"record_name": sent} if sent is not None else {}),
        }
        assert api.get(api.post(ZONE, body).headers["Location"]).json()["record_name"] == ""
    assert len(api.get(f"{ZONE}?type=TXT&record_name=@").json()) == 4
    assert len(api.get(f"{ZONE}?type=TXT&record_name=").json()) == 4


# -- 8. servicepacks are not paged ---------------------------------------------------------------


def test_servicepacks_without_skip_or_take_are_all_of_them(api: Caller, database: Database) -> None:
    for n in range(30):
        create_pack(database, f"Pack {n}", [Asset("dns", 1, None)])
    everything = api.get("/v2/servicepacks")
    assert len(everything.json()) == 34  # more than a default page of 25
    assert everything.headers["x-paging-totalresults"] == "34"
    assert len(api.get("/v2/servicepacks?take=25").json()) == 25  # asked: paged


# -- 9. Location forms ---------------------------------------------------------------------------


def test_an_ssh_keys_location_is_one_percent_encoded_segment(api: Caller) -> None:
    account(api)
    keys = "/v2/linuxhostings/example.com/ssh/keys"
    # Keys until one's fingerprint has both "/" and "+" (about one in four).
    line = next(
        line
        for line in (openssh(ed25519.Ed25519PrivateKey.generate()) for _ in range(200))
        if {"/", "+"} <= set(fingerprint(line))
    )
    location = api.post(keys, {"public_key": line}).headers["Location"]
    *prefix, segment = location.split("/")
    assert "/".join(prefix) == keys
    assert segment == quote(fingerprint(line), safe=":")
    assert "+" not in segment
    assert "=" not in segment
    assert api.delete(location).status_code == 204


def test_every_location_is_relative(api: Caller) -> None:
    accepted = api.post(
        "/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "ftp_password": PASSWORD}
    )
    job = accepted.headers["Location"]
    assert job.startswith("/v2/provisioningjobs/")
    done = api.wait_job(job)
    assert done.headers["Location"] == "/v2/accounts/1" == done.json()["resource_links"][0]
    created = api.post(
        "/v2/mailboxes", {"email_address": "info@example.com", "account_id": 1, "password": PASSWORD}
    )
    assert created.headers["Location"] == "/v2/mailboxes/info@example.com"
    record = api.post("/v2/dns/EXAMPLE.com/records", {"type": "A", "content": "192.0.2.1"})
    assert record.headers["Location"].startswith("/v2/dns/example.com/records/")


# -- 10. header names and content types ----------------------------------------------------------


def raw_names(response: httpx.Response) -> list[str]:
    """Header names as the app sent them (httpx keeps their case in ``.raw``)."""
    return [name.decode("latin-1") for name, _ in response.headers.raw]


def test_header_names_are_cased_as_the_vendor_sends_them(api: Caller) -> None:
    accepted = api.post(
        "/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "ftp_password": PASSWORD}
    )
    assert raw_names(accepted) == [
        "Location",
        "Retry-After",
        "Content-Length",
        "x-ratelimit-limit",
        "x-ratelimit-usage",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-request-id",
        "Date",
    ]
    assert accepted.headers["Content-Length"] == "0"
    listing = api.get("/v2/accounts")
    assert raw_names(listing)[:5] == [
        "Content-Type",
        "x-paging-skipped",
        "x-paging-take",
        "x-paging-totalresults",
        "Content-Length",
    ]
    assert listing.headers["Content-Type"] == "application/json; charset=utf-8"
    missing = api.get("/v2/accounts/999")
    assert missing.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "Content-Type" in raw_names(missing)


def test_a_201_or_202_without_a_body_has_content_length_0_and_no_content_type(api: Caller) -> None:
    register(api, "example.com")
    for response in (
        api.post(ZONE, {"type": "A", "content": "192.0.2.1"}),
        api.post("/v2/domains/registrations", {"domain_name": "other.be"}),
    ):
        assert response.status_code in (201, 202)
        assert response.content == b""
        assert response.headers["Content-Length"] == "0"
        assert "content-type" not in {n.lower() for n in raw_names(response)}
    record = api.get(ZONE).json()[-1]
    gone = api.delete(f"{ZONE}/{record['id']}")
    assert gone.status_code == 204
    assert {n.lower() for n in raw_names(gone)} & {"content-type", "content-length"} == set()


def test_gate_refusals_are_cased_too(client_factory: Any) -> None:
    refused = client_factory().get("/v2/accounts")
    assert refused.status_code == 401
    assert raw_names(refused)[:2] == ["Content-Type", "Content-Length"]
    assert refused.headers["Content-Type"] == "application/json; charset=utf-8"


# -- 11. unknown body fields ---------------------------------------------------------------------

EXTRA = {"id": "", "color": "red", "registrant": None}


@pytest.fixture
def strict_api(settings: Settings, database: Database, credentials: CredentialsService) -> Iterator[Caller]:
    created = credentials.create_key("carol", ["127.0.0.1"])
    strict = dataclasses.replace(settings, strict_bodies=True)
    yield from api_for(strict, database, created.api_key, created.api_secret)


def test_unknown_body_fields_are_ignored_by_default(api: Caller) -> None:
    accepted = api.post(
        "/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "ftp_password": PASSWORD, **EXTRA}
    )
    assert api.wait_job(accepted.headers["Location"]).status_code == 201
    assert (
        api.post(ZONE, {"type": "A", "content": "192.0.2.1", "comment": "x", "disabled": False}).status_code
        == 201
    )
    registrant = {
        "first_name": "Ann",
        "middle_name": "B",
        "extra_fields": [{"name": "x", "value": "y", "z": 1}],
    }
    order = {"domain_name": "mine.be", "registrant": registrant, "years": 2}
    assert api.wait_job(api.post("/v2/domains/registrations", order).headers["Location"]).status_code == 201
    assert (
        api.put("/v2/linuxhostings/example.com/ftp/configuration", {"enabled": True, "x": 1}).status_code
        == 204
    )


def test_strict_bodies_refuse_them_naming_each(strict_api: Caller) -> None:
    refused = strict_api.post(
        "/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "color": "red"}
    )
    assert refused.status_code == 400
    [problem] = refused.json()["validation_errors"]
    assert problem["error_code"] == "request_body_unknown_field"
    assert "color" in problem["error_text"]
    registrant = {"first_name": "Ann", "extra_fields": [{"name": "x", "z": 1}], "fax2": "1"}
    nested = strict_api.post(
        "/v2/domains/registrations", {"domain_name": "mine.be", "registrant": registrant}
    )
    texts = [p["error_text"] for p in nested.json()["validation_errors"]]
    assert any("registrant.extra_fields[0].z" in t for t in texts)
    assert any("registrant.fax2" in t for t in texts)
    # Known fields, nulls included, are fine.
    ok = strict_api.post(
        "/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "ftp_password": PASSWORD}
    )
    assert ok.status_code == 202


def test_the_document_says_which_is_the_default(api: Caller, strict_api: Caller) -> None:
    lenient = api.client.get("/v2/openapi.json").json()
    assert "are ignored" in lenient["info"]["description"]
    assert "RESELLER_API_STRICT_BODIES=true" in lenient["info"]["description"]
    strict = strict_api.client.get("/v2/openapi.json").json()
    assert "are refused on this server" in strict["info"]["description"]
    assert strict["components"]["schemas"]["CreateAccount"]["additionalProperties"] is False
    assert "additionalProperties" not in lenient["components"]["schemas"]["CreateAccount"]
