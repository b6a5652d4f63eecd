"""``/v2/domains``: registrations, transfers, details, name servers, renewal; every error path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.simulated.registry import SimulatedRegistry
from reseller_api.store.database import Database
from tests.harness import Caller, error_codes

OUR_NS = ["ns1.reseller-api.test", "ns2.reseller-api.test"]
OUR_IPS = ["192.0.2.53", "192.0.2.54"]


def codes(response: httpx.Response) -> list[str]:
    return error_codes(response)


def register(api: Caller, name: str, name_servers: list[str] | None = None) -> httpx.Response:
    accepted = api.post(
        "/v2/domains/registrations", {"domain_name": name, "name_servers": name_servers or []}
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["location"].startswith("/v2/provisioningjobs/")
    return api.wait_job(accepted.headers["location"])


def test_registration_runs_a_job_then_the_domain_appears(api: Caller, app: Any) -> None:
    accepted = api.post("/v2/domains/registrations", {"domain_name": "Example.COM", "name_servers": []})
    assert accepted.status_code == 202
    assert accepted.content == b""
    assert api.get("/v2/domains").json() == []  # invisible until the job finished
    assert api.get("/v2/domains/example.com").status_code == 404
    done = api.wait_job(accepted.headers["location"])
    assert done.status_code == 201, done.text
    assert done.json()["resource_links"] == ["/v2/domains/example.com"]
    listing = api.get("/v2/domains")
    assert listing.headers["x-paging-totalresults"] == "1"
    [domain] = listing.json()
    assert set(domain) == {"domain_name", "expiration_date", "will_renew"}
    assert domain["domain_name"] == "example.com"
    assert domain["will_renew"] is True
    expires = datetime.strptime(domain["expiration_date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    days = (expires - datetime.now(UTC)).days
    assert 364 <= days <= 366
    detail = api.get("/v2/domains/EXAMPLE.com").json()
    # Our name servers' addresses come from RESELLER_API_NAME_SERVERS (its defaults here).
    assert detail["name_servers"] == [{"name": n, "ip": ip} for n, ip in zip(OUR_NS, OUR_IPS, strict=True)]
    assert detail["can_toggle_renew"] is True
    assert detail["registrant"] is None
    # Our name servers: the zone exists, with SOA and NS in the DNS backend.
    assert api.get("/v2/dns/example.com/records").status_code == 200
    zone = app.context.backends.dns.store.get("dns_zone", "example.com")
    assert zone["ns"] == [n + "." for n in OUR_NS]
    assert zone["soa"].startswith("ns1.reseller-api.test. hostmaster.example.com. ")


def test_registration_on_foreign_name_servers_has_no_zone_until_pointed_at_ours(api: Caller) -> None:
    done = register(api, "elsewhere.be", ["ns1.other-dns.net", "NS2.other-dns.net."])
    assert done.status_code == 201
    detail = api.get("/v2/domains/elsewhere.be").json()
    assert detail["name_servers"] == [
        {"name": "ns1.other-dns.net", "ip": ""},
        {"name": "ns2.other-dns.net", "ip": ""},
    ]
    assert api.get("/v2/dns/elsewhere.be/records").status_code == 404
    assert api.put("/v2/domains/elsewhere.be/nameservers", {"name_servers": OUR_NS}).status_code == 204
    assert api.get("/v2/dns/elsewhere.be/records").status_code == 200


def test_registrant_is_kept_and_shown(api: Caller) -> None:
    registrant = {"first_name": "Ann", "last_name": "Peeters", "country_code": "BE", "extra_fields": []}
    accepted = api.post(
        "/v2/domains/registrations",
        {"domain_name": "peeters.be", "name_servers": [], "registrant": registrant},
    )
    assert api.wait_job(accepted.headers["location"]).status_code == 201
    detail = api.get("/v2/domains/peeters.be").json()
    given = {"first_name": "Ann", "last_name": "Peeters", "country_code": "BE"}
    assert detail["registrant"] == {**dict.fromkeys(detail["registrant"]), **given}  # the rest null
    assert len(detail["registrant"]) == 12


def test_idn_domain_is_stored_as_a_labels_and_found_either_way(api: Caller) -> None:
    assert register(api, "bücher.be").status_code == 201
    assert api.get("/v2/domains/xn--bcher-kva.be").status_code == 200
    assert api.get("/v2/domains/b%C3%BCcher.be").json()["domain_name"] == "xn--bcher-kva.be"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "domain_name_required"),
        ({"domain_name": ""}, "domain_name_required"),
        ({"domain_name": "not a domain"}, "domain_name_invalid"),
        ({"domain_name": "www.example.com"}, "domain_name_not_registrable"),
        ({"domain_name": "example.xyz"}, "domain_tld_unsupported"),
        ({"domain_name": "taken.com"}, "domain_not_available"),
        ({"domain_name": "transfer-me.be"}, "domain_not_available"),
        ({"domain_name": "ok.be", "name_servers": ["ns1.x.net"]}, "domain_name_servers_count"),
        (
            {"domain_name": "ok.be", "name_servers": ["ns1.x.net", "NS1.x.net"]},
            "domain_name_server_duplicate",
        ),
        ({"domain_name": "ok.be", "name_servers": ["ns1.x.net", "bad host"]}, "domain_name_server_invalid"),
        (
            {"domain_name": "ok.be", "name_servers": [f"ns{i}.x.net" for i in range(14)]},
            "domain_name_servers_count",
        ),
    ],
)
def test_bad_registrations_get_400_and_no_job(
    api: Caller, database: Database, body: dict[str, object], code: str
) -> None:
    response = api.post("/v2/domains/registrations", body)
    assert response.status_code == 400, response.text
    assert code in codes(response)
    with database.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM provisioning_jobs")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM domains")).scalar() == 0


def test_a_name_is_registered_once(api: Caller, other_api: Caller) -> None:
    assert register(api, "once.nl").status_code == 201
    again = api.post("/v2/domains/registrations", {"domain_name": "once.nl"})
    assert codes(again) == ["domain_already_registered"]
    theirs = other_api.post("/v2/domains/registrations", {"domain_name": "once.nl"})
    assert codes(theirs) == ["domain_not_available"]
    # A pending order holds the name too.
    pending = api.post("/v2/domains/registrations", {"domain_name": "pending.nl"})
    assert pending.status_code == 202
    assert codes(other_api.post("/v2/domains/registrations", {"domain_name": "pending.nl"})) == [
        "domain_not_available"
    ]
    api.wait_job(pending.headers["location"])


def test_transfer_with_the_right_auth_code(api: Caller) -> None:
    accepted = api.post(
        "/v2/domains/transfers", {"domain_name": "transfer-me.be", "auth_code": "BE-AUTH-1234"}
    )
    assert accepted.status_code == 202, accepted.text
    done = api.wait_job(accepted.headers["location"])
    assert done.status_code == 201
    assert api.get("/v2/domains/transfer-me.be").status_code == 200
    assert api.get("/v2/dns/transfer-me.be/records").status_code == 200


def test_transfer_with_a_wrong_auth_code_fails_the_job(api: Caller) -> None:
    accepted = api.post("/v2/domains/transfers", {"domain_name": "transfer-me.com", "auth_code": "WRONG"})
    assert accepted.status_code == 202
    done = api.wait_job(accepted.headers["location"])
    assert done.status_code == 200
    assert done.json()["status"] == "failed"
    assert api.get("/v2/domains/transfer-me.com").status_code == 404
    assert api.get("/v2/domains").json() == []
    # Nothing is left behind: the right code works afterwards.
    retry = api.post(
        "/v2/domains/transfers", {"domain_name": "transfer-me.com", "auth_code": "COM-AUTH-1234"}
    )
    assert api.wait_job(retry.headers["location"]).status_code == 201


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"domain_name": "transfer-me.be"}, "domain_auth_code_required"),
        ({"domain_name": "transfer-me.be", "auth_code": " "}, "domain_auth_code_required"),
        ({"auth_code": "x"}, "domain_name_required"),
        ({"domain_name": "free-name.be", "auth_code": "x"}, "domain_not_registered"),
        ({"domain_name": "transfer-me.xyz", "auth_code": "x"}, "domain_tld_unsupported"),
    ],
)
def test_bad_transfers_get_400(api: Caller, body: dict[str, object], code: str) -> None:
    response = api.post("/v2/domains/transfers", body)
    assert response.status_code == 400
    assert codes(response) == [code]


def test_name_servers_edit(api: Caller) -> None:
    register(api, "ns-edit.eu")
    ns = ["ns1.other-dns.net", "ns2.other-dns.net", "ns3.other-dns.net"]
    response = api.put(
        "/v2/domains/ns-edit.eu/nameservers", {"domain_name": "ns-edit.eu", "name_servers": ns}
    )
    assert response.status_code == 204
    assert [n["name"] for n in api.get("/v2/domains/ns-edit.eu").json()["name_servers"]] == ns
    bad = api.put("/v2/domains/ns-edit.eu/nameservers", {"name_servers": ["ns1.other-dns.net"]})
    assert codes(bad) == ["domain_name_servers_count"]
    dup = api.put("/v2/domains/ns-edit.eu/nameservers", {"name_servers": ["a.b.net", "A.b.net."]})
    assert codes(dup) == ["domain_name_server_duplicate"]
    missing = api.put("/v2/domains/ns-edit.eu/nameservers", {})
    assert codes(missing) == ["domain_name_servers_required"]
    mismatch = api.put("/v2/domains/ns-edit.eu/nameservers", {"domain_name": "other.eu", "name_servers": ns})
    assert codes(mismatch) == ["domain_name_mismatch"]
    assert [n["name"] for n in api.get("/v2/domains/ns-edit.eu").json()["name_servers"]] == ns


def test_will_renew_toggle(api: Caller) -> None:
    register(api, "renew.org")
    assert api.put("/v2/domains/renew.org/renew", {"will_renew": False}).status_code == 204
    assert api.get("/v2/domains/renew.org").json()["will_renew"] is False
    assert api.get("/v2/domains").json()[0]["will_renew"] is False
    assert codes(api.put("/v2/domains/renew.org/renew", {})) == ["domain_will_renew_required"]
    assert api.put("/v2/domains/renew.org/renew", {"will_renew": True}).status_code == 204


def test_renew_cannot_toggle_within_a_month(api: Caller, database: Database) -> None:
    import time

    from sqlalchemy import update

    from reseller_api.resources.domains.tables import domains

    register(api, "late.org")
    with database.transaction() as conn:
        conn.execute(update(domains).values(expiration_date=time.time() + 10 * 86400))
    assert api.get("/v2/domains/late.org").json()["can_toggle_renew"] is False
    assert codes(api.put("/v2/domains/late.org/renew", {"will_renew": False})) == [
        "domain_renew_not_toggleable"
    ]


def test_other_resellers_get_404(api: Caller, other_api: Caller) -> None:
    register(api, "mine.be")
    assert other_api.get("/v2/domains").json() == []
    for response in (
        other_api.get("/v2/domains/mine.be"),
        other_api.put("/v2/domains/mine.be/nameservers", {"name_servers": OUR_NS}),
        other_api.put("/v2/domains/mine.be/renew", {"will_renew": False}),
        other_api.get("/v2/dns/mine.be/records"),
    ):
        assert response.status_code == 404, response.text
    assert api.get("/v2/domains/nobody.be").json()["error_code"] == "domain_not_found"


def test_domains_list_pages(api: Caller) -> None:
    for name in ("c-site.be", "a-site.be", "b-site.be"):
        register(api, name)
    page = api.get("/v2/domains?skip=1&take=1")
    assert [d["domain_name"] for d in page.json()] == ["b-site.be"]
    assert page.headers["x-paging-totalresults"] == "3"
    assert page.headers["x-paging-take"] == "1"


def test_a_change_the_registry_refuses_changes_nothing(api: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    register(api, "refused.eu")
    before = api.get("/v2/domains/refused.eu").json()

    def refuse(*args: object) -> None:
        raise BackendRefused("the registry said no")

    def away(*args: object) -> None:
        raise BackendUnavailable("connection refused")

    ns = ["ns1.other-dns.net", "ns2.other-dns.net"]
    for failure, status in ((refuse, 400), (away, 503)):
        monkeypatch.setattr(SimulatedRegistry, "set_name_servers", failure)
        monkeypatch.setattr(SimulatedRegistry, "set_auto_renew", failure)
        attempts = [
            api.put("/v2/domains/refused.eu/nameservers", {"name_servers": ns}),
            api.put("/v2/domains/refused.eu/renew", {"will_renew": False}),
        ]
        assert [r.status_code for r in attempts] == [status] * 2
    monkeypatch.undo()
    assert api.get("/v2/domains/refused.eu").json() == before


def test_a_change_we_cannot_record_puts_the_registry_back(
    api: Caller, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The registry first, then our row: when recording fails (the database away), the registry
    # gets its previous name servers and renewal back, and the request changed nothing.
    from reseller_api.backends.simulated.registry import KIND
    from reseller_api.backends.simulated.world import SimulatedStore
    from reseller_api.resources.domains import service as domains_service
    from reseller_api.store.driver import DatabaseUnavailable

    register(api, "unrecorded.eu")
    before = api.get("/v2/domains/unrecorded.eu").json()
    store = SimulatedStore(database)
    held = store.get(KIND, "unrecorded.eu")

    def away(*args: object, **kwargs: object) -> None:
        raise DatabaseUnavailable("the database went away")

    monkeypatch.setattr(domains_service, "_record", away)
    attempts = [
        api.put(
            "/v2/domains/unrecorded.eu/nameservers",
            {"name_servers": ["ns1.other-dns.net", "ns2.other-dns.net"]},
        ),
        api.put("/v2/domains/unrecorded.eu/renew", {"will_renew": not before["will_renew"]}),
    ]
    assert [r.status_code for r in attempts] == [503, 503]
    monkeypatch.undo()
    assert store.get(KIND, "unrecorded.eu") == held
    assert api.get("/v2/domains/unrecorded.eu").json() == before
