"""Fixed-window rate limits with the ``limits`` library: per API key, and per IP for failures.

``memory://`` counts within one process; ``redis://`` (RESELLER_API_REDIS_URL) counts in
Redis, so a key's limit is global across every API process on every machine.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
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


class RateLimiter:
    def __init__(self, storage_uri: str = "memory://", *, key_prefix: str = "reseller-api") -> None:
        options: dict[str, str | float] = {}
        if storage_uri.startswith(("redis://", "rediss://")):
            # Our own prefix, so deployments (and test runs) sharing one Redis never mix counts.
            options = {"key_prefix": f"{key_prefix}:limits", "socket_timeout": 2.0}
        self.storage = storage_from_string(storage_uri, **options)
        self.limiter = FixedWindowRateLimiter(self.storage)

    def hit(self, item: RateLimitItem, identity: str) -> Decision:
        """Count one request for ``identity`` and say whether it may proceed."""
        allowed = self.limiter.hit(item, identity)
        if not allowed:
            REFUSALS.labels(_kind(identity)).inc()
        return self._decision(item, identity, allowed)

    def blocked(self, item: RateLimitItem, identity: str) -> Decision | None:
        """The refusal to send when ``identity`` is already over its limit, else None (one cheap lookup)."""
        if self.limiter.test(item, identity):
            return None
        REFUSALS.labels(_kind(identity)).inc()
        return self._decision(item, identity, False)

    def _decision(self, item: RateLimitItem, identity: str, allowed: bool) -> Decision:
        stats = self.limiter.get_window_stats(item, identity)
        # The storage keeps its windows in real time: measure the reset against real time
        # (not a caller's clock), and never past the window's own length.
        reset = min(item.get_expiry(), max(0, math.ceil(stats.reset_time - time.time())))
        remaining = max(0, stats.remaining)
        return Decision(allowed, item.amount, remaining, reset)


def _kind(identity: str) -> str:
    """``key`` (an API key over its limit) or ``ip`` (an address over its failure limit)."""
    return identity.split(":", 1)[0]
