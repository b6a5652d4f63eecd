"""Fixed-window rate limits: per API key, and per IP for failures.

Limits are parsed by the ``limits`` library. ``memory://`` counts within one process
(:class:`LocalWindows`); ``redis://`` (RESELLER_API_REDIS_URL) counts in
Redis, so a key's limit is global across every API process on every machine.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple, Protocol, cast

from limits import RateLimitItem
from limits.storage import storage_from_string
from prometheus_client import Counter

from reseller_api.conventions.responses import RETRY_AFTER

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


class RateLimiter:
    def __init__(self, storage_uri: str = "memory://", *, key_prefix: str = "reseller-api") -> None:
        self._local: LocalWindows | None = None  # set for memory://: a faster path in hit()
        if storage_uri.startswith(("redis://", "rediss://")):
            # Our own prefix, so deployments (and test runs) sharing one Redis never mix counts.
            options: dict[str, str | float] = {"key_prefix": f"{key_prefix}:limits", "socket_timeout": 2.0}
            # A synchronous storage: the gate calls it inline.
            self.storage: WindowStorage = cast(WindowStorage, storage_from_string(storage_uri, **options))
        elif storage_uri.startswith("memory://"):
            self.storage = self._local = LocalWindows()
        else:
            raise ValueError(f"unsupported rate-limit storage {storage_uri!r}: memory:// or redis://")
        self._keys: dict[str, tuple[RateLimitItem, str]] = {}

    KEY_CACHE_SIZE = 10_000

    def _key(self, item: RateLimitItem, identity: str) -> str:
        """``item.key_for(identity)``, remembered: it joins five strings on every request.

        Cached by identity, and used only while the item is the very same object (a
        changed limit comes as a new item when the key cache reloads a credential).
        Bounded: emptied when full, so a flood of addresses costs no more memory.
        """
        cached = self._keys.get(identity)
        if cached is not None and cached[0] is item:
            return cached[1]
        if len(self._keys) >= self.KEY_CACHE_SIZE:
            self._keys.clear()
        key = item.key_for(identity)
        self._keys[identity] = (item, key)
        return key

    def hit(self, item: RateLimitItem, identity: str) -> Decision:
        """Count one request for ``identity`` and say whether it may proceed.

        The count the increment returns is this request's own usage, even while other
        processes count too, and saves a second round trip to Redis.
        """
        key = self._key(item, identity)
        if self._local is not None:  # in this process: one call, one clock reading
            now = time.time()
            count, reset_time = self._local.count(key, item.get_expiry(), now)
        else:
            count = self.storage.incr(key, item.get_expiry(), amount=1)
            reset_time, now = self.storage.get_expiry(key), time.time()
        allowed = count <= item.amount
        if not allowed:
            REFUSALS.labels(_kind(identity)).inc()
        return self._decision(item, count, reset_time, allowed, now)

    def blocked(self, item: RateLimitItem, identity: str) -> Decision | None:
        """The refusal to send when ``identity`` is already over its limit, else None (one cheap lookup)."""
        key = self._key(item, identity)
        count = self.storage.get(key)
        if count < item.amount:
            return None
        REFUSALS.labels(_kind(identity)).inc()
        return self._decision(item, count, self.storage.get_expiry(key), False, time.time())

    def current(self, item: RateLimitItem, identity: str) -> Decision:
        """The window as it stands, without counting a request (for the control panel)."""
        key = item.key_for(identity)
        count = self.storage.get(key)
        return self._decision(item, count, self.storage.get_expiry(key), count <= item.amount, time.time())

    @staticmethod
    def _decision(item: RateLimitItem, count: int, reset_time: float, allowed: bool, now: float) -> Decision:
        # Windows are kept in real time: measure the reset against real time (``now``,
        # not a caller's clock), and never past the window's own length.
        reset = min(item.get_expiry(), max(0, math.ceil(reset_time - now)))
        return Decision(allowed, item.amount, max(0, item.amount - count), reset)


def _kind(identity: str) -> str:
    """``key`` (an API key over its limit) or ``ip`` (an address over its failure limit)."""
    return identity.split(":", 1)[0]
