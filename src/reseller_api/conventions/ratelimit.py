"""Fixed-window rate limits with the ``limits`` library: per API key, and per IP for failures."""

from __future__ import annotations

import math
from dataclasses import dataclass

from limits import RateLimitItem
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter


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
    def __init__(self, storage_uri: str = "memory://") -> None:
        self.storage = storage_from_string(storage_uri)
        self.limiter = FixedWindowRateLimiter(self.storage)

    def hit(self, item: RateLimitItem, identity: str, now: float) -> Decision:
        """Count one request for ``identity`` and say whether it may proceed."""
        allowed = self.limiter.hit(item, identity)
        return self._decision(item, identity, now, allowed)

    def peek(self, item: RateLimitItem, identity: str, now: float) -> Decision:
        """The current state without counting a request."""
        allowed = self.limiter.test(item, identity)
        return self._decision(item, identity, now, allowed)

    def _decision(self, item: RateLimitItem, identity: str, now: float, allowed: bool) -> Decision:
        stats = self.limiter.get_window_stats(item, identity)
        reset = max(0, math.ceil(stats.reset_time - now))
        remaining = max(0, stats.remaining)
        return Decision(allowed, item.amount, remaining, reset)
