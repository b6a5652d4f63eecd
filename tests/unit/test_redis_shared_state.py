"""Redis-backed nonces and rate limits (a real Redis, a key prefix of its own per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from limits import parse

from reseller_api.conventions.nonces import MemoryNonceStore, RedisNonceStore, nonce_store
from reseller_api.conventions.ratelimit import RateLimiter
from reseller_api.settings import Settings, SettingsError

REDIS_URL = os.environ.get("RESELLER_API_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on this machine")
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def test_a_nonce_is_single_use_per_key_across_stores(prefix: str) -> None:
    one = RedisNonceStore.from_url(REDIS_URL, 600, prefix)
    two = RedisNonceStore.from_url(REDIS_URL, 600, prefix)  # another process
    assert one.use("key-a", "n1", 1000.0)
    assert not two.use("key-a", "n1", 1000.0)
    assert not one.use("key-a", "n1", 1300.0)
    assert two.use("key-b", "n1", 1000.0)  # another key's nonce space


def test_a_nonce_expires_with_the_window_plus_one_second(prefix: str) -> None:
    store = RedisNonceStore.from_url(REDIS_URL, 600, prefix)
    store.use("key", "nonce", 0.0)
    ttl = store.client.ttl(f"{prefix}:nonce:key:nonce")
    assert 600 < int(ttl) <= 601  # type: ignore[arg-type]


def test_nonce_store_is_memory_without_redis(prefix: str) -> None:
    assert isinstance(nonce_store(None, 600), MemoryNonceStore)
    assert isinstance(nonce_store(REDIS_URL, 600, prefix), RedisNonceStore)


def test_a_limit_is_global_across_limiters(prefix: str) -> None:
    item = parse("3/hour")
    one, two = RateLimiter(REDIS_URL, key_prefix=prefix), RateLimiter(REDIS_URL, key_prefix=prefix)
    decisions = [limiter.hit(item, "key:1") for limiter in (one, two, one, two)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    refused = decisions[-1]
    assert refused.limit == 3
    assert 0 < refused.reset <= 3600
    assert (b"Retry-After", str(refused.reset).encode()) in refused.headers()
    assert one.blocked(item, "key:1") is not None
    assert two.blocked(item, "key:2") is None


def test_prefixes_keep_deployments_apart(prefix: str) -> None:
    item = parse("1/hour")
    assert RateLimiter(REDIS_URL, key_prefix=prefix).hit(item, "key:1").allowed
    assert RateLimiter(REDIS_URL, key_prefix=prefix + "-other").hit(item, "key:1").allowed


def test_a_redis_outage_raises_a_redis_error() -> None:
    """The gate's caller (health.Operations) turns it into a JSON 503."""
    store = RedisNonceStore.from_url("redis://127.0.0.1:1/0", 600)
    with pytest.raises(redis.RedisError):
        store.use("key", "nonce", 0.0)


def env(**values: str) -> dict[str, str]:
    return {f"RESELLER_API_{k}": v for k, v in values.items()}


def test_scale_out_settings_are_read() -> None:
    settings = Settings.from_env(
        env(
            DATABASE_URL="postgresql://u@db/x",
            JOB_RUNNER="procrastinate",
            REDIS_URL="redis://cache:6379/2",
            REDIS_PREFIX="prod",
            DB_POOL_SIZE="20",
            WORKER_CONCURRENCY="8",
            PROCESSES="4",
        )
    )
    assert settings.job_runner == "procrastinate"
    assert settings.redis_url == "redis://cache:6379/2"
    assert (settings.redis_prefix, settings.db_pool_size, settings.worker_concurrency) == ("prod", 20, 8)
    assert settings.processes == 4
    defaults = Settings.from_env({})
    assert (defaults.redis_url, defaults.job_runner, defaults.processes) == (None, "embedded", 1)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"JOB_RUNNER": "procrastinate"}, "JOB_RUNNER=procrastinate needs PostgreSQL"),
        ({"PROCESSES": "2"}, "RESELLER_API_REDIS_URL=redis://"),
        ({"REDIS_URL": "http://cache"}, "RESELLER_API_REDIS_URL: expected redis://"),
        ({"DB_POOL_SIZE": "0"}, "RESELLER_API_DB_POOL_SIZE: must be at least 1"),
        ({"WORKER_CONCURRENCY": "many"}, "RESELLER_API_WORKER_CONCURRENCY: expected a whole number"),
        ({"JOB_RUNNER": "celery"}, "expected one of embedded, worker, procrastinate"),
    ],
)
def test_nonsense_combinations_are_refused_at_start(values: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        Settings.from_env(env(**values))


def test_uvicorn_workers_count_as_processes() -> None:
    with pytest.raises(SettingsError, match="with in-memory rate limits"):
        Settings.from_env({"WEB_CONCURRENCY": "3"})
    assert Settings.from_env({"WEB_CONCURRENCY": "3", **env(REDIS_URL="redis://x")}).processes == 3
