"""The PowerDNS backend against a real PowerDNS Authoritative server, through our API.

One private ``pdns_server`` (gsqlite3, a throw-away directory, free ports on 127.0.0.1) serves
the whole module; each test uses its own domain names. Records go in through the signed API and
come out over DNS (dnspython, UDP): what a resolver would see.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import httpx
import idna
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import bindparam, select

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.powerdns import PowerDnsBackend
from reseller_api.jobs import runner
from reseller_api.resources.sslcertificates import validations
from reseller_api.settings import Settings
from reseller_api.store.database import Query
from reseller_api.store.tables import resellers, ssl_certificate_requests
from tests.api.test_sslcertificates import make_csr
from tests.harness import Caller
from tests.integration.realservers import free_port, require_binary

API_KEY = "test-pdns-key-0123456789"
START_TIMEOUT = 15.0
SCHEMAS = (
    Path("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"),
    Path("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"),
)


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class PowerDns:
    """A private pdns_server process; ``stop()`` and ``start()`` again keep its database."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.database = workdir / "pdns.sqlite3"
        schema = next((p for p in SCHEMAS if p.exists()), None)
        if schema is None:
            pytest.fail("pdns-backend-sqlite3 is installed but its schema.sqlite3.sql is not found")
        with contextlib.closing(sqlite3.connect(self.database)) as conn:
            conn.executescript(schema.read_text())
        self.dns_port = free_port()
        while not _udp_free(self.dns_port):  # pdns binds UDP and TCP on the same port
            self.dns_port = free_port()
        self.api_port = free_port()
        self.url = f"http://127.0.0.1:{self.api_port}"
        self.log = workdir / "pdns.log"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [
            self.binary,
            "--no-config",
            "--daemon=no",
            "--guardian=no",
            "--disable-syslog",
            "--write-pid=no",
            f"--socket-dir={self.workdir}",
            "--local-address=127.0.0.1",
            f"--local-port={self.dns_port}",
            "--launch=gsqlite3",
            f"--gsqlite3-database={self.database}",
            "--api=yes",
            f"--api-key={API_KEY}",
            "--webserver=yes",
            "--webserver-address=127.0.0.1",
            f"--webserver-port={self.api_port}",
            "--webserver-allow-from=127.0.0.1",
            "--security-poll-suffix=",  # no DNS query to the Internet at start
            "--loglevel=4",
        ]

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while True:
                if self.process.poll() is not None:
                    pytest.fail(f"pdns_server exited with {self.process.returncode}:\n{self.log.read_text()}")
                with contextlib.suppress(httpx.TransportError):
                    answer = client.get(
                        f"{self.url}/api/v1/servers/localhost", headers={"X-API-Key": API_KEY}
                    )
                    if answer.status_code == 200:
                        return
                if time.monotonic() > deadline:
                    pytest.fail(f"pdns_server not ready after {START_TIMEOUT}s:\n{self.log.read_text()}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def query(self, name: str, rdtype: str) -> tuple[str, list[str]]:
        """(rcode, sorted answer rdatas) for ``name``/``rdtype``, asked over UDP."""
        message = dns.message.make_query(name, rdtype)
        response = dns.query.udp(message, "127.0.0.1", port=self.dns_port, timeout=3.0)
        wanted = dns.rdatatype.from_text(rdtype)
        answers = [rd.to_text() for rrset in response.answer if rrset.rdtype == wanted for rd in rrset]
        return dns.rcode.to_text(response.rcode()), sorted(answers)

    def answers(self, name: str, rdtype: str) -> list[str]:
        rcode, answers = self.query(name, rdtype)
        assert rcode == "NOERROR", f"{name} {rdtype}: {rcode}"
        return answers

    def zone(self, name: str) -> httpx.Response:
        with httpx.Client(timeout=5.0, trust_env=False) as client:
            return client.get(
                f"{self.url}/api/v1/servers/localhost/zones/{name}.", headers={"X-API-Key": API_KEY}
            )


@pytest.fixture(scope="module")
def pdns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PowerDns]:
    server = PowerDns(require_binary("pdns_server"), tmp_path_factory.mktemp("pdns"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def running_pdns(pdns: PowerDns) -> Iterator[PowerDns]:
    """The module's server, started again at teardown if a test stopped it."""
    yield pdns
    if pdns.process is None:
        pdns.start()


@pytest.fixture
def settings(settings: Settings, pdns: PowerDns) -> Settings:
    """The suite's settings with the DNS backend on our PowerDNS (everything else simulated)."""
    return dataclasses.replace(
        settings, dns_backend="powerdns", powerdns_url=pdns.url, powerdns_api_key=API_KEY
    )


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Transient failures retried after 0.3 s instead of 2, 4, 8 s: same runner, shorter waits."""
    monkeypatch.setattr(runner, "retry_delay", lambda attempts: 0.3)


def register(api: Caller, domain: str) -> httpx.Response:
    accepted = api.post("/v2/domains/registrations", {"domain_name": domain, "name_servers": []})
    assert accepted.status_code == 202, accepted.text
    return accepted


def add(api: Caller, domain: str, body: dict[str, Any]) -> str:
    created = api.post(f"/v2/dns/{domain}/records", {"id": "", **body})
    assert created.status_code == 201, created.text
    return str(created.headers["location"])


def errors(response: httpx.Response) -> list[tuple[str, str]]:
    return [(e["error_code"], e["error_text"]) for e in response.json()["validation_errors"]]


def list_records(api: Caller, domain: str) -> list[dict[str, Any]]:
    response = api.get(f"/v2/dns/{domain}/records?take=1000")
    assert response.status_code == 200, response.text
    return list(response.json())


# -- zones -------------------------------------------------------------------------------------


def test_registered_domain_gets_a_zone_with_soa_and_ns(
    api: Caller, pdns: PowerDns, settings: Settings
) -> None:
    done = api.wait_job(register(api, "zone-made.com").headers["location"])
    assert done.status_code == 201, done.text
    ns = sorted(f"{host}." for host in settings.name_servers)
    assert pdns.answers("zone-made.com", "NS") == ns
    (soa,) = pdns.answers("zone-made.com", "SOA")
    primary, contact, serial, *timers = soa.split()
    assert primary == f"{settings.name_servers[0]}."
    assert contact == "hostmaster.zone-made.com."
    assert int(serial) > 0
    assert timers == ["10800", "3600", "604800", "3600"]
    zone = pdns.zone("zone-made.com").json()
    assert zone["kind"] == "Native"
    assert zone["soa_edit_api"] == ""  # the serial is ours, so the list shows what PowerDNS serves


def test_the_record_list_shows_the_soa_and_ns_powerdns_serves(api: Caller, pdns: PowerDns) -> None:
    domain = "listed-apex.com"
    assert api.wait_job(register(api, domain).headers["location"]).status_code == 201

    def listed(rtype: str) -> list[str]:
        return sorted(r["content"] for r in list_records(api, domain) if r["type"] == rtype)

    def served(rtype: str) -> list[str]:
        return [answer.replace(". ", " ").rstrip(".") for answer in pdns.answers(domain, rtype)]

    assert listed("SOA") == served("SOA")
    assert listed("NS") == served("NS")
    serial = int(listed("SOA")[0].split()[2])
    add(api, domain, {"type": "A", "record_name": "www", "content": "192.0.2.1"})
    assert listed("SOA") == served("SOA")  # the serial moved, in both
    assert int(listed("SOA")[0].split()[2]) > serial
    first = next(r for r in list_records(api, domain) if r["type"] == "NS")
    add(api, domain, {"type": "NS", "record_name": "", "content": "ns3.example.net"})
    assert api.delete(f"/v2/dns/{domain}/records/{first['id']}").status_code == 204
    assert listed("NS") == served("NS")
    assert len(served("NS")) == 2
    assert listed("SOA") == served("SOA")


def test_account_with_dns_asset_gets_a_zone(api: Caller, pdns: PowerDns) -> None:
    accepted = api.post(
        "/v2/accounts", {"identifier": "account-zone.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
    )
    assert accepted.status_code == 202, accepted.text
    assert api.wait_job(accepted.headers["location"]).status_code == 201
    assert len(pdns.answers("account-zone.com", "NS")) == 2
    add(api, "account-zone.com", {"type": "A", "record_name": "www", "content": "192.0.2.80"})
    assert pdns.answers("www.account-zone.com", "A") == ["192.0.2.80"]


def test_idn_zone_is_stored_as_a_labels(api: Caller, pdns: PowerDns) -> None:
    zone = idna.encode("bücher-pdns.com", uts46=True).decode()
    assert zone.startswith("xn--")
    assert api.wait_job(register(api, "bücher-pdns.com").headers["location"]).status_code == 201
    assert pdns.zone(zone).status_code == 200
    add(api, "bücher-pdns.com", {"type": "A", "record_name": "café", "content": "192.0.2.9"})
    assert pdns.answers(f"xn--caf-dma.{zone}", "A") == ["192.0.2.9"]


# -- records -----------------------------------------------------------------------------------


def test_records_added_edited_and_deleted_through_the_api_answer_over_dns(
    api: Caller, pdns: PowerDns
) -> None:
    domain = "records.com"
    assert api.wait_job(register(api, domain).headers["location"]).status_code == 201
    www = add(api, domain, {"type": "A", "record_name": "www", "content": "192.0.2.1"})
    add(api, domain, {"type": "A", "record_name": "www", "content": "192.0.2.2", "ttl": 60})
    mx = add(api, domain, {"type": "MX", "record_name": "@", "content": "mail.records.com", "priority": 5})
    txt = add(api, domain, {"type": "TXT", "record_name": "@", "content": 'v=spf1 mx "-all"'})
    add(api, domain, {"type": "TXT", "record_name": "@", "content": "plain text; second"})
    srv = add(
        api,
        domain,
        {
            "type": "SRV",
            "service": "_sip",
            "protocol": "TCP",
            "priority": 10,
            "weight": 20,
            "port": 5060,
            "target": "sip.records.com",
        },
    )
    add(api, domain, {"type": "CNAME", "record_name": "shop", "content": "shops.example.net"})
    add(api, domain, {"type": "AAAA", "record_name": "v6", "content": "2001:db8::1"})
    add(api, domain, {"type": "CAA", "record_name": "@", "content": '0 issue "letsencrypt.org"'})
    add(api, domain, {"type": "TLSA", "record_name": "_25._tcp.mail", "content": "3 1 1 " + "ab" * 32})
    add(api, domain, {"type": "ALIAS", "record_name": "lb", "content": "lb.example.net"})

    assert pdns.answers("www.records.com", "A") == ["192.0.2.1", "192.0.2.2"]
    assert pdns.answers("records.com", "MX") == ["5 mail.records.com."]
    assert pdns.answers("records.com", "TXT") == ['"plain text; second"', '"v=spf1 mx \\"-all\\""']
    assert pdns.answers("_sip._tcp.records.com", "SRV") == ["10 20 5060 sip.records.com."]
    assert pdns.answers("shop.records.com", "CNAME") == ["shops.example.net."]
    assert pdns.answers("v6.records.com", "AAAA") == ["2001:db8::1"]
    assert pdns.answers("records.com", "CAA") == ['0 issue "letsencrypt.org"']
    assert pdns.answers("_25._tcp.mail.records.com", "TLSA") == ["3 1 1 " + "ab" * 32]
    # ALIAS is stored as given; answering A for it is PowerDNS's expand-alias (off here).
    rrsets = {(r["name"], r["type"]): r for r in pdns.zone(domain).json()["rrsets"]}
    assert [r["content"] for r in rrsets["lb.records.com.", "ALIAS"]["records"]] == ["lb.example.net."]
    # An RRset has one TTL: the smallest of its records'.
    assert rrsets["www.records.com.", "A"]["ttl"] == 60

    edited = api.put(www, {"content": "198.51.100.7", "record_name": "web"})
    assert edited.status_code == 200, edited.text
    assert pdns.answers("www.records.com", "A") == ["192.0.2.2"]
    assert pdns.answers("web.records.com", "A") == ["198.51.100.7"]
    assert api.put(mx, {"content": "mx2.records.com", "priority": 20}).status_code == 200
    assert pdns.answers("records.com", "MX") == ["20 mx2.records.com."]
    assert api.put(srv, {"port": 5061, "weight": 0}).status_code == 200
    assert pdns.answers("_sip._tcp.records.com", "SRV") == ["10 0 5061 sip.records.com."]

    assert api.delete(txt).status_code == 204
    assert pdns.answers("records.com", "TXT") == ['"plain text; second"']
    assert api.delete(srv).status_code == 204
    rcode, answers = pdns.query("_sip._tcp.records.com", "SRV")
    assert (rcode, answers) == ("NXDOMAIN", [])
    assert api.delete(mx).status_code == 204
    assert pdns.answers("records.com", "MX") == []


def test_a_record_powerdns_refuses_is_a_400_and_changes_nothing(api: Caller, pdns: PowerDns) -> None:
    """Our validation (dnspython) takes an IPv4-mapped AAAA; PowerDNS does not."""
    domain = "refused.com"
    assert api.wait_job(register(api, domain).headers["location"]).status_code == 201
    kept = add(api, domain, {"type": "AAAA", "record_name": "v6", "content": "2001:db8::1"})
    before = list_records(api, domain)

    refused = api.post(
        f"/v2/dns/{domain}/records", {"type": "AAAA", "record_name": "v6", "content": "::ffff:192.0.2.1"}
    )
    assert refused.status_code == 400, refused.text
    ((code, text),) = errors(refused)
    assert code == "backend_refused"
    assert "Invalid IPv6 address" in text
    assert API_KEY not in refused.text
    assert list_records(api, domain) == before
    assert pdns.answers("v6.refused.com", "AAAA") == ["2001:db8::1"]

    edit = api.put(kept, {"content": "::ffff:192.0.2.1"})
    assert edit.status_code == 400, edit.text
    assert errors(edit)[0][0] == "backend_refused"
    assert list_records(api, domain) == before
    assert pdns.answers("v6.refused.com", "AAAA") == ["2001:db8::1"]

    # Our own validation stays first: PowerDNS never sees what we refuse ourselves.
    ours = api.post(f"/v2/dns/{domain}/records", {"type": "AAAA", "record_name": "v6", "content": "nope"})
    assert ours.status_code == 400
    assert errors(ours)[0][0] == "dns_record_content_invalid"


def test_moving_a_record_that_powerdns_refuses_at_its_new_name_restores_both_rrsets(
    api: Caller, pdns: PowerDns
) -> None:
    domain = "moved.com"
    assert api.wait_job(register(api, domain).headers["location"]).status_code == 201
    first = add(api, domain, {"type": "AAAA", "record_name": "a", "content": "2001:db8::1"})
    add(api, domain, {"type": "AAAA", "record_name": "a", "content": "2001:db8::2"})
    add(api, domain, {"type": "AAAA", "record_name": "b", "content": "2001:db8::b"})
    before = list_records(api, domain)
    # "a" is pushed first (it sorts first) and accepted without this record; "b" is refused.
    moved = api.put(first, {"record_name": "b", "content": "::ffff:192.0.2.1"})
    assert moved.status_code == 400, moved.text
    assert list_records(api, domain) == before
    assert pdns.answers("a.moved.com", "AAAA") == ["2001:db8::1", "2001:db8::2"]
    assert pdns.answers("b.moved.com", "AAAA") == ["2001:db8::b"]


def test_powerdns_down_during_a_record_change_is_a_503_and_changes_nothing(
    api: Caller, running_pdns: PowerDns
) -> None:
    pdns, domain = running_pdns, "outage-records.com"
    assert api.wait_job(register(api, domain).headers["location"]).status_code == 201
    kept = add(api, domain, {"type": "A", "record_name": "www", "content": "192.0.2.1"})
    before = list_records(api, domain)
    pdns.stop()
    added = api.post(f"/v2/dns/{domain}/records", {"type": "A", "record_name": "new", "content": "192.0.2.5"})
    assert added.status_code == 503, added.text
    assert added.json()["error_code"] == "backend_unavailable"
    assert api.delete(kept).status_code == 503
    assert list_records(api, domain) == before
    pdns.start()
    assert pdns.answers("www.outage-records.com", "A") == ["192.0.2.1"]
    assert api.delete(kept).status_code == 204
    assert pdns.query("www.outage-records.com", "A")[0] == "NXDOMAIN"


# -- a backend that goes away during a job ---------------------------------------------------------


def test_job_retries_while_powerdns_is_down_and_converges_when_it_is_back(
    api: Caller, running_pdns: PowerDns, fast_retries: None, caplog: pytest.LogCaptureFixture
) -> None:
    pdns, domain = running_pdns, "outage-job.com"
    pdns.stop()
    location = register(api, domain).headers["location"]
    time.sleep(0.8)  # a few attempts, each refused a connection, each retried
    retried = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert retried
    assert all("cannot reach the DNS server (PowerDNS)" in message for message in retried)
    ongoing = api.get(location)
    assert ongoing.status_code == 200
    assert ongoing.json()["status"] == "ongoing"
    assert api.get(f"/v2/dns/{domain}/records").status_code == 404  # no zone in our books yet
    pdns.start()
    done = api.wait_job(location)
    assert done.status_code == 201, done.text
    assert len(pdns.answers(domain, "NS")) == 2
    add(api, domain, {"type": "A", "record_name": "www", "content": "192.0.2.10"})
    assert pdns.answers(f"www.{domain}", "A") == ["192.0.2.10"]


# -- the backend on its own: idempotence and error mapping on the real server -----------------------


@pytest.fixture
def backend(pdns: PowerDns, settings: Settings) -> Iterator[PowerDnsBackend]:
    made = PowerDnsBackend(settings)
    yield made
    made.close()


def test_ensure_zone_twice_changes_nothing_and_converges_name_servers(
    backend: PowerDnsBackend, pdns: PowerDns
) -> None:
    backend.ensure_zone("twice.com", ("ns1.example.net", "ns2.example.net"))
    serial = pdns.zone("twice.com").json()["serial"]
    backend.ensure_zone("twice.com", ("ns1.example.net", "ns2.example.net"))
    assert pdns.zone("twice.com").json()["serial"] == serial
    backend.ensure_zone("twice.com", ("ns3.example.net", "ns1.example.net"))
    assert pdns.answers("twice.com", "NS") == ["ns1.example.net.", "ns3.example.net."]
    (soa,) = pdns.answers("twice.com", "SOA")
    assert soa.split()[0] == "ns3.example.net."
    assert int(soa.split()[2]) > serial


def test_a_zone_made_before_gets_soa_edit_api_off_so_our_serial_is_served(
    backend: PowerDnsBackend, pdns: PowerDns
) -> None:
    """Zones made by an older version let PowerDNS rewrite the serial (soa_edit_api DEFAULT);
    ``ensure_zone`` (``reseller-api backends sync``) turns it off."""
    soa = "ns1.example.net. hostmaster.older.com. 7 10800 3600 604800 3600"
    made = backend.client.post(
        "/zones",
        json={
            "name": "older.com.",
            "kind": "Native",
            "soa_edit_api": "DEFAULT",
            "nameservers": [],
            "rrsets": [
                {
                    "name": "older.com.",
                    "type": "SOA",
                    "ttl": 3600,
                    "changetype": "REPLACE",
                    "records": [{"content": soa, "disabled": False}],
                },
                {
                    "name": "older.com.",
                    "type": "NS",
                    "ttl": 3600,
                    "changetype": "REPLACE",
                    "records": [
                        {"content": "ns1.example.net.", "disabled": False},
                        {"content": "ns2.example.net.", "disabled": False},
                    ],
                },
            ],
        },
    )
    assert made.status_code == 201, made.text
    backend.ensure_zone("older.com", ("ns1.example.net", "ns2.example.net"))
    assert pdns.zone("older.com").json()["soa_edit_api"] == ""
    ours = "ns1.example.net. hostmaster.older.com. 2030010105 10800 3600 604800 3600"
    backend.replace_rrset("older.com", "@", "SOA", 3600, [ours])
    assert pdns.answers("older.com", "SOA") == [ours]


def test_remove_zone_and_rrsets_are_idempotent(backend: PowerDnsBackend, pdns: PowerDns) -> None:
    backend.ensure_zone("gone.com", ("ns1.example.net", "ns2.example.net"))
    backend.replace_rrset("gone.com", "www", "A", 300, ["192.0.2.1"])
    backend.replace_rrset("gone.com", "www", "A", 300, ["192.0.2.1"])
    backend.replace_rrset("gone.com", "old", "A", 300, [])  # absent: fine
    assert pdns.answers("www.gone.com", "A") == ["192.0.2.1"]
    backend.remove_zone("gone.com")
    backend.remove_zone("gone.com")
    assert pdns.zone("gone.com").status_code == 404
    with pytest.raises(BackendRefused, match="does not exist"):
        backend.replace_rrset("gone.com", "www", "A", 300, ["192.0.2.1"])


def test_wrong_api_key_is_unavailable_and_never_shown(pdns: PowerDns, settings: Settings) -> None:
    wrong = PowerDnsBackend(dataclasses.replace(settings, powerdns_api_key="not-the-key"))
    with pytest.raises(BackendUnavailable) as raised:
        wrong.ensure_zone("wrongkey.com", ("ns1.example.net", "ns2.example.net"))
    assert "not-the-key" not in str(raised.value)
    wrong.close()


def test_a_job_that_gives_up_while_dns_is_down_is_never_left_half_done(
    api: Caller, running_pdns: PowerDns, fast_retries: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Out of attempts, the job must undo its work, and cannot while PowerDNS is away: it stays
    ongoing (never "failed" with half of it made) and, once PowerDNS is back, converges."""
    pdns, domain = running_pdns, "outage-long.com"
    pdns.stop()
    with caplog.at_level(logging.WARNING, logger="reseller_api.jobs"):
        location = register(api, domain).headers["location"]
        deadline = time.monotonic() + 15
        while "cannot be undone yet" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.1)
    assert "cannot be undone yet" in caplog.text
    assert api.get(location).json()["status"] == "ongoing"
    pdns.start()
    done = api.wait_job(location, timeout=30)
    assert done.status_code == 201, done.text
    assert len(pdns.answers(domain, "NS")) == 2


RESELLER_OF = Query(select(resellers.c.id).where(resellers.c.name == bindparam("name")))
ORDER_CODE_OF = Query(
    select(ssl_certificate_requests.c.order_code).where(
        ssl_certificate_requests.c.common_name == bindparam("name")
    )
)


def test_an_ssl_validation_is_checked_on_powerdns_too(api: Caller, pdns: PowerDns, app: Any) -> None:
    """A certificate request's CNAME is added to the zone and checked where PowerDNS serves it:
    removed from PowerDNS behind our back, the name no longer validates."""
    accepted = api.post(
        "/v2/accounts", {"identifier": "ssl-zone.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
    )
    assert api.wait_job(accepted.headers["location"]).status_code == 201
    csr = make_csr("ssl-zone.com")
    ordered = api.post(
        "/v2/sslcertificaterequests",
        {"csr": csr, "certificate_type": "standard", "validation_level": "domain_validated"},
    )
    assert ordered.status_code == 201, ordered.text
    for _ in range(200):
        if api.get(ordered.headers["location"]).status_code == 303:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("never issued")
    cname = next(r for r in list_records(api, "ssl-zone.com") if r["type"] == "CNAME")
    assert pdns.answers(f"{cname['record_name']}.ssl-zone.com", "CNAME") == [f"{cname['content']}."]

    want = validations.expected(
        x509.load_pem_x509_csr(csr.encode()).public_bytes(serialization.Encoding.DER),
        next(iter(app.context.database.fetch_all(ORDER_CODE_OF, name="ssl-zone.com")))[0],
        "ssl-zone.com",
    )
    assert want.cname_name == f"{cname['record_name']}.ssl-zone.com"
    context = app.context
    reseller_id = next(iter(context.database.fetch_all(RESELLER_OF, name="alice")))[0]
    # The CNAME the request added (the name is in a zone of the reseller's) is what PowerDNS serves.
    assert validations.dns_validated(context.database, context.backends, reseller_id, want)
    context.backends.dns.replace_rrset(
        "ssl-zone.com", want.cname_name.removesuffix(".ssl-zone.com"), "CNAME", 3600, []
    )
    assert not validations.dns_validated(context.database, context.backends, reseller_id, want)
