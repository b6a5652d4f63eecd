"""Replay every response recorded from the vendor (tests/data/vendor-responses.json) against us.

Each of the 53 recorded requests is sent again, with our ids in place of the vendor's (a world
of accounts, records, domains, a hosting, mailboxes and a database is built once for the
module), and our answer is held against the recorded one in what public clients depend on:

- the status;
- the header names, in their exact casing: every name the vendor sent, we send (framing aside:
  we send ``Content-Length`` where it sent ``Transfer-Encoding: chunked``), and every name we
  send is one the vendor sends somewhere, cased the same;
- the body's shape: the same properties, the same JSON types, ``null`` only where the vendor
  sends ``null``; and the body validates against the YAML's schema (every declared property,
  nothing else).

Where a recording is not what the vendor sends (it comes from a PHP client's test fixtures:
a 204 with a JSON content type, a 201 without ``Location``...), or where we knowingly answer
otherwise, :data:`KNOWN` says why; docs/compatibility.md lists the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from litestar.testing import TestClient
from sqlalchemy import select

from reseller_api.app import create_app
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox
from reseller_api.jobs import service as jobs
from reseller_api.resources.servicepacks.service import Asset
from reseller_api.resources.servicepacks.service import create as create_pack
from reseller_api.settings import Settings
from reseller_api.store.tables import api_keys
from tests.conftest import TEST_SECRET_KEY
from tests.harness import AddressedClient, Caller, ClientAddress, DatabaseFactory
from tests.vendor import Recording, recordings, schema_problems, shape_problems

PASSWORD = "blaBLA123"
# Framing, not content: the vendor streamed bodies chunked; we send their length.
FRAMING = {"Transfer-Encoding"}
# Every header name the vendor sends anywhere, in its casing.
VENDOR_NAMES = {name for r in recordings() for name in r.headers}
# What we add (docs/compatibility.md): the request id an operator's log quotes, on every
# response; a failed job's reason.
OUR_NAMES = {"x-request-id", "x-provisioning-error"}


@dataclass(frozen=True)
class Known:
    """A recording we knowingly answer otherwise (docs/compatibility.md says the same)."""

    why: str
    not_sent: frozenset[str] = frozenset()  # recorded header names we do not send
    retyped: dict[str, str] = field(default_factory=dict)  # property -> the JSON type we send
    body: bool = True  # compare the body's shape


_FIXTURE_204 = Known(
    "a 204 has no body, so no Content-Type (the PHP fixture gives every answer one)",
    frozenset({"Content-Type"}),
)
KNOWN: dict[int, Known] = {
    1: Known(
        "Location is capitalised like in every other recorded Location; only this fixture has it lowercase",
        frozenset({"location"}),
    ),
    18: Known("we answer the edited record (the recording has an empty 200)", body=False),
    22: _FIXTURE_204,
    23: Known(
        "a 202 points at its job in Location and has no body, so no Content-Type (unlike this fixture)",
        frozenset({"Content-Type"}),
    ),
    24: Known("a 201 has Location and no body, so no Content-Type", frozenset({"Content-Type"})),
    25: _FIXTURE_204,
    26: _FIXTURE_204,
    27: Known("a 201 has Location and no body, so no Content-Type", frozenset({"Content-Type"})),
    30: Known("servicepack_id is an integer, as the YAML declares", retyped={"servicepack_id": "integer"}),
    31: Known("servicepack_id is an integer, as the YAML declares", retyped={"servicepack_id": "integer"}),
    33: _FIXTURE_204,
    34: _FIXTURE_204,
    35: _FIXTURE_204,
    36: _FIXTURE_204,
    37: _FIXTURE_204,
    38: _FIXTURE_204,
    39: _FIXTURE_204,
    42: Known(
        "size and account_id are integers, as the YAML's MailZoneAccount declares them",
        retyped={"size": "integer", "account_id": "integer"},
    ),
    51: Known("servicepack_id is an integer, as the YAML declares", retyped={"servicepack_id": "integer"}),
    52: Known("servicepack_id is an integer, as the YAML declares", retyped={"servicepack_id": "integer"}),
}
# example.com is a Linux hosting here; the recorded Windows hosting is replayed on this one.
WINDOWS = "windows-example.com"
NOT_SERVED: dict[int, str] = {}


@dataclass
class World:
    """What the replayed requests act on: our ids for the vendor's."""

    api: Caller
    app: Any
    account_id: int = 0
    records: dict[str, str] = field(default_factory=dict)  # type -> record id
    doomed_record: str = ""
    ssh_key: str = ""
    doomed_key_location: str = ""
    database_name: str = ""
    jobs: dict[str, str] = field(default_factory=dict)  # status -> job id


def openssh(comment: str) -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return f"{key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()} {comment}"


def ok(response: httpx.Response, status: int) -> httpx.Response:
    assert response.status_code == status, response.text
    return response


def build(api: Caller, app: Any) -> World:
    world = World(api, app)
    for identifier in ("example.com", "second-example.net"):
        body = {"identifier": identifier, "servicepack_id": 1, "ftp_password": PASSWORD}
        done = ok(api.wait_job(ok(api.post("/v2/accounts", body), 202).headers["Location"]), 201)
        if identifier == "example.com":
            world.account_id = int(done.json()["resource_links"][0].rsplit("/", 1)[1])
    zone = "/v2/dns/example.com/records"
    for record in (
        {"type": "A", "record_name": "", "content": "127.0.0.1"},
        {"type": "AAAA", "record_name": "localhost", "content": "::1"},
        {"type": "TXT", "record_name": "", "content": "v=spf1 include:_spf.google.com ~all"},
        {"type": "CNAME", "record_name": "smtp", "content": "mail.example.com"},
        {"type": "CAA", "record_name": "", "content": '0 issue "letsencrypt.org"'},
        {"type": "MX", "record_name": "", "content": "mx.mailprotect.be", "priority": 10},
        {
            "type": "SRV",
            "service": "_submission",
            "protocol": "_tcp",
            "priority": 1,
            "weight": 1,
            "port": 587,
            "target": "smtp-auth.example.com",
        },
        {"type": "A", "record_name": "*", "content": "127.0.0.1"},
        {"type": "CNAME", "record_name": "cafémüllerstraße", "content": "coffee.example.com"},
    ):
        location = ok(api.post(zone, {"id": "", **record}), 201).headers["Location"]
        world.records.setdefault(str(record["type"]), location.rsplit("/", 1)[1])
    for record in api.get(zone).json():
        world.records.setdefault(record["type"], record["id"])  # the zone's SOA and NS
    doomed = ok(api.post(zone, {"type": "A", "record_name": "old", "content": "127.0.0.9"}), 201)
    world.doomed_record = doomed.headers["Location"].rsplit("/", 1)[1]

    keys = "/v2/linuxhostings/example.com/ssh/keys"
    world.ssh_key = openssh("replayed@example.com")
    ok(api.post(keys, {"public_key": openssh("kept@example.com")}), 201)
    world.doomed_key_location = ok(api.post(keys, {"public_key": openssh("gone@example.com")}), 201).headers[
        "Location"
    ]
    app.context.backends.hosting.make_directory("example.com", "/subsites/shop.example.com")
    windows = create_pack(app.context.database, "Windows hosting", [Asset("windows_hosting", 1, 10240)])
    body = {"identifier": WINDOWS, "servicepack_id": windows}
    ok(api.wait_job(ok(api.post("/v2/accounts", body), 202).headers["Location"]), 201)

    order = {"database_name": "tests", "account_id": world.account_id, "password": "secret1password"}
    finished = ok(api.wait_job(ok(api.post("/v2/mysqldatabases", order), 202).headers["Location"]), 201)
    world.jobs["finished"] = finished.json()["id"]
    world.database_name = finished.json()["resource_links"][0].rsplit("/", 1)[1]
    ok(
        api.post(
            "/v2/mailboxes",
            {"email_address": "abuse@example.com", "account_id": world.account_id, "password": PASSWORD},
        ),
        201,
    )

    # An ongoing job (due in an hour) and a failed one, as a client polls them.
    database = app.context.database
    reseller_id = reseller_of(app, api)
    with database.transaction() as conn:
        world.jobs["ongoing"] = jobs.enqueue(
            conn, reseller_id=reseller_id, kind="account.create", payload={}, duration=3600
        )
        world.jobs["failed"] = jobs.enqueue(
            conn, reseller_id=reseller_id, kind="account.create", payload={}, duration=3600
        )
        jobs.fail(conn, world.jobs["failed"], "replayed failure")
    return world


def reseller_of(app: Any, api: Caller) -> int:
    with app.context.database.engine.connect() as conn:
        found = conn.execute(select(api_keys.c.reseller_id).where(api_keys.c.key == api.api_key))
        return int(found.scalar_one())


# Recording index -> our request for it: (method, path, body), from the world.
Replay = Callable[[World], tuple[str, str, Any]]
DNS = "/v2/dns/example.com/records"
HOSTING = "/v2/linuxhostings/example.com"


def _record(kind: str) -> Replay:
    return lambda w: ("GET", f"{DNS}/{w.records[kind]}", None)


def _put(path: str, body: Any) -> Replay:
    return lambda w: ("PUT", path, body)


REQUESTS: dict[int, Replay] = {
    0: lambda w: ("GET", "/v2/accounts?skip=0&take=2", None),
    1: lambda w: (
        "POST",
        "/v2/accounts",
        {"identifier": "blog.example.org", "servicepack_id": 1, "ftp_password": PASSWORD},
    ),
    2: lambda w: ("GET", f"/v2/accounts/{w.account_id}", None),
    3: lambda w: ("GET", "/v2/accounts?skip=0&take=25&asset_type=linux_hosting", None),
    4: lambda w: (
        "POST",
        DNS,
        {"id": "", "record_name": "blog", "type": "A", "ttl": 3600, "content": "127.0.0.1"},
    ),
    5: lambda w: ("DELETE", f"{DNS}/{w.doomed_record}", None),
    6: _record("A"),
    7: _record("AAAA"),
    8: _record("NS"),
    9: _record("TXT"),
    10: _record("CNAME"),
    11: _record("SOA"),
    12: _record("CAA"),
    13: _record("MX"),
    14: _record("SRV"),
    15: _record("A"),  # the fixture's type "XXX" does not exist: any record has its shape
    16: lambda w: ("GET", f"{DNS}?skip=0&take=25", None),
    17: lambda w: ("GET", f"{DNS}?skip=0&take=25", None),  # the fixture's type "TOM" likewise
    18: lambda w: (
        "PUT",
        f"{DNS}/{w.records['A']}",
        {"id": w.records["A"], "record_name": "", "type": "A", "ttl": 3600, "content": "127.0.0.2"},
    ),
    19: lambda w: ("GET", "/v2/domains/example.com", None),
    20: lambda w: ("GET", "/v2/domains?skip=0&take=25", None),
    21: lambda w: (
        "POST",
        "/v2/domains/registrations",
        {"domain_name": "replayed.be", "name_servers": ["ns3.combell.net", "ns4.combell.net"]},
    ),
    22: _put(
        "/v2/domains/second-example.net/nameservers",
        {"domain_name": "second-example.net", "name_servers": ["ns3.combell.net", "ns4.combell.net"]},
    ),
    23: lambda w: (
        "POST",
        "/v2/domains/transfers",
        {"domain_name": "transfer-me.be", "auth_code": "BE-AUTH-1234"},
    ),
    24: lambda w: ("POST", f"{HOSTING}/ssh/keys", {"public_key": w.ssh_key}),
    25: _put(f"{HOSTING}/ftp/configuration", {"enabled": False}),
    26: _put(f"{HOSTING}/ssh/configuration", {"enabled": False}),
    27: lambda w: (
        "POST",
        f"{HOSTING}/subsites",
        {"domain_name": "shop.example.com", "path": "subsites/shop.example.com"},
    ),
    28: lambda w: ("DELETE", w.doomed_key_location, None),
    29: lambda w: ("GET", f"{HOSTING}/phpsettings/availableversions", None),
    30: lambda w: ("GET", HOSTING, None),
    31: lambda w: ("GET", "/v2/linuxhostings?skip=0&take=25", None),
    32: lambda w: ("GET", f"{HOSTING}/ssh/keys", None),
    33: _put(f"{HOSTING}/sslsettings/example.com/autoredirect", {"enabled": True}),
    34: _put(f"{HOSTING}/settings/gzipcompression", {"enabled": True}),
    35: _put(f"{HOSTING}/sites/example.com/http2/configuration", {"enabled": True}),
    36: _put(f"{HOSTING}/sslsettings/example.com/letsencrypt", {"enabled": True}),
    37: _put(f"{HOSTING}/phpsettings/apcu", {"apcu_size": 64, "enabled": True}),
    38: _put(f"{HOSTING}/phpsettings/memorylimit", {"memory_limit": 128}),
    39: _put(f"{HOSTING}/phpsettings/version", {"version": "8.2"}),  # 7.3 is not offered here
    40: lambda w: (
        "POST",
        "/v2/mailboxes/example.com",
        {"email": "info@example.com", "password": PASSWORD, "account_id": w.account_id},
    ),
    41: lambda w: ("GET", "/v2/mailboxes/?domain_name=example.com", None),
    42: lambda w: ("GET", "/v2/mailboxes/example.com/quota", None),
    43: lambda w: (
        "POST",
        "/v2/mysqldatabases",
        {"database_name": "dbname", "account_id": w.account_id, "password": "secret1password"},
    ),
    44: lambda w: ("GET", f"/v2/mysqldatabases/{w.database_name}", None),
    45: lambda w: ("GET", "/v2/mysqldatabases?skip=0&take=25", None),
    46: lambda w: ("GET", f"/v2/provisioningjobs/{w.jobs['ongoing']}", None),
    47: lambda w: ("GET", f"/v2/provisioningjobs/{w.jobs['failed']}", None),
    48: lambda w: ("GET", f"/v2/provisioningjobs/{w.jobs['finished']}", None),
    49: lambda w: ("GET", "/v2/servicepacks", None),
    50: lambda w: ("GET", "/v2/ssh", None),
    51: lambda w: ("GET", f"/v2/windowshostings/{WINDOWS}", None),
    52: lambda w: ("GET", "/v2/windowshostings?skip=0&take=25", None),
}


@contextmanager
def built_world(
    tmp_path_factory: pytest.TempPathFactory, db_factory: DatabaseFactory, *, key_name: str, job_duration: str
) -> Iterator[World]:
    """The vendor's recorded world (``build``) on a database and app of its own, signed by a
    key named ``key_name``: what the replays and the walk of every operation run against."""
    tmp_path = tmp_path_factory.mktemp(key_name)
    settings = Settings.from_env(
        {
            "RESELLER_API_DATA_DIR": str(tmp_path),
            "RESELLER_API_DATABASE_URL": db_factory.url_for(tmp_path).replace(
                "postgresql+psycopg", "postgresql"
            ),
            "RESELLER_API_SECRET_KEY": TEST_SECRET_KEY,
            "RESELLER_API_JOB_DURATION": job_duration,
        }
    )
    with db_factory.database(tmp_path) as database:
        app = create_app(settings, database=database, run_jobs=True)
        with TestClient(ClientAddress(app), base_url="http://testserver.local") as client:  # type: ignore[arg-type]
            created = CredentialsService(database, SecretBox.from_settings(settings)).create_key(
                key_name, ["127.0.0.1"]
            )
            api = Caller(AddressedClient(client, "127.0.0.1"), created.api_key, created.api_secret)
            yield build(api, app)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, db_factory: DatabaseFactory) -> Iterator[World]:
    """One world for the module's replays, built once (the recordings run in their order)."""
    with built_world(tmp_path_factory, db_factory, key_name="replay", job_duration="0.1") as built:
        yield built


def test_every_recording_is_replayed() -> None:
    assert sorted(REQUESTS) == [r.index for r in recordings()]


def _params() -> list[Any]:
    marks: dict[int, Any] = {i: pytest.mark.xfail(reason=why, strict=True) for i, why in NOT_SERVED.items()}
    return [
        pytest.param(r, id=f"{r.index}-{r.test.removesuffix('.php')}", marks=marks.get(r.index, ()))
        for r in recordings()
    ]


@pytest.mark.parametrize("recorded", _params())
def test_replayed_answer_matches_the_recorded_one(world: World, recorded: Recording) -> None:
    known = KNOWN.get(recorded.index, Known(""))
    method, path, body = REQUESTS[recorded.index](world)
    assert method == recorded.method
    ours = world.api.request(method, path, body)

    assert ours.status_code == recorded.status, ours.text
    sent = [name.decode("latin-1") for name, _ in ours.headers.raw]
    missing = set(recorded.headers) - FRAMING - known.not_sent - set(sent)
    assert not missing, f"recorded header names we do not send (in this casing): {missing}; we sent {sent}"
    foreign = set(sent) - VENDOR_NAMES - OUR_NAMES
    assert not foreign, f"header names the vendor never sends in this casing: {foreign}"
    if "Content-Type" in sent:
        assert ours.headers["Content-Type"] == "application/json; charset=utf-8"

    if recorded.body is None:
        if known.body:
            assert ours.content == b""
            if recorded.status in (201, 202):
                assert ours.headers["Content-Length"] == "0"
                assert "Content-Type" not in sent
        return
    mine = json.loads(ours.content)
    if isinstance(recorded.body, list) and recorded.body:
        assert mine, "the world has nothing to list here: the comparison would prove nothing"
    problems = shape_problems(recorded.body, mine, retyped=known.retyped)
    assert not problems, "\n".join(problems)
    assert not schema_problems(method, path, ours.status_code, mine)


def test_nothing_known_is_left_unexplained() -> None:
    assert all(k.why for k in KNOWN.values())
    assert set(KNOWN) <= {r.index for r in recordings()}
