"""The HMAC test vectors against the whole server: gate, key cache, nonces, whitelist, limits.

The vectors' key ('k3yAbc123' with secret 's3cr3tXyz789') is written straight into the
database, as ``reseller-api admin`` would, so that the recorded headers can be replayed
byte for byte. Several vectors share a nonce and nonces are single-use per key, so every
vector runs against a fresh app (the ``app`` fixture is per test).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy import insert, text

from reseller_api import errors
from reseller_api.app import create_app
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import api_key_networks, api_keys
from tests.conftest import FakeClock
from tests.unit.vectors import API_KEY, API_SECRET, TIMESTAMP, VECTORS, Vector, params

BASE_URL = "http://testserver.local"
# client_factory(ip) from conftest: something with .request/.get/.post calling from that IP.
ClientFactory = Callable[[str], Any]

AUTH_CODES = {
    errors.AUTH_HEADER_MISSING.code,
    errors.AUTH_HEADER_INVALID.code,
    errors.AUTH_KEY_UNKNOWN.code,
    errors.AUTH_HMAC_INVALID.code,
    errors.AUTH_TIMESTAMP.code,
    errors.AUTH_NONCE_REUSED.code,
    errors.AUTH_IP_NOT_WHITELISTED.code,
}
RATE_LIMIT_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-usage",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
)

ACCEPT = [v for v in VECTORS if v.accept]
REJECT = [v for v in VECTORS if not v.accept]
# A recorded GET with an ASCII path, and the derived ones that share nonce a1b2c3d4e5.
SIMPLE = ACCEPT[0]
SHARED_NONCE = [v for v in ACCEPT if v.nonce == "a1b2c3d4e5"]


# -- set-up ---------------------------------------------------------------------------------


@pytest.fixture
def vector_key(database: Database, settings: Settings, credentials: CredentialsService) -> int:
    """The vectors' api key, with its exact secret, whitelisted for 127.0.0.1 only."""
    reseller_id = credentials.create_reseller("vectors")
    box = SecretBox.from_settings(settings)
    with database.transaction() as conn:
        key_id = conn.execute(
            insert(api_keys)
            .values(
                reseller_id=reseller_id,
                key=API_KEY,
                secret_encrypted=box.encrypt(API_SECRET),
                rate_limit=None,
                revoked=False,
                created_at=time.time(),
            )
            .returning(api_keys.c.id)
        ).scalar_one()
        conn.execute(insert(api_key_networks).values(api_key_id=key_id, cidr="127.0.0.1/32"))
        conn.execute(text("UPDATE credentials_generation SET generation = generation + 1"))
    return int(key_id)


@pytest.fixture
def at_vector_time(clock: FakeClock) -> FakeClock:
    clock.now = TIMESTAMP
    return clock


@pytest.fixture
def local(client_factory: ClientFactory, vector_key: int, at_vector_time: FakeClock) -> Any:
    """A client calling from 127.0.0.1, with the key in place and the clock at the vectors' time."""
    return client_factory("127.0.0.1")


def send(client: Any, vector: Vector, headers: dict[str, str] | None = None) -> httpx.Response:
    """The vector's exact method, target (still percent-encoded), body and Authorization header."""
    all_headers = {"Authorization": vector.authorization}
    if vector.body:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    return client.request(vector.method, BASE_URL + vector.target, content=vector.body, headers=all_headers)


def rate_limit_headers(response: httpx.Response) -> dict[str, int]:
    missing = [name for name in RATE_LIMIT_HEADERS if name not in response.headers]
    assert not missing, f"{missing} missing from {dict(response.headers)}"
    values = {name: int(response.headers[name]) for name in RATE_LIMIT_HEADERS}
    assert values["x-ratelimit-usage"] + values["x-ratelimit-remaining"] == values["x-ratelimit-limit"]
    return values


def assert_refused(response: httpx.Response, code: str | None = None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error_code"] in AUTH_CODES, body
    assert body["error_text"]
    if code is not None:
        assert body["error_code"] == code, body
    assert errors.CATALOGUE[body["error_code"]].status == 401
    # Failures are counted per IP against RESELLER_API_AUTH_FAILURE_LIMIT (60/minute).
    assert rate_limit_headers(response)["x-ratelimit-limit"] == 60
    assert "retry-after" not in response.headers


def assert_accepted(response: httpx.Response) -> None:
    assert response.status_code != 401, response.text
    assert response.status_code not in (413, 429), response.text
    if response.content and response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict):
            assert body.get("error_code") not in AUTH_CODES, body
    # Past the gate, the headers are the key's own limit (default 1000/minute).
    assert rate_limit_headers(response)["x-ratelimit-limit"] == 1000


class PeerAddress:
    """Calls ``app`` as if from ``address`` (the TestClient's own peer is 'testclient')."""

    def __init__(self, app: Any, address: str) -> None:
        self.app = app
        self.address = address

    async def __call__(self, scope: dict[str, Any], receive: Any, send_: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (self.address, 50000)}
        await self.app(scope, receive, send_)


@contextmanager
def client_for(app: Any, address: str) -> Iterator[TestClient[Any]]:
    """A TestClient of our own (its own lifespan) for ``app``, calling from ``address``."""
    with TestClient(PeerAddress(app, address), base_url=BASE_URL) as client:  # type: ignore[arg-type]
        yield client


def app_with(settings: Settings, database: Database, clock: FakeClock, **env: str) -> Any:
    """Our own app, on the test's database, with extra RESELLER_API_* settings."""
    assert settings.secret_key is not None
    custom = Settings.from_env(
        {
            "RESELLER_API_DATA_DIR": str(settings.data_dir),
            "RESELLER_API_DATABASE_URL": settings.database_url,
            "RESELLER_API_SECRET_KEY": settings.secret_key,
            **{f"RESELLER_API_{name}": value for name, value in env.items()},
        }
    )
    return create_app(custom, database=database, clock=clock, run_jobs=False)


# -- every vector ---------------------------------------------------------------------------


@pytest.mark.parametrize("vector", params(VECTORS))
def test_vector(local: Any, vector: Vector) -> None:
    response = send(local, vector)
    if vector.accept:
        assert_accepted(response)
    else:
        assert_refused(response)


@pytest.mark.parametrize(
    ("vector", "code"),
    [
        pytest.param(v, code, id=f"{v.index:02d}-{code}")
        for v, code in zip(
            REJECT,
            [
                errors.AUTH_HMAC_INVALID.code,  # body changed
                errors.AUTH_HMAC_INVALID.code,  # method changed
                errors.AUTH_HMAC_INVALID.code,  # path changed
                errors.AUTH_HEADER_INVALID.code,  # Bearer
                errors.AUTH_HMAC_INVALID.code,  # another secret
                errors.AUTH_HEADER_INVALID.code,  # milliseconds
            ],
            strict=True,
        )
    ],
)
def test_reject_vectors_say_why(local: Any, vector: Vector, code: str) -> None:
    assert_refused(send(local, vector), code)


def test_reject_vectors_are_the_expected_ones() -> None:
    assert [v.origin.split(": ", 1)[1] for v in REJECT] == [
        "body changed after signing",
        "method changed after signing",
        "path changed after signing",
        "scheme is not hmac",
        "signature made with another secret",
        "timestamp in milliseconds",
    ]


ENCODED = [v for v in VECTORS if "%" in v.target]


@pytest.mark.parametrize("vector", params(ENCODED))
def test_targets_reach_the_app_undecoded(
    app: Any, vector_key: int, at_vector_time: FakeClock, vector: Vector
) -> None:
    """The signature covers the target as sent: the test client must not decode %C3%BC or %20."""
    seen: dict[str, Any] = {}

    async def record(scope: dict[str, Any], receive: Any, send_: Any) -> None:
        if scope["type"] == "http":
            seen.update(raw_path=scope.get("raw_path"), query_string=scope.get("query_string"))
        await app(scope, receive, send_)

    with client_for(record, "127.0.0.1") as client:
        response = send(client, vector)
    path, _, query = vector.target.partition("?")
    assert seen["raw_path"].split(b"?", 1)[0] == path.encode()
    assert seen["query_string"] == query.encode()
    assert_accepted(response)


# -- timestamps -----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-300, -1, 0, 1, 300])
def test_timestamps_within_300_seconds_are_accepted(
    client_factory: ClientFactory, vector_key: int, clock: FakeClock, offset: int
) -> None:
    clock.now = TIMESTAMP + offset
    assert_accepted(send(client_factory("127.0.0.1"), SIMPLE))


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(301, id="stale-301s"),
        pytest.param(-301, id="future-301s"),
        pytest.param(3600, id="stale-1h"),
        pytest.param(-86400, id="future-1d"),
    ],
)
def test_timestamps_further_than_300_seconds_are_refused(
    client_factory: ClientFactory, vector_key: int, clock: FakeClock, offset: int
) -> None:
    clock.now = TIMESTAMP + offset
    client = client_factory("127.0.0.1")
    assert_refused(send(client, SIMPLE), "authorization_timestamp_invalid")
    # A refused timestamp does not use up the nonce.
    clock.now = TIMESTAMP
    assert_accepted(send(client, SIMPLE))


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.999])
def test_the_window_is_judged_in_whole_seconds(
    client_factory: ClientFactory, vector_key: int, clock: FakeClock, fraction: float
) -> None:
    """The header carries whole seconds: 300 s away is inside the window all through that second."""
    client = client_factory("127.0.0.1")
    clock.now = TIMESTAMP + 301 + fraction
    assert_refused(send(client, SIMPLE), "authorization_timestamp_invalid")
    clock.now = TIMESTAMP + 300 + fraction
    assert_accepted(send(client, SIMPLE))


def test_the_real_clock_refuses_the_vectors(client_factory: ClientFactory, vector_key: int) -> None:
    """Without a fake clock the vectors are far in the past (or future)."""
    assert abs(time.time() - TIMESTAMP) > 300
    assert_refused(send(client_factory("127.0.0.1"), SIMPLE), "authorization_timestamp_invalid")


# -- nonces ---------------------------------------------------------------------------------


def test_a_replayed_vector_is_refused(local: Any) -> None:
    assert_accepted(send(local, SIMPLE))
    assert_refused(send(local, SIMPLE), "authorization_nonce_reused")
    assert_refused(send(local, SIMPLE), "authorization_nonce_reused")


@pytest.mark.parametrize("vector", params(ACCEPT))
def test_every_accept_vector_is_single_use(local: Any, vector: Vector) -> None:
    assert_accepted(send(local, vector))
    assert_refused(send(local, vector), "authorization_nonce_reused")


def test_a_nonce_is_single_use_across_different_requests(local: Any) -> None:
    """The derived vectors are different requests with one nonce: only the first is served."""
    first, *others = SHARED_NONCE
    assert len({(v.method, v.target) for v in SHARED_NONCE}) > 1
    assert_accepted(send(local, first))
    for vector in others:
        assert_refused(send(local, vector), "authorization_nonce_reused")


def test_a_bad_signature_does_not_burn_the_nonce(local: Any) -> None:
    """The signature is checked before the nonce: forging a header cannot block a real one."""
    forged = next(v for v in REJECT if v.nonce == "a1b2c3d4e5" and "another secret" in v.origin)
    assert_refused(send(local, forged), "authorization_hmac_invalid")
    assert_accepted(send(local, SHARED_NONCE[0]))


def test_the_replay_window_is_longer_than_the_signature_window(
    client_factory: ClientFactory, vector_key: int, clock: FakeClock
) -> None:
    client = client_factory("127.0.0.1")
    clock.now = TIMESTAMP - 299
    assert_accepted(send(client, SIMPLE))
    for offset in (0, 150, 299, 300):
        clock.now = TIMESTAMP + offset
        assert_refused(send(client, SIMPLE), "authorization_nonce_reused")
    clock.now = TIMESTAMP + 301
    assert_refused(send(client, SIMPLE), "authorization_timestamp_invalid")


@pytest.mark.parametrize("last", [300, 300.5, 300.999])
def test_no_replay_at_the_far_edge_of_the_window(
    client_factory: ClientFactory, vector_key: int, clock: FakeClock, last: float
) -> None:
    client = client_factory("127.0.0.1")
    clock.now = TIMESTAMP - 300
    assert_accepted(send(client, SIMPLE))
    clock.now = TIMESTAMP + last
    assert_refused(send(client, SIMPLE), "authorization_nonce_reused")


# -- keys and whitelists --------------------------------------------------------------------


def test_a_revoked_key_is_refused(local: Any, credentials: CredentialsService) -> None:
    credentials.revoke_key(API_KEY)
    assert_refused(send(local, SIMPLE), "authorization_api_key_invalid")


def test_revocation_is_seen_at_once(local: Any, credentials: CredentialsService) -> None:
    """The key cache is warm after the first request; the generation bump still drops it."""
    first, second = SHARED_NONCE[0], ACCEPT[1]
    assert_accepted(send(local, first))
    credentials.revoke_key(API_KEY)
    assert_refused(send(local, second), "authorization_api_key_invalid")


def test_a_rotated_secret_refuses_the_vectors(local: Any, credentials: CredentialsService) -> None:
    credentials.rotate_key(API_KEY)
    assert_refused(send(local, SIMPLE), "authorization_hmac_invalid")


def test_an_unknown_key_is_refused(client_factory: ClientFactory, at_vector_time: FakeClock) -> None:
    assert_refused(send(client_factory("127.0.0.1"), SIMPLE), "authorization_api_key_invalid")


def test_a_non_whitelisted_ip_is_refused(client_factory: ClientFactory, local: Any) -> None:
    assert_refused(send(client_factory("10.9.8.7"), SIMPLE), "authorization_ip_not_whitelisted")
    # ... without using up the nonce for the whitelisted caller.
    assert_accepted(send(local, SIMPLE))


def test_an_ipv6_caller_is_not_the_ipv4_whitelist(client_factory: ClientFactory, local: Any) -> None:
    assert_refused(send(client_factory("::1"), SIMPLE), "authorization_ip_not_whitelisted")
    # An IPv4-mapped IPv6 address is the IPv4 address.
    assert_accepted(send(client_factory("::ffff:127.0.0.1"), SIMPLE))


def test_allowing_an_ip_takes_effect_at_once(
    client_factory: ClientFactory, local: Any, credentials: CredentialsService
) -> None:
    remote = client_factory("10.9.8.7")
    assert_refused(send(remote, SIMPLE), "authorization_ip_not_whitelisted")
    credentials.allow_ip(API_KEY, "10.9.8.0/24")
    assert_accepted(send(remote, SIMPLE))


# -- the header -----------------------------------------------------------------------------


def test_a_missing_header_is_refused(local: Any) -> None:
    assert_refused(local.get("/v2/accounts"), "authorization_header_missing")
    assert_refused(local.post("/v2/accounts", content=b"{}"), "authorization_header_missing")


@pytest.mark.parametrize(
    "header",
    [
        "",
        "hmac",
        SIMPLE.authorization.replace("hmac ", "Bearer "),
        SIMPLE.authorization.rsplit(":", 1)[0],
        SIMPLE.authorization + "000",
    ],
)
def test_a_malformed_header_is_refused(local: Any, header: str) -> None:
    response = local.get("/v2/accounts", headers={"Authorization": header})
    assert_refused(response, "auth_authorization_header_invalid_format")


def test_unknown_paths_are_authenticated_too(local: Any) -> None:
    assert_refused(local.get("/v2/no/such/thing"), "authorization_header_missing")
    # The signed /v2/dns/... vectors have no route here: past the gate they are 404, not 401.
    vector = next(v for v in ACCEPT if v.target.startswith("/v2/dns/") and v.method == "GET")
    response = send(local, vector)
    assert_accepted(response)
    assert response.status_code == 404


# -- failures per IP ------------------------------------------------------------------------


def test_too_many_failures_from_one_ip_are_429(
    client_factory: ClientFactory, vector_key: int, clock: FakeClock
) -> None:
    client = client_factory("127.0.0.1")
    for attempt in range(1, 61):
        response = client.get("/v2/accounts")
        assert_refused(response, "authorization_header_missing")
        assert rate_limit_headers(response)["x-ratelimit-usage"] == attempt
    blocked = client.get("/v2/accounts")
    assert blocked.status_code == 429, blocked.text
    assert blocked.json()["error_code"] == errors.RATE_LIMITED.code
    headers = rate_limit_headers(blocked)
    assert headers["x-ratelimit-limit"] == 60
    assert headers["x-ratelimit-remaining"] == 0
    assert 0 < int(blocked.headers["retry-after"]) <= 61
    # Blocked before any cryptography: even a valid request from that IP waits.
    clock.now = TIMESTAMP
    assert send(client, SIMPLE).status_code == 429
    # Another address is not affected.
    assert_refused(send(client_factory("10.9.8.7"), SIMPLE), "authorization_ip_not_whitelisted")


def test_accepted_requests_do_not_count_as_failures(
    client_factory: ClientFactory, vector_key: int, at_vector_time: FakeClock
) -> None:
    client = client_factory("127.0.0.1")
    for _ in range(59):
        assert_refused(client.get("/v2/accounts"), "authorization_header_missing")
    for vector in ACCEPT:
        if vector.nonce != "a1b2c3d4e5":
            assert_accepted(send(client, vector))
    last = client.get("/v2/accounts")
    assert_refused(last, "authorization_header_missing")
    assert rate_limit_headers(last)["x-ratelimit-remaining"] == 0


# -- X-Forwarded-For ------------------------------------------------------------------------


def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    client_factory: ClientFactory, vector_key: int, at_vector_time: FakeClock
) -> None:
    spoofing = client_factory("10.9.8.7")
    response = send(spoofing, SIMPLE, {"X-Forwarded-For": "127.0.0.1"})
    assert_refused(response, "authorization_ip_not_whitelisted")


def test_forwarded_for_from_a_trusted_proxy_is_honoured(
    settings: Settings, database: Database, vector_key: int, at_vector_time: FakeClock
) -> None:
    app = app_with(settings, database, at_vector_time, TRUSTED_PROXIES="10.9.8.0/24")
    with client_for(app, "10.9.8.7") as proxy:
        # The proxy itself is not whitelisted.
        assert_refused(send(proxy, ACCEPT[0]), "authorization_ip_not_whitelisted")
        # The client it forwards for is.
        assert_accepted(send(proxy, ACCEPT[0], {"X-Forwarded-For": "127.0.0.1"}))
        # A chain: the rightmost untrusted hop is the client, whatever it wrote on the left.
        assert_refused(
            send(proxy, ACCEPT[1], {"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}),
            "authorization_ip_not_whitelisted",
        )
        assert_accepted(send(proxy, ACCEPT[1], {"X-Forwarded-For": "203.0.113.9, 127.0.0.1, 10.9.8.1"}))
    with client_for(app, "192.0.2.1") as stranger:
        assert_refused(
            send(stranger, ACCEPT[2], {"X-Forwarded-For": "127.0.0.1"}),
            "authorization_ip_not_whitelisted",
        )


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-For": "unknown"},
        {"X-Forwarded-For": ""},
        {"X-Forwarded-For": "203.0.113.5, garbage"},
        {"Forwarded": "for=unknown"},
        {"Forwarded": "for=10.9.8.3", "X-Forwarded-For": "203.0.113.5"},
    ],
    ids=["unknown", "empty", "garbage-last", "forwarded-unknown", "disagreeing"],
)
def test_a_client_the_proxy_cannot_name_is_not_the_proxy(
    settings: Settings,
    database: Database,
    vector_key: int,
    at_vector_time: FakeClock,
    credentials: CredentialsService,
    headers: dict[str, str],
) -> None:
    """A whitelist that covers the load balancer must not let in a client it cannot name."""
    credentials.allow_ip(API_KEY, "10.9.8.0/24")
    app = app_with(settings, database, at_vector_time, TRUSTED_PROXIES="10.9.8.0/24")
    with client_for(app, "10.9.8.7") as proxy:
        assert_refused(send(proxy, SIMPLE, headers), "authorization_ip_not_whitelisted")
        # What proxies really send: ports, brackets, RFC 7239.
        assert_accepted(send(proxy, ACCEPT[1], {"X-Forwarded-For": "127.0.0.1:51234"}))
        assert_accepted(send(proxy, ACCEPT[2], {"Forwarded": 'for="127.0.0.1:4711";proto=https'}))
        assert_accepted(send(proxy, ACCEPT[3], {"Forwarded": "for=10.9.8.2"}))


def test_failures_are_counted_per_forwarded_client(
    settings: Settings, database: Database, vector_key: int, at_vector_time: FakeClock
) -> None:
    app = app_with(
        settings,
        database,
        at_vector_time,
        TRUSTED_PROXIES="10.9.8.0/24",
        AUTH_FAILURE_LIMIT="3/minute",
    )
    with client_for(app, "10.9.8.7") as proxy:
        for _ in range(3):
            response = proxy.get("/v2/accounts", headers={"X-Forwarded-For": "198.51.100.1"})
            assert response.status_code == 401
        blocked = proxy.get("/v2/accounts", headers={"X-Forwarded-For": "198.51.100.1"})
        assert blocked.status_code == 429
        assert "retry-after" in blocked.headers
        # The proxy's other clients are not blocked with the one that failed.
        assert_accepted(send(proxy, SIMPLE, {"X-Forwarded-For": "127.0.0.1"}))
