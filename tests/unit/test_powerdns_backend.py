"""The PowerDNS backend's pure parts: names and contents as PowerDNS wants them, and how each
HTTP answer maps to our two exceptions (an httpx mock transport stands in for the server here
only; the behaviour against a real PowerDNS is in tests/integration/test_backend_powerdns.py)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import httpx
import pytest

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.powerdns import PowerDnsBackend, fqdn, owner_fqdn, record_content, rrset_change
from reseller_api.settings import Settings

KEY = "unit-secret-key"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("example.com", "example.com."),
        ("Example.COM.", "example.com."),
        ("bücher.be", "xn--bcher-kva.be."),
        ("xn--bcher-kva.be", "xn--bcher-kva.be."),
    ],
)
def test_names_are_absolute_lowercase_a_labels(name: str, expected: str) -> None:
    assert fqdn(name) == expected


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        ("@", "example.com."),
        ("", "example.com."),
        ("www", "www.example.com."),
        ("*.dev", "*.dev.example.com."),
        ("_sip._tcp", "_sip._tcp.example.com."),
        ("other.example.com.", "other.example.com."),
    ],
)
def test_owner_names_are_made_absolute_in_the_zone(owner: str, expected: str) -> None:
    assert owner_fqdn("example.com", owner) == expected


@pytest.mark.parametrize(
    ("rdtype", "rdata", "expected"),
    [
        ("MX", "10 mail.example.net.", "10 mail.example.net."),
        ("MX", "10 mail", "10 mail.example.com."),
        ("MX", "10 @", "10 example.com."),
        ("SRV", "10 20 5060 sip.example.net.", "10 20 5060 sip.example.net."),
        ("SRV", "10 20 5060 sip", "10 20 5060 sip.example.com."),
        ("CNAME", "shops.example.net.", "shops.example.net."),
        ("CNAME", "shop", "shop.example.com."),
        ("ALIAS", "lb.example.net", "lb.example.net.example.com."),
        ("ALIAS", "lb.example.net.", "lb.example.net."),
        ("TXT", '"v=spf1 -all"', '"v=spf1 -all"'),
        ("TXT", '"a" "b"', '"a" "b"'),
        ("TXT", 'say "hi"', '"say \\"hi\\""'),
        ("A", "192.0.2.1", "192.0.2.1"),
        ("CAA", '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'),
        ("TLSA", "3 1 1 abcd", "3 1 1 abcd"),
    ],
)
def test_contents_are_what_powerdns_accepts(rdtype: str, rdata: str, expected: str) -> None:
    assert record_content("example.com.", rdtype, rdata) == expected


def test_rrset_change_replaces_the_whole_set_or_deletes_it() -> None:
    change = rrset_change("example.com.", "www", "A", 300, ["192.0.2.2", "192.0.2.1", "192.0.2.1"])
    assert change == {
        "name": "www.example.com.",
        "type": "A",
        "ttl": 300,
        "changetype": "REPLACE",
        "records": [
            {"content": "192.0.2.1", "disabled": False},
            {"content": "192.0.2.2", "disabled": False},
        ],
    }
    assert rrset_change("example.com.", "@", "MX", 300, []) == {
        "name": "example.com.",
        "type": "MX",
        "changetype": "DELETE",
    }


# -- requests and error mapping ------------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def backend(handler: Handler, server_id: str = "localhost") -> PowerDnsBackend:
    settings = dataclasses.replace(
        Settings(),
        dns_backend="powerdns",
        powerdns_url="http://pdns.test:8081/",
        powerdns_api_key=KEY,
        powerdns_server_id=server_id,
    )
    return PowerDnsBackend(settings, transport=httpx.MockTransport(handler))


def test_requests_carry_the_key_header_and_the_server_path() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    backend(handler).replace_rrset("example.com", "www", "A", 60, ["192.0.2.1"])
    (request,) = seen
    assert request.method == "PATCH"
    assert request.url == "http://pdns.test:8081/api/v1/servers/localhost/zones/example.com."
    assert request.headers["X-API-Key"] == KEY
    assert json.loads(request.content)["rrsets"][0]["changetype"] == "REPLACE"


def test_a_missing_zone_is_created_native_with_soa_and_ns() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404 if request.method == "GET" else 201, json={})

    backend(handler).ensure_zone("example.com", ("ns1.example.net", "ns2.example.net"))
    assert [r.method for r in seen] == ["GET", "POST"]
    body = json.loads(seen[1].content)
    assert body["name"] == "example.com."
    assert body["kind"] == "Native"
    assert body["soa_edit_api"] == ""  # the serial is ours: PowerDNS must not rewrite it
    soa, ns = body["rrsets"]
    assert soa["records"][0]["content"] == (
        "ns1.example.net. hostmaster.example.com. 0 10800 3600 604800 3600"
    )
    assert [r["content"] for r in ns["records"]] == ["ns1.example.net.", "ns2.example.net."]


def test_a_zone_created_concurrently_is_converged_not_an_error() -> None:
    calls: list[str] = []
    apex = {
        "rrsets": [
            {"name": "example.com.", "type": "NS", "records": [{"content": "ns9.example.net."}]},
            {
                "name": "example.com.",
                "type": "SOA",
                "records": [{"content": "ns9.example.net. hostmaster.example.com. 7 10800 3600 604800 3600"}],
            },
        ]
    }

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "GET":
            return httpx.Response(404) if calls.count("GET") == 1 else httpx.Response(200, json=apex)
        if request.method == "POST":
            return httpx.Response(409, text="Conflict")
        body = json.loads(request.content)
        soa = next(r for r in body["rrsets"] if r["type"] == "SOA")
        assert soa["records"][0]["content"].split()[:3] == [
            "ns1.example.net.",
            "hostmaster.example.com.",
            "8",
        ]
        return httpx.Response(204)

    backend(handler).ensure_zone("example.com", ("ns1.example.net", "ns2.example.net"))
    assert calls == ["GET", "POST", "GET", "PATCH"]


def test_422_is_refused_with_powerdns_reason() -> None:
    reason = "Record v6.example.com./AAAA '::ffff:192.0.2.1': Invalid IPv6 address"
    pdns = backend(lambda request: httpx.Response(422, json={"error": reason}))
    with pytest.raises(BackendRefused) as raised:
        pdns.replace_rrset("example.com", "v6", "AAAA", 60, ["::ffff:192.0.2.1"])
    assert str(raised.value) == reason


def test_404_on_remove_is_fine_but_on_a_record_change_is_refused() -> None:
    pdns = backend(lambda request: httpx.Response(404, text="Not Found"))
    pdns.remove_zone("example.com")
    with pytest.raises(BackendRefused, match=r"zone example\.com\. does not exist"):
        pdns.replace_rrset("example.com", "www", "A", 60, ["192.0.2.1"])


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_are_unavailable(status: int) -> None:
    pdns = backend(lambda request: httpx.Response(status, json={"error": "database is locked"}))
    with pytest.raises(BackendUnavailable, match=str(status)):
        pdns.remove_zone("example.com")


@pytest.mark.parametrize("status", [401, 403])
def test_a_rejected_key_is_unavailable_and_never_quoted(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    pdns = backend(lambda request: httpx.Response(status, text="Unauthorized"))
    with pytest.raises(BackendUnavailable) as raised:
        pdns.remove_zone("example.com")
    assert KEY not in str(raised.value)
    assert KEY not in caplog.text
    assert "credentials" in str(raised.value)


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.DecodingError("malformed gzip"),
        httpx.TooManyRedirects("redirect loop"),
    ],
)
def test_transport_failures_are_unavailable(error: httpx.HTTPError) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(BackendUnavailable, match="DNS server"):
        backend(handler).ensure_zone("example.com", ("ns1.example.net", "ns2.example.net"))


def test_other_client_errors_are_refused_with_the_body_text() -> None:
    pdns = backend(lambda request: httpx.Response(400, text="Bad Request: no rrsets"))
    with pytest.raises(BackendRefused, match="no rrsets"):
        pdns.replace_rrset("example.com", "www", "A", 60, ["192.0.2.1"])


def test_the_server_id_is_part_of_the_path() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(204)

    backend(handler, server_id="pdns-1").remove_zone("example.com")
    assert seen == ["http://pdns.test:8081/api/v1/servers/pdns-1/zones/example.com."]


def test_served_rrset_asks_for_one_rrset_and_reads_its_enabled_records() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "rrsets": [
                    {
                        "name": "_abc.example.com.",
                        "type": "CNAME",
                        "records": [
                            {"content": "target.dcv.invalid.", "disabled": False},
                            {"content": "old.dcv.invalid.", "disabled": True},
                        ],
                    },
                    {"name": "example.com.", "type": "SOA", "records": [{"content": "ignored"}]},
                ]
            },
        )

    assert backend(handler).served_rrset("example.com", "_abc", "CNAME") == ["target.dcv.invalid."]
    (request,) = seen
    assert request.url.params["rrset_name"] == "_abc.example.com."
    assert request.url.params["rrset_type"] == "CNAME"
    assert (
        backend(lambda r: httpx.Response(404, json={"error": "Not Found"})).served_rrset(
            "example.com", "_abc", "CNAME"
        )
        == []
    )
    with pytest.raises(BackendUnavailable):
        backend(lambda r: httpx.Response(503, json={"error": "down"})).served_rrset(
            "example.com", "_abc", "CNAME"
        )
