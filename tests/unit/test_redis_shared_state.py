"""Redis-backed nonces and rate limits (a real Redis, a key prefix of its own per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis
from limits import parse

from reseller_api.conventions.admission import Admission
from reseller_api.conventions.ratelimit import RateLimiter
from reseller_api.settings import Settings, SettingsError

REDIS_URL = os.environ.get("RESELLER_API_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FAILURES = (parse("5/minute"), "ip:127.0.0.1")
PLENTY = parse("1000/hour")


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


_OPEN: list[RateLimiter] = []


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    yield
    while _OPEN:
        limiter = _OPEN.pop()
        assert limiter.redis is not None
        await limiter.redis.aclose()


def _limiter(url: str = REDIS_URL, prefix: str = "reseller-api") -> RateLimiter:
    limiter = RateLimiter(url, key_prefix=prefix)
    _OPEN.append(limiter)
    return limiter


def _admission(prefix: str, window: int = 300) -> Admission:
    """One API process's view: its own limiter and admission on the shared Redis."""
    return Admission(_limiter(prefix=prefix), window, prefix)


async def _use(admission: Admission, api_key: str, nonce: str, item: Any = PLENTY) -> bool:
    decision = await admission.admit(item, f"key:{api_key}", api_key, nonce, 1000, 1000.0, FAILURES)
    return decision is not None


async def test_a_nonce_is_single_use_per_key_across_processes(prefix: str) -> None:
    one, two = _admission(prefix), _admission(prefix)  # two processes
    assert await _use(one, "key-a", "n1")
    assert not await _use(two, "key-a", "n1")
    assert not await _use(one, "key-a", "n1")
    assert await _use(two, "key-b", "n1")  # another key's nonce space


async def test_a_nonce_is_kept_for_two_windows_plus_one_second(prefix: str) -> None:
    """Counted on Redis's clock from first use: a timestamp a window ahead stays acceptable two windows."""
    admission = _admission(prefix, window=300)
    assert await _use(admission, "key", "nonce")
    with redis.Redis.from_url(REDIS_URL) as client:
        ttl = client.ttl(f"{prefix}:nonce:key:nonce")
    assert 600 < int(ttl) <= 601  # type: ignore[arg-type]


async def test_a_reused_nonce_counts_nothing_against_the_key(prefix: str) -> None:
    admission = _admission(prefix)
    item = parse("2/hour")
    first = await admission.admit(item, "key:1", "k", "n1", 1000, 1000.0, FAILURES)
    assert first is not None
    assert first.remaining == 1
    assert await admission.admit(item, "key:1", "k", "n1", 1000, 1000.0, FAILURES) is None
    second = await admission.admit(item, "key:1", "k", "n2", 1000, 1000.0, FAILURES)
    assert second is not None
    assert second.allowed
    assert second.remaining == 0


async def test_a_caller_over_its_failure_limit_is_refused_by_every_process(prefix: str) -> None:
    """Failures counted by one process refuse the caller in another, nothing claimed or counted."""
    one, two = _admission(prefix), _admission(prefix)
    failure_item, ip = FAILURES
    for _ in range(failure_item.amount):
        await one.limiter.hit(failure_item, ip)
    assert one.limiter.blocked(failure_item, ip) is not None  # seen over the limit here
    assert two.limiter.blocked(failure_item, ip) is None  # not seen there: no round trip
    refused = await two.admit(PLENTY, "key:1", "k", "n1", 1000, 1000.0, FAILURES)
    assert refused is not None
    assert not refused.allowed
    assert refused.limit == failure_item.amount
    assert refused.remaining == 0
    assert 0 < refused.reset <= 60
    assert two.limiter.blocked(failure_item, ip) is not None  # now known there too
    assert await _use(_admission(prefix), "k", "n1")  # the nonce was not claimed


async def test_a_limit_is_global_across_limiters(prefix: str) -> None:
    item = parse("3/hour")
    one, two = _limiter(prefix=prefix), _limiter(prefix=prefix)
    decisions = [await limiter.hit(item, "key:1") for limiter in (one, two, one, two)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    refused = decisions[-1]
    assert refused.limit == 3
    assert 0 < refused.reset <= 3600
    assert (b"Retry-After", str(refused.reset).encode()) in refused.headers()
    assert two.blocked(item, "key:1") is not None
    assert two.blocked(item, "key:2") is None
    # The control panel's synchronous read sees the same window (limits' own keys).
    assert one.current(item, "key:1").remaining == 0


async def test_prefixes_keep_deployments_apart(prefix: str) -> None:
    item = parse("1/hour")
    assert (await _limiter(prefix=prefix).hit(item, "key:1")).allowed
    assert (await _limiter(prefix=prefix + "-other").hit(item, "key:1")).allowed


async def test_a_redis_outage_raises_a_redis_error() -> None:
    """The gate's caller (health.Operations) turns it into a JSON 503."""
    admission = Admission(_limiter("redis://127.0.0.1:1/0"), 300)
    with pytest.raises(redis.RedisError):
        await _use(admission, "key", "nonce")


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
