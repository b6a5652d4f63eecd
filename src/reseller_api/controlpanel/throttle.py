"""Sign-in attempts limited per user and per client IP, so passwords cannot be guessed online.

Only failures count. Past the limit every attempt is refused (a right password too) until
the window has moved on, which is what makes guessing pointless. The counters live in this
process's memory (``limits``); a restart forgets them, like the API's nonces.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

# Five wrong passwords per account per quarter hour; twenty per address (a shared office NAT).
PER_USER = RateLimitItemPerMinute(5, 15)
PER_ADDRESS = RateLimitItemPerMinute(20, 15)


class SignInThrottle:
    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def _pairs(self, email: str, address: str) -> tuple[tuple[RateLimitItemPerMinute, str], ...]:
        return ((PER_USER, f"user:{email.strip().lower()}"), (PER_ADDRESS, f"ip:{address}"))

    def wait_seconds(self, email: str, address: str) -> int | None:
        """Seconds until another attempt is allowed, or None when one is allowed now."""
        waits = []
        for item, identity in self._pairs(email, address):
            if not self.limiter.test(item, identity):
                reset = self.limiter.get_window_stats(item, identity).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def failed(self, email: str, address: str) -> None:
        for item, identity in self._pairs(email, address):
            self.limiter.hit(item, identity)

    def succeeded(self, email: str) -> None:
        """A right password forgives the user's earlier typos (not the address's)."""
        self.limiter.clear(PER_USER, f"user:{email.strip().lower()}")
