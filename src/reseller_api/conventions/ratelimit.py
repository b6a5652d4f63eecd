"""Fixed-window rate limits: per API key, and per IP for failures.

Limits are parsed by the ``limits`` library. ``memory://`` counts within one process
(:class:`LocalWindows`); ``redis://`` (RESELLER_API_REDIS_URL) counts in
Redis, so a key's limit is global across every API process on every machine.

On Redis the gate's calls (``hit``, ``blocked``) are async (``redis.asyncio``: the event
loop serves other requests during the round trip) and each is one round trip: a Lua
script counts and reads the window's expiry together (``limits`` takes two). The keys
and their meaning are ``limits``' own fixed window (``INCRBY``, ``EXPIRE`` on the first
hit), so its synchronous storage still reads them for the control panel (``current``).
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any, NamedTuple, Protocol, cast

import redis.asyncio
from limits import RateLimitItem
from limits.storage import storage_from_string
from prometheus_client import Counter

from reseller_api.conventions.responses import RETRY_AFTER
from reseller_api.eventloops import abort_now

REFUSALS = Counter("reseller_api_rate_limit_refusals", "Requests refused with 429, by limit", ["limit"])


class Decision(NamedTuple):
    """One rate-limit verdict (a NamedTuple: made on every request, a frozen dataclass costs more)."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window resets

    @property
    def usage(self) -> int:
        return self.limit - self.remaining

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The four rate-limit headers (and Retry-After when refused), as ASGI pairs, named as the
        vendor sends them: ``x-ratelimit-*`` lowercase, ``Retry-After`` capitalised."""
        pairs = [
            (b"x-ratelimit-limit", b"%d" % self.limit),
            (b"x-ratelimit-usage", b"%d" % (self.limit - self.remaining)),
            (b"x-ratelimit-remaining", b"%d" % self.remaining),
            (b"x-ratelimit-reset", b"%d" % self.reset),
        ]
        if not self.allowed:
            pairs.append((RETRY_AFTER, b"%d" % self.reset))
        return pairs


class WindowStorage(Protocol):
    """The three storage calls a fixed window needs (``limits``' storages have them too)."""

    def incr(self, key: str, expiry: int, amount: int = 1) -> int: ...
    def get(self, key: str) -> int: ...
    def get_expiry(self, key: str) -> float: ...


class LocalWindows:
    """Fixed windows in this process's memory, for ``memory://``.

    ``limits``' own MemoryStorage starts a timer thread about every 10 ms under load to
    expire keys; measured on the signed-GET hot path, that and its locks cost more than the
    rest of the rate limiting together. The gate calls us from the event loop only, so a
    plain dict suffices; expired windows are dropped when the dict grows.
    """

    PRUNE_AT = 10_000

    def __init__(self) -> None:
        self._windows: dict[str, list[float]] = {}  # key -> [count, expires_at]

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        window = self._windows.get(key)
        if window is None or window[1] <= now:
            if len(self._windows) >= self.PRUNE_AT:
                self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
            window = self._windows[key] = [0, now + expiry]
        window[0] += amount
        return int(window[0])

    def get(self, key: str) -> int:
        window = self._windows.get(key)
        return 0 if window is None or window[1] <= time.time() else int(window[0])

    def get_expiry(self, key: str) -> float:
        window = self._windows.get(key)
        return time.time() if window is None else window[1]

    def count(self, key: str, expiry: int, now: float) -> tuple[int, float]:
        """``incr`` and ``get_expiry`` in one: (this request's count, when the window ends)."""
        window = self._windows.get(key)
        if window is None or window[1] <= now:
            if len(self._windows) >= self.PRUNE_AT:
                self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
            window = self._windows[key] = [0, now + expiry]
        window[0] += 1
        return int(window[0]), window[1]


# KEYS[1]: the window; ARGV[1]: its length in seconds. Returns {count, ms left}.
HIT_SCRIPT = """
local count = redis.call('INCRBY', KEYS[1], 1)
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
"""


class RateLimiter:
    def __init__(
        self,
        storage_uri: str = "memory://",
        *,
        key_prefix: str = "reseller-api",
        client: redis.asyncio.Redis | None = None,
    ) -> None:
        self._local: LocalWindows | None = None  # set for memory://
        self.redis: redis.asyncio.Redis | None = None
        self._redis_url = storage_uri
        self._redis_loop: asyncio.AbstractEventLoop | None = None  # where self.redis's connections live
        self._prefix = ""  # what Redis keys carry before limits' own key
        if storage_uri.startswith(("redis://", "rediss://", "unix://")):
            # Our own prefix, so deployments (and test runs) sharing one Redis never mix counts.
            prefix = f"{key_prefix}:limits"
            options: dict[str, str | float] = {"key_prefix": prefix, "socket_timeout": 2.0}
            # Synchronous, for the control panel's reads (the gate uses the async client).
            self.storage: WindowStorage = cast(WindowStorage, storage_from_string(storage_uri, **options))
            self.redis = client or redis.asyncio.Redis.from_url(storage_uri, socket_timeout=2.0)
            self._prefix = f"{prefix}:"
            self._hit = self.redis.register_script(HIT_SCRIPT)
        elif storage_uri.startswith("memory://"):
            self.storage = self._local = LocalWindows()
        else:
            raise ValueError(f"unsupported rate-limit storage {storage_uri!r}: memory:// or redis://")
        self._keys: dict[str, tuple[RateLimitItem, str]] = {}
        # Redis: windows this process saw over their limit -> (when the window ends, count).
        self._over: dict[str, tuple[float, int]] = {}

    KEY_CACHE_SIZE = 10_000

    def client(self) -> redis.asyncio.Redis:
        """The async Redis client of the running event loop (Redis only).

        Its connections belong to the loop that opened them. A server has one loop, but a
        loop that ends (the tests run one per app call) leaves them unusable: the next
        loop gets a client of its own, the old one's sockets closed at once.
        """
        assert self.redis is not None
        loop = asyncio.get_running_loop()
        if self._redis_loop is not loop:
            if self._redis_loop is not None:
                self._drop_connections()
                self.redis = redis.asyncio.Redis.from_url(self._redis_url, socket_timeout=2.0)
            self._redis_loop = loop
        return self.redis

    async def close(self) -> None:
        """Close the Redis connections (the app's shutdown, on the loop that used them)."""
        if self.redis is not None and self._redis_loop is asyncio.get_running_loop():
            await self.redis.connection_pool.disconnect()
            self._redis_loop = None
        self.dispose()

    def dispose(self) -> None:
        """Close the Redis connections without an event loop: theirs may have ended."""
        if self.redis is not None and self._redis_loop is not None:
            self._drop_connections()
            self._redis_loop = None

    def _drop_connections(self) -> None:
        """Abort every connection at once (redis-py's disconnect awaits their loop)."""
        assert self.redis is not None
        pool = self.redis.connection_pool
        for conn in [*pool._available_connections, *pool._in_use_connections]:
            writer = conn._writer
            conn._reader = conn._writer = None
            if writer is not None:
                abort_now(writer.transport)
        pool._available_connections.clear()
        pool._in_use_connections.clear()

    def key(self, item: RateLimitItem, identity: str) -> str:
        """Where the window is kept: ``item.key_for(identity)`` (plus our Redis prefix), remembered.

        It joins five strings on every request, so it is cached by identity, and used only
        while the item is the very same object (a changed limit comes as a new item when
        the key cache reloads a credential). Bounded: emptied when full, so a flood of
        addresses costs no more memory.
        """
        cached = self._keys.get(identity)
        if cached is not None and cached[0] is item:
            return cached[1]
        if len(self._keys) >= self.KEY_CACHE_SIZE:
            self._keys.clear()
        key = self._prefix + item.key_for(identity)
        self._keys[identity] = (item, key)
        return key

    async def hit(self, item: RateLimitItem, identity: str) -> Decision:
        """Count one request for ``identity`` and say whether it may proceed.

        The count the increment returns is this request's own usage, even while other
        processes count too: no second read.
        """
        if self._local is not None:
            return self.hit_local(item, identity)
        count, left_ms = await self._hit(
            keys=[self.key(item, identity)], args=[item.get_expiry()], client=self.client()
        )
        return self.decide_remote(item, identity, count, left_ms)

    def hit_local(self, item: RateLimitItem, identity: str) -> Decision:
        """:meth:`hit` for ``memory://``, without a coroutine: one call, one clock reading."""
        assert self._local is not None
        now = time.time()
        count, reset_time = self._local.count(self.key(item, identity), item.get_expiry(), now)
        return self.decide(item, identity, count, reset_time, now)

    def blocked(self, item: RateLimitItem, identity: str) -> Decision | None:
        """The refusal to send when ``identity`` is known to be over its limit, else None (no round trip).

        In memory, exact. On Redis, what this process saw: windows it found over their
        limit (counting a failure, or in the admission script, which checks the caller's
        failure window again: Admission.admit) until they end. A caller over its limit
        because of failures seen by other processes gets the same 429 from that script,
        one HMAC later: the same answer, without a round trip on every request here.
        """
        key = self.key(item, identity)
        if self._local is not None:
            count = self._local.get(key)
            if count < item.amount:
                return None
            return self.decide(item, identity, count, self._local.get_expiry(key), time.time(), refused=True)
        over = self._over.get(key)
        if over is None:
            return None
        now = time.time()
        if over[0] <= now:
            del self._over[key]
            return None
        return self.decide(item, identity, over[1], over[0], now, refused=True)

    def current(self, item: RateLimitItem, identity: str) -> Decision:
        """The window as it stands, without counting a request (for the control panel)."""
        key = item.key_for(identity)
        count = self.storage.get(key)
        return self._decision(item, count, self.storage.get_expiry(key), count <= item.amount, time.time())

    def decide_remote(
        self, item: RateLimitItem, identity: str, count: Any, left_ms: Any, *, refused: bool = False
    ) -> Decision:
        """The verdict from what a Redis script answered: the count and the window's milliseconds left."""
        now = time.time()
        left = int(left_ms)
        # -1: no expiry (cannot happen: set with the first hit); -2: gone meanwhile.
        reset_time = now + (left / 1000 if left >= 0 else item.get_expiry())
        count = int(count)
        if count >= item.amount:  # for blocked(): over its limit until the window ends
            if len(self._over) >= self.KEY_CACHE_SIZE:
                self._over = {k: v for k, v in self._over.items() if v[0] > now}
            self._over[self.key(item, identity)] = (reset_time, count)
        return self.decide(item, identity, count, reset_time, now, refused=refused)

    def decide(
        self,
        item: RateLimitItem,
        identity: str,
        count: int,
        reset_time: float,
        now: float,
        *,
        refused: bool = False,
    ) -> Decision:
        allowed = not refused and count <= item.amount
        if not allowed:
            REFUSALS.labels(_kind(identity)).inc()
        return self._decision(item, count, reset_time, allowed, now)

    @staticmethod
    def _decision(item: RateLimitItem, count: int, reset_time: float, allowed: bool, now: float) -> Decision:
        # Windows are kept in real time: measure the reset against real time (``now``,
        # not a caller's clock), and never past the window's own length.
        reset = min(item.get_expiry(), max(0, math.ceil(reset_time - now)))
        return Decision(allowed, item.amount, max(0, item.amount - count), reset)


def _kind(identity: str) -> str:
    """``key`` (an API key over its limit) or ``ip`` (an address over its failure limit)."""
    return identity.split(":", 1)[0]
