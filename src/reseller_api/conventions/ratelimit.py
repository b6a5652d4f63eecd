"""Fixed-window rate limits: per API key, and per IP for failures.

Limits are parsed by the ``limits`` library. ``memory://`` counts within one process
(:class:`LocalWindows`); ``redis://`` (RESELLER_API_REDIS_URL) counts in
Redis, so a key's limit is global across every API process on every machine.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol, cast

from limits import RateLimitItem
from limits.storage import storage_from_string
from prometheus_client import Counter

REFUSALS = Counter("reseller_api_rate_limit_refusals", "Requests refused with 429, by limit", ["limit"])


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window resets

    @property
    def usage(self) -> int:
        return self.limit - self.remaining

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The four X-RateLimit headers (and Retry-After when refused), as ASGI pairs."""
        pairs = [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-usage", str(self.usage).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.reset).encode()),
        ]
        if not self.allowed:
            pairs.append((b"retry-after", str(self.reset).encode()))
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


class RateLimiter:
    def __init__(self, storage_uri: str = "memory://", *, key_prefix: str = "reseller-api") -> None:
        if storage_uri.startswith(("redis://", "rediss://")):
            # Our own prefix, so deployments (and test runs) sharing one Redis never mix counts.
            options: dict[str, str | float] = {"key_prefix": f"{key_prefix}:limits", "socket_timeout": 2.0}
            # A synchronous storage: the gate calls it inline.
            self.storage: WindowStorage = cast(WindowStorage, storage_from_string(storage_uri, **options))
        elif storage_uri.startswith("memory://"):
            self.storage = LocalWindows()
        else:
            raise ValueError(f"unsupported rate-limit storage {storage_uri!r}: memory:// or redis://")

    def hit(self, item: RateLimitItem, identity: str) -> Decision:
        """Count one request for ``identity`` and say whether it may proceed.

        The count the increment returns is this request's own usage, even while other
        processes count too, and saves a second round trip to Redis.
        """
        key = item.key_for(identity)
        count = self.storage.incr(key, item.get_expiry(), amount=1)
        allowed = count <= item.amount
        if not allowed:
            REFUSALS.labels(_kind(identity)).inc()
        return self._decision(item, count, self.storage.get_expiry(key), allowed)

    def blocked(self, item: RateLimitItem, identity: str) -> Decision | None:
        """The refusal to send when ``identity`` is already over its limit, else None (one cheap lookup)."""
        key = item.key_for(identity)
        count = self.storage.get(key)
        if count < item.amount:
            return None
        REFUSALS.labels(_kind(identity)).inc()
        return self._decision(item, count, self.storage.get_expiry(key), False)

    def current(self, item: RateLimitItem, identity: str) -> Decision:
        """The window as it stands, without counting a request (for the control panel)."""
        key = item.key_for(identity)
        count = self.storage.get(key)
        return self._decision(item, count, self.storage.get_expiry(key), count <= item.amount)

    @staticmethod
    def _decision(item: RateLimitItem, count: int, reset_time: float, allowed: bool) -> Decision:
        # Windows are kept in real time: measure the reset against real time (not a
        # caller's clock), and never past the window's own length.
        reset = min(item.get_expiry(), max(0, math.ceil(reset_time - time.time())))
        return Decision(allowed, item.amount, max(0, item.amount - count), reset)


def _kind(identity: str) -> str:
    """``key`` (an API key over its limit) or ``ip`` (an address over its failure limit)."""
    return identity.split(":", 1)[0]
