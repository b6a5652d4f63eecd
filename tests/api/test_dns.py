"""``/v2/dns/{domainName}/records``: every record type, every rule, every error path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.harness import Caller, error_codes

ZONE = "/v2/dns/example.com/records"


def codes(response: httpx.Response) -> list[str]:
    return error_codes(response)


def refusal(response: httpx.Response) -> str:
    """The top-level error code of a 400 about what the zone already holds."""
    assert response.status_code == 400, response.text
    return str(response.json()["error_code"])


# Every zone starts with its SOA and its two apex NS records (the default name servers).
ZONE_RECORDS = 3


def mine(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records a test added: all but the zone's SOA and apex NS."""
    return [r for r in records if not (r["type"] in ("SOA", "NS") and r["record_name"] == "")]


@pytest.fixture
def zone(api: Caller) -> str:
    accepted = api.post("/v2/domains/registrations", {"domain_name": "example.com", "name_servers": []})
    assert api.wait_job(accepted.headers["location"]).status_code == 201
    return ZONE


def add(api: Caller, body: dict[str, Any], zone: str = ZONE) -> dict[str, Any]:
    created = api.post(zone, {"id": "", **body})
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert location.startswith(zone + "/")
    fetched = api.get(location)
    assert fetched.status_code == 200, fetched.text
    record: dict[str, Any] = fetched.json()
    assert location.rsplit("/", 1)[1] == record["id"]
    return record


def test_a_record_round_trip(api: Caller, zone: str) -> None:
    created = api.post(zone, {"id": "", "type": "A", "record_name": "www", "content": "192.0.2.1"})
    assert created.status_code == 201
    assert created.content == b""
    record = api.get(created.headers["location"]).json()
    assert record == {
        "id": record["id"],
        "type": "A",
        "record_name": "www",
        "ttl": 3600,
        "content": "192.0.2.1",
        "service": None,
        "target": None,
        "protocol": None,
        "priority": None,
        "port": None,
        "weight": None,
    }
    assert record["id"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"type": "a", "record_name": "@", "content": "192.0.2.1"}, {"type": "A", "record_name": ""}),
        ({"type": "A", "record_name": "", "content": "192.0.2.2"}, {"record_name": ""}),
        ({"type": "A", "record_name": "WWW.Example.com.", "content": "192.0.2.3"}, {"record_name": "www"}),
        ({"type": "A", "record_name": "api.example.com", "content": "192.0.2.4"}, {"record_name": "api"}),
        ({"type": "A", "record_name": "*.dev", "content": "192.0.2.5"}, {"record_name": "*.dev"}),
        ({"type": "A", "record_name": "bücher", "content": "192.0.2.6"}, {"record_name": "bücher"}),
        ({"type": "A", "record_name": "xn--bcher-kva", "content": "192.0.2.10"}, {"record_name": "bücher"}),
        ({"type": "AAAA", "record_name": "v6", "content": "2001:DB8:0::1"}, {"content": "2001:db8::1"}),
        (
            {"type": "CNAME", "record_name": "shop", "content": "Shops.Example.net."},
            {"content": "shops.example.net"},
        ),
        ({"type": "ALIAS", "record_name": "@", "content": "lb.example.net"}, {"content": "lb.example.net"}),
        ({"type": "MX", "record_name": "", "content": "mail.example.com", "priority": 5}, {"priority": 5}),
        ({"type": "MX", "content": "mx2.example.com"}, {"priority": 10, "ttl": 3600}),
        (
            {"type": "TXT", "record_name": "_dmarc", "content": "v=DMARC1; p=none"},
            {"content": "v=DMARC1; p=none"},
        ),
        ({"type": "TXT", "content": '"quoted" "parts"'}, {"content": "quotedparts"}),
        ({"type": "CAA", "content": '0 issue "letsencrypt.org"'}, {"content": '0 issue "letsencrypt.org"'}),
        (
            {"type": "TLSA", "record_name": "_25._tcp.mail", "content": "3 1 1 " + "AB" * 32},
            {"content": "3 1 1 " + "ab" * 32},
        ),
        ({"type": "A", "record_name": "ttl", "content": "192.0.2.7", "ttl": 60}, {"ttl": 60}),
        ({"type": "A", "record_name": "ttl2", "content": "192.0.2.8", "ttl": 86400}, {"ttl": 86400}),
    ],
)
def test_valid_records_are_normalised(
    api: Caller, zone: str, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    record = add(api, body)
    for key, value in expected.items():
        assert record[key] == value, (key, record)


def test_a_full_client_model_is_accepted(api: Caller, zone: str) -> None:
    """Clients send every field of their model, with nulls and defaults that do not apply."""
    body = {
        "id": "",
        "type": "A",
        "record_name": "full",
        "ttl": 3600,
        "content": "192.0.2.9",
        "service": None,
        "target": None,
        "protocol": "TCP",
        "priority": 10,
        "port": 0,
        "weight": 0,
    }
    record = add(api, body)
    assert set(record) == set(body)
    assert [record[k] for k in ("service", "target", "protocol", "priority", "port", "weight")] == [None] * 6


def test_srv_record(api: Caller, zone: str) -> None:
    record = add(
        api, {"type": "SRV", "service": "_sip", "port": 5060, "target": "sip.example.com", "priority": 20}
    )
    assert record == {
        "id": record["id"],
        "type": "SRV",
        "record_name": "_sip._tcp",
        "ttl": 3600,
        "content": "0 5060 sip.example.com",
        "service": "_sip",
        "target": "sip.example.com",
        "protocol": "_tcp",
        "priority": 20,
        "port": 5060,
        "weight": 0,
    }
    for index, given in enumerate(("udp", "_udp", "UDP", "_UDP")):  # the YAML's form and the vendor's
        udp = add(
            api,
            {
                "type": "SRV",
                "service": f"x{index}",
                "protocol": given,
                "port": 5269,
                "target": "x.example.net",
            },
        )
        assert (udp["service"], udp["protocol"], udp["record_name"]) == (
            f"_x{index}",
            "_udp",
            f"_x{index}._udp",
        )


def test_long_txt_is_split_into_255_byte_strings(api: Caller, zone: str, app: Any) -> None:
    key = "v=DKIM1; k=rsa; p=" + "A" * 400
    record = add(api, {"type": "TXT", "record_name": "sel._domainkey", "content": key})
    assert record["content"] == key
    rrset = app.context.backends.dns.store.get("dns_rrset", "sel._domainkey.example.com/TXT")
    [rdata] = rrset["rdatas"]
    assert rdata == f'"{key[:255]}" "{key[255:]}"'
    quoted = add(api, {"type": "TXT", "record_name": "q", "content": 'say "hi"'})
    rrset = app.context.backends.dns.store.get("dns_rrset", "q.example.com/TXT")
    assert rrset["rdatas"] == ['"say \\"hi\\""']
    assert quoted["content"] == 'say "hi"'


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"content": "192.0.2.1"}, "dns_record_type_required"),
        ({"type": "PTR", "content": "host.example.net"}, "dns_record_type_invalid"),
        ({"type": "NS", "record_name": "sub", "content": "not a host"}, "dns_record_content_invalid"),
        ({"type": "A", "content": "192.0.2.300"}, "dns_record_content_invalid"),
        ({"type": "A", "content": "2001:db8::1"}, "dns_record_content_invalid"),
        ({"type": "A"}, "dns_record_content_required"),
        ({"type": "A", "content": " "}, "dns_record_content_required"),
        ({"type": "AAAA", "content": "192.0.2.1"}, "dns_record_content_invalid"),
        ({"type": "CNAME", "record_name": "x", "content": "not a host"}, "dns_record_content_invalid"),
        ({"type": "CNAME", "record_name": "x", "content": "single"}, "dns_record_content_invalid"),
        ({"type": "MX", "content": "mail_server.example.com"}, "dns_record_content_invalid"),
        ({"type": "MX", "content": "mail.example.com", "priority": 10000}, "dns_record_priority_invalid"),
        ({"type": "MX", "content": "mail.example.com", "priority": -1}, "dns_record_priority_invalid"),
        ({"type": "TXT", "content": "x" * 5000}, "dns_record_content_invalid"),
        ({"type": "TXT", "content": '"unterminated'}, "dns_record_content_invalid"),
        ({"type": "TLSA", "content": "3 1 1 abcd"}, "dns_record_content_invalid"),
        ({"type": "TLSA", "content": "4 1 1 " + "ab" * 32}, "dns_record_content_invalid"),
        ({"type": "CAA", "content": "0 issue"}, "dns_record_content_invalid"),
        ({"type": "A", "content": "192.0.2.1", "ttl": 59}, "dns_record_ttl_invalid"),
        ({"type": "A", "content": "192.0.2.1", "ttl": 86401}, "dns_record_ttl_invalid"),
        ({"type": "A", "record_name": "bad name", "content": "192.0.2.1"}, "dns_record_name_invalid"),
        ({"type": "A", "record_name": "-bad", "content": "192.0.2.1"}, "dns_record_name_invalid"),
        ({"type": "A", "record_name": "a." * 130, "content": "192.0.2.1"}, "dns_record_name_invalid"),
        ({"type": "A", "record_name": "www.other.org.", "content": "192.0.2.1"}, "dns_record_name_invalid"),
        ({"type": "A", "record_name": "x" * 64, "content": "192.0.2.1"}, "dns_record_name_invalid"),
        ({"type": "SRV", "port": 5060, "target": "sip.example.com"}, "dns_srv_service_invalid"),
        ({"type": "SRV", "service": "_sip", "target": "sip.example.com"}, "dns_srv_port_invalid"),
        ({"type": "SRV", "service": "_sip", "port": 0, "target": "sip.example.com"}, "dns_srv_port_invalid"),
        (
            {"type": "SRV", "service": "_sip", "port": 65536, "target": "sip.example.com"},
            "dns_srv_port_invalid",
        ),
        ({"type": "SRV", "service": "_sip", "port": 5060}, "dns_srv_target_invalid"),
        (
            {"type": "SRV", "service": "_sip", "port": 5060, "target": "sip.example.com", "weight": -1},
            "dns_srv_weight_invalid",
        ),
        (
            {"type": "SRV", "service": "_sip", "port": 5060, "target": "sip.example.com", "protocol": "SCTP"},
            "dns_srv_protocol_invalid",
        ),
        (
            {"type": "SRV", "service": "_s p", "port": 5060, "target": "sip.example.com"},
            "dns_srv_service_invalid",
        ),
        ({"type": "CNAME", "record_name": "@", "content": "other.example.net"}, "dns_cname_at_apex"),
        ({"type": "A", "content": "192.0.2.1", "ttl": "soon"}, "request_body_invalid"),
    ],
)
def test_invalid_records_get_400_and_change_nothing(
    api: Caller, zone: str, body: dict[str, Any], code: str
) -> None:
    response = api.post(zone, body)
    assert response.status_code == 400, response.text
    assert code in codes(response), response.text
    assert mine(api.get(zone).json()) == []


def test_zone_rules(api: Caller, zone: str) -> None:
    add(api, {"type": "A", "record_name": "www", "content": "192.0.2.1"})
    same = api.post(zone, {"type": "A", "record_name": "WWW", "content": "192.0.2.1", "ttl": 60})
    assert refusal(same) == "dns_record_duplicate"
    add(api, {"type": "A", "record_name": "www", "content": "192.0.2.2"})  # a second address is fine
    cname = api.post(zone, {"type": "CNAME", "record_name": "www", "content": "host.example.net"})
    assert refusal(cname) == "dns_cname_conflict"
    add(api, {"type": "CNAME", "record_name": "blog", "content": "host.example.net"})
    beside = api.post(zone, {"type": "TXT", "record_name": "blog", "content": "hello"})
    assert refusal(beside) == "dns_cname_conflict"
    second = api.post(zone, {"type": "CNAME", "record_name": "blog", "content": "other.example.net"})
    assert refusal(second) == "dns_cname_conflict"
    add(api, {"type": "ALIAS", "record_name": "@", "content": "lb.example.net"})
    address = api.post(zone, {"type": "A", "record_name": "@", "content": "192.0.2.9"})
    assert refusal(address) == "dns_alias_conflict"
    add(api, {"type": "MX", "record_name": "@", "content": "mail.example.com"})
    dup_mx = api.post(zone, {"type": "MX", "content": "MAIL.example.com.", "priority": 10})
    assert refusal(dup_mx) == "dns_record_duplicate"
    add(api, {"type": "MX", "content": "mail.example.com", "priority": 20})  # other priority, other record


def test_edit_record(api: Caller, zone: str) -> None:
    record = add(api, {"type": "A", "record_name": "www", "content": "192.0.2.1"})
    url = f"{zone}/{record['id']}"
    edited = api.put(url, {**record, "content": "192.0.2.50", "ttl": 600})
    assert edited.status_code == 200, edited.text
    assert edited.json() == {**record, "content": "192.0.2.50", "ttl": 600}
    assert api.get(url).json() == edited.json()
    partial = api.put(url, {"record_name": "web"})
    assert partial.json() == {**record, "record_name": "web", "content": "192.0.2.50", "ttl": 600}
    assert codes(api.put(url, {"type": "AAAA"})) == ["dns_record_type_immutable"]
    assert codes(api.put(url, {"content": "nope"})) == ["dns_record_content_invalid"]
    assert codes(api.put(url, {"ttl": 10})) == ["dns_record_ttl_invalid"]
    assert api.get(url).json()["content"] == "192.0.2.50"
    # Editing into a conflict is refused like creating one.
    add(api, {"type": "CNAME", "record_name": "alias", "content": "host.example.net"})
    assert refusal(api.put(url, {"record_name": "alias"})) == "dns_cname_conflict"
    # Saving a record unchanged is not a duplicate of itself.
    assert api.put(url, api.get(url).json()).status_code == 200


def test_srv_service_and_protocol_cannot_be_edited(api: Caller, zone: str) -> None:
    record = add(api, {"type": "SRV", "service": "_sip", "port": 5060, "target": "sip.example.com"})
    url = f"{zone}/{record['id']}"
    assert codes(api.put(url, {"service": "_xmpp"})) == ["dns_srv_service_immutable"]
    assert codes(api.put(url, {"protocol": "UDP"})) == ["dns_srv_service_immutable"]
    moved = api.put(url, {**record, "port": 5061, "target": "sip2.example.com", "weight": 5})
    assert moved.status_code == 200, moved.text
    assert moved.json()["port"] == 5061
    assert moved.json()["weight"] == 5
    assert moved.json()["service"] == "_sip"


def test_delete_record_and_positions_stay_dense(api: Caller, zone: str) -> None:
    ids = [
        add(api, {"type": "A", "record_name": f"h{i}", "content": f"192.0.2.{i}"})["id"] for i in range(1, 6)
    ]
    assert api.delete(f"{zone}/{ids[1]}").status_code == 204
    assert api.get(f"{zone}/{ids[1]}").json()["error_code"] == "dns_record_not_found"
    assert api.delete(f"{zone}/{ids[1]}").status_code == 404
    listing = api.get(zone)
    assert [r["id"] for r in mine(listing.json())] == [ids[0], *ids[2:]]
    assert listing.headers["x-paging-totalresults"] == str(ZONE_RECORDS + 4)
    page = api.get(f"{zone}?skip={ZONE_RECORDS + 2}&take=2")
    assert [r["id"] for r in page.json()] == ids[3:5]
    assert page.headers["x-paging-take"] == "2"
    assert api.get(f"{zone}?skip={ZONE_RECORDS + 4}").json() == []


def test_filters(api: Caller, zone: str) -> None:
    add(api, {"type": "A", "record_name": "www", "content": "192.0.2.1"})
    add(api, {"type": "A", "record_name": "api", "content": "192.0.2.2"})
    add(api, {"type": "TXT", "record_name": "www", "content": "hello"})
    add(api, {"type": "MX", "content": "mail.example.com"})
    add(api, {"type": "SRV", "service": "_sip", "port": 5060, "target": "sip.example.com"})
    add(api, {"type": "SRV", "service": "_xmpp", "port": 5222, "target": "x.example.com"})

    def names(query: str) -> list[tuple[str, str]]:
        response = api.get(f"{zone}?{query}" if query else zone)
        assert response.status_code == 200, response.text
        assert response.headers["x-paging-totalresults"] == str(len(response.json()))
        return [(r["type"], r["record_name"]) for r in response.json()]

    assert len(names("")) == ZONE_RECORDS + 6
    assert names("type=A") == [("A", "www"), ("A", "api")]
    assert names("type=a&record_name=WWW") == [("A", "www")]
    assert names("type=A&record_name=www.example.com.") == [("A", "www")]
    assert names("type=TXT&record_name=www") == [("TXT", "www")]
    assert names("record_name=www") == names("")  # other filters only apply with type
    assert names("type=MX&record_name=nothing") == [("MX", "")]  # record_name does not apply to MX
    assert names("type=SRV&service=_sip") == [("SRV", "_sip._tcp")]
    assert names("type=SRV&service=xmpp") == [("SRV", "_xmpp._tcp")]
    assert names("type=A&record_name=bad%20name") == []
    assert codes(api.get(f"{zone}?type=BOGUS")) == ["dns_record_filter_type_invalid"]
    page = api.get(f"{zone}?type=A&skip=1&take=1")
    assert [r["record_name"] for r in page.json()] == ["api"]
    assert page.headers["x-paging-totalresults"] == "2"


def test_domain_in_path_is_case_insensitive_and_may_be_idn(api: Caller) -> None:
    accepted = api.post("/v2/domains/registrations", {"domain_name": "bücher.be"})
    assert api.wait_job(accepted.headers["location"]).status_code == 201
    created = api.post("/v2/dns/B%C3%BCCHER.be/records", {"type": "A", "content": "192.0.2.1"})
    assert created.status_code == 201, created.text
    assert created.headers["location"].startswith("/v2/dns/xn--bcher-kva.be/records/")
    assert len(mine(api.get("/v2/dns/XN--BCHER-KVA.BE/records").json())) == 1
    assert len(mine(api.get("/v2/dns/xn--bcher-kva.be/records/").json())) == 1  # trailing slash


def test_account_zone_is_managed_too(api: Caller) -> None:
    accepted = api.post("/v2/accounts", {"identifier": "hosted.be", "servicepack_id": 4})
    assert api.wait_job(accepted.headers["location"]).status_code == 201
    add(api, {"type": "A", "content": "192.0.2.1"}, zone="/v2/dns/hosted.be/records")


def test_other_resellers_and_unknown_zones_get_404(api: Caller, other_api: Caller, zone: str) -> None:
    record = add(api, {"type": "A", "record_name": "www", "content": "192.0.2.1"})
    url = f"{zone}/{record['id']}"
    for response in (
        other_api.get(zone),
        other_api.post(zone, {"type": "A", "content": "192.0.2.2"}),
        other_api.get(url),
        other_api.put(url, {"content": "192.0.2.3"}),
        other_api.delete(url),
        api.get("/v2/dns/unknown.com/records"),
        api.get("/v2/dns/not%20a%20domain/records"),
    ):
        assert response.status_code == 404, response.text
    assert other_api.get(zone).json()["error_code"] == "dns_zone_not_found"
    assert api.get(url).json() == record
    for bad_id in ("nope", "0-1", f"{record['id']}0", "1-99999999999999999999"):
        assert api.get(f"{zone}/{bad_id}").json()["error_code"] == "dns_record_not_found"
