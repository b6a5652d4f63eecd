"""The signed-GET hot path's caches and shortcuts: each must answer exactly as the slow way did.

See docs/design.md "Hot path" and bench/README.md for why each exists.
"""

from __future__ import annotations

import gc
import ipaddress
from array import array
from typing import Any

import msgspec
import pytest
from limits import parse
from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy import text

from reseller_api.cli.serve import uvicorn_options
from reseller_api.conventions import hmac as hmac_module
from reseller_api.conventions import network
from reseller_api.conventions.nonces import MemoryNonceStore
from reseller_api.conventions.ratelimit import RateLimiter
from reseller_api.conventions.responses import JSONBytes, as_sent
from reseller_api.credentials import cache as cache_module
from reseller_api.credentials.cache import RECHECK_SECONDS, Credential, KeyCache
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox
from reseller_api.health import REQUESTS, Operations
from reseller_api.resources.accounts.routes import ACCOUNT_ID_DESCRIPTION
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.wire.accounts import AccountDetail
from reseller_api.wire.servicepacks import Servicepack

DETAIL = AccountDetail(
    id=7, identifier="bücher.example", servicepack=Servicepack(id=3, name="Mail"), addons=[]
)


# -- the pre-encoded response -----------------------------------------------------------------


def test_json_bytes_answers_what_the_gate_makes_of_litestars_answer_for_the_struct() -> None:
    @get("/struct", sync_to_thread=False)
    def as_struct() -> AccountDetail:
        return DETAIL

    @get("/bytes", sync_to_thread=False)
    def as_bytes() -> JSONBytes:
        return JSONBytes(DETAIL)

    with TestClient(Litestar([as_struct, as_bytes])) as client:
        struct, encoded = client.get("/struct"), client.get("/bytes")
    assert encoded.status_code == struct.status_code == 200
    assert encoded.content == struct.content == msgspec.json.encode(DETAIL)
    # The gate renames Litestar's headers (as_sent); JSONBytes sends them renamed already.
    renamed = [(bytes(n), v) for n, v in as_sent(struct.headers.raw, [])]
    assert encoded.headers.raw == renamed
    assert renamed == [(b"Content-Type", b"application/json; charset=utf-8"), (b"Content-Length", b"88")]


def test_get_account_keeps_its_documented_parameter(app: Any) -> None:
    operation = app.litestar.openapi_schema.paths["/v2/accounts/{account_id}"].get
    (parameter,) = operation.parameters
    assert (parameter.name, parameter.param_in, parameter.required) == ("account_id", "path", True)
    assert parameter.description == ACCOUNT_ID_DESCRIPTION
    assert parameter.schema.type == "integer"
    assert operation.responses["200"].content["application/json"].schema.ref.endswith("/AccountDetail")


# -- the credentials cache --------------------------------------------------------------------


class FrozenClock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1000.0
        monkeypatch.setattr(cache_module.time, "monotonic", lambda: self.now)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch)


def _cache(database: Database, settings: Settings) -> KeyCache:
    return KeyCache(database, SecretBox.from_settings(settings), settings.rate_limit)


async def test_a_change_through_this_process_is_seen_at_once(
    database: Database, settings: Settings, credentials: CredentialsService, frozen: FrozenClock
) -> None:
    created = credentials.create_key("hot", ["127.0.0.1"])
    keys = _cache(database, settings)
    assert (await keys.get(created.api_key)) is not None
    credentials.revoke_key(created.api_key)  # the clock does not move
    assert (await keys.get(created.api_key)) is None


async def test_a_change_by_another_process_is_seen_within_the_recheck_bound(
    database: Database, settings: Settings, credentials: CredentialsService, frozen: FrozenClock
) -> None:
    created = credentials.create_key("hot", ["127.0.0.1"])
    keys = _cache(database, settings)
    first = await keys.get(created.api_key)
    assert first is not None
    # Another process: its own Database object (its commits are not counted here).
    other = Database(database.url)
    try:
        CredentialsService(other, SecretBox.from_settings(settings)).rotate_key(created.api_key)
    finally:
        other.dispose()
    frozen.now += RECHECK_SECONDS / 2
    assert (await keys.get(created.api_key)) is first  # within the documented bound: not looked yet
    frozen.now += RECHECK_SECONDS
    rotated = await keys.get(created.api_key)
    assert rotated is not None
    assert rotated.secret != first.secret


async def test_the_database_is_not_read_between_looks(
    database: Database,
    settings: Settings,
    credentials: CredentialsService,
    frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = credentials.create_key("hot", ["127.0.0.1"])
    keys = _cache(database, settings)
    assert (await keys.get(created.api_key)) is not None
    reads: list[object] = []
    original = database.fetch_one
    monkeypatch.setattr(database, "fetch_one", lambda *a, **k: reads.append(a) or original(*a, **k))
    original_async = database.fetch_one_async

    async def counted(*a: Any, **k: Any) -> Any:
        reads.append(a)
        return await original_async(*a, **k)

    monkeypatch.setattr(database, "fetch_one_async", counted)
    watch = keys._watch
    versions: list[int] = []
    if watch is not None:
        original_version = watch.version
        monkeypatch.setattr(watch, "version", lambda: versions.append(1) or original_version())
    for _ in range(100):
        assert (await keys.get(created.api_key)) is not None
    assert reads == []
    assert versions == []
    # Past the bound: one look (on SQLite, the data version only: nothing changed).
    frozen.now += RECHECK_SECONDS
    assert (await keys.get(created.api_key)) is not None
    assert len(reads) + len(versions) == 1


def test_the_sqlite_change_watch_moves_with_commits_from_any_connection(database: Database) -> None:
    watch = database.change_watch()
    if watch is None:
        pytest.skip("SQLite only: PostgreSQL has no data version")
    before = watch.version()
    assert watch.version() == before
    other = Database(database.url)
    try:
        with other.transaction() as conn:
            conn.execute(text("UPDATE credentials_generation SET generation = generation + 1"))
    finally:
        other.dispose()
    assert watch.version() != before


def test_a_credential_remembers_its_whitelist_answers() -> None:
    credential = Credential(
        key_id=1,
        api_key="k",
        reseller_id=1,
        secret=b"s",
        networks=(ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")),
        rate_limit=parse("10/minute"),
    )
    for _ in range(2):  # computed, then remembered
        assert credential.allows(ipaddress.ip_address("10.1.2.3"))
        assert credential.allows(ipaddress.ip_address("::ffff:10.1.2.3"))
        assert credential.allows(ipaddress.ip_address("::1"))
        assert not credential.allows(ipaddress.ip_address("11.0.0.1"))
        assert not credential.allows(None)
    for i in range(3000):  # bounded
        credential.allows(ipaddress.ip_address(i + 1))
    assert len(credential._answers) <= 1024


# -- nonces, targets, addresses, rate-limit keys ---------------------------------------------


def test_the_nonce_store_is_invisible_to_the_garbage_collector() -> None:
    store = MemoryNonceStore(window_seconds=300)
    for i in range(1000):
        assert store.use("key", f"n{i}", 1_000_000 + i // 10, 1_000_000.0 + i / 10)
    gc.collect()
    # A fixed number of tables and one array per second of expiry, whatever the rate: the
    # collector visits each array (it holds no references), never the nonces in them.
    assert all(type(shard.slots) is array for shard in store._shards)
    assert len(store._expiries) == 100


def test_a_nonce_is_remembered_until_its_timestamp_plus_the_window() -> None:
    """A replay carries the same signed timestamp: past timestamp + window the gate refuses it anyway."""
    store = MemoryNonceStore(window_seconds=300)
    assert store.use("key", "old", 1_000_000, 1_000_000.0)
    assert store.use("key", "new", 1_000_200, 1_000_200.0)
    assert not store.use("key", "old", 1_000_000, 1_000_301.0)  # whole-second comparisons: kept 1 s more
    assert not store.use("key", "old", 1_000_000, 1_000_301.9)
    assert len(store) == 2
    assert store.use("key", "other", 1_000_302, 1_000_302.0)  # the first second of expiry is now past
    assert len(store) == 2  # "old" forgotten, "new" kept
    assert store.use("key", "old", 1_000_302, 1_000_302.0)  # a new timestamp: a new signature
    assert not store.use("key", "new", 1_000_200, 1_000_400.0)  # "new" is kept until 1_000_501
    # Reused within the window, with another timestamp: still refused (single use per key).
    assert not store.use("key", "other", 1_000_303, 1_000_303.0)


def test_the_nonce_store_stays_small() -> None:
    """About 80 bytes a nonce (bench/README.md: RSS after 500k signed requests)."""
    import tracemalloc

    store = MemoryNonceStore(window_seconds=300)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(100_000):
        store.use("3f0c9a1b2c3d4e5f", f"bench{i:x}", 1_000_000 + i // 10_000, 1_000_000.0)
    size = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert size / 100_000 < 40, size / 100_000


def test_expired_nonces_are_forgotten_a_few_at_a_time() -> None:
    """No request pays for forgetting a whole second's nonces; every one is forgotten in time."""
    store = MemoryNonceStore(window_seconds=10)
    for i in range(5000):  # 1000 nonces per second of timestamp, 5 seconds
        assert store.use("key", f"a{i}", 1000 + i // 1000, 1000.0 + i / 1000)
    assert len(store) == 5000
    # From 1012 the first second's nonces are past; each call forgets a few of them.
    assert store.use("key", "b0", 1012, 1012.0)
    assert 5001 - MemoryNonceStore.FORGET_PER_USE <= len(store) <= 5001
    for i in range(1, 2000):
        assert store.use("key", f"b{i}", 1020, 1020.0)
    assert len(store) == 2000  # all of the first five seconds forgotten by now
    for i in range(5000):  # and each can be used again, under a new timestamp
        assert store.use("key", f"a{i}", 1020, 1020.0)
    assert not store.use("key", "a4999", 1020, 1020.0)
    assert len(store) == 7000


def test_nonces_with_separators_do_not_collide() -> None:
    store = MemoryNonceStore(window_seconds=600)
    assert store.use("a:b", "c", 1, 1.0)
    assert store.use("a", "b:c", 1, 1.0)
    assert store.use("1:a", "b", 1, 1.0)


def test_canonical_targets_are_remembered_within_bounds() -> None:
    hmac_module._TARGETS.clear()
    target = "/v2/accounts/42?take=10"
    assert hmac_module.canonical_targets(target) == hmac_module._canonical_targets(target)
    assert target in hmac_module._TARGETS
    long_target = "/v2/" + "a" * hmac_module.TARGET_CACHE_MAX_LENGTH
    assert hmac_module.canonical_targets(long_target) == hmac_module._canonical_targets(long_target)
    assert long_target not in hmac_module._TARGETS
    for i in range(hmac_module.TARGET_CACHE_SIZE + 10):
        hmac_module.canonical_targets(f"/v2/accounts/{i}")
    assert len(hmac_module._TARGETS) <= hmac_module.TARGET_CACHE_SIZE


def test_peer_addresses_are_remembered_within_bounds() -> None:
    network._PEERS.clear()
    scope = {"type": "http", "client": ("::ffff:192.0.2.1", 1), "headers": []}
    assert network.client_address(scope, ()) == ipaddress.ip_address("192.0.2.1")
    assert network.client_address({**scope, "client": ("not an ip", 1)}, ()) is None
    for i in range(network.PEER_CACHE_SIZE + 10):
        network.client_address({**scope, "client": (str(ipaddress.ip_address(i + 1)), 1)}, ())
    assert len(network._PEERS) <= network.PEER_CACHE_SIZE


async def test_a_changed_limit_counts_under_its_own_key() -> None:
    limiter = RateLimiter()
    old, new = parse("2/minute"), parse("5/minute")
    assert (await limiter.hit(old, "key:1")).remaining == 1
    assert (await limiter.hit(old, "key:1")).remaining == 0
    # The key cache reloaded the credential with a new limit: a new item object.
    decision = await limiter.hit(new, "key:1")
    assert (decision.allowed, decision.limit, decision.remaining) == (True, 5, 4)
    assert (await limiter.hit(old, "key:1")).allowed is False  # the old window is untouched


# -- metrics and the server --------------------------------------------------------------------


def test_metric_children_are_reused_and_still_count(app: Any) -> None:
    operations: Operations = app
    before = REQUESTS.labels("GET", "/hot/{path}", "200")._value.get()
    operations._count("GET", "/hot/{path}", 200, 0.001)
    operations._count("GET", "/hot/{path}", 200, 0.002)
    assert REQUESTS.labels("GET", "/hot/{path}", "200")._value.get() == before + 2
    assert operations._counters["GET", "/hot/{path}", 200] is REQUESTS.labels("GET", "/hot/{path}", "200")


def test_uvicorn_leaves_forwarded_headers_to_the_app() -> None:
    options = uvicorn_options("INFO")
    assert options["proxy_headers"] is False  # RESELLER_API_TRUSTED_PROXIES decides, in the app
    assert options["log_level"] == "info"
    assert options["access_log"] is False
