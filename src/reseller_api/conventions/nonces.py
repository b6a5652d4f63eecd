"""Single-use nonces per API key, remembered for as long as a signature could be accepted.

The in-memory store is forgotten on restart: a request captured just before a restart
could be replayed within the signature window after it, and each process has its own.
:class:`RedisNonceStore` is shared by every API process and survives their restarts: a
replayed request is refused whichever process it reaches.
"""

from __future__ import annotations

import math
from typing import Protocol

import redis


class NonceStore(Protocol):
    def use(self, api_key: str, nonce: str, now: float) -> bool:
        """Record the nonce; False when it was already used within the window."""


class MemoryNonceStore:
    """This process's nonces, in structures the garbage collector need not walk.

    At the benchmark's rate the store holds hundreds of thousands of nonces (rate x
    window). Kept as tuples in a dict and a deque, every full collection walked them
    all: measured at 10-15 us per request, growing with the store. Here a nonce is one
    string (``len:api_key:nonce``, unambiguous) in a dict of strings to floats, and the
    expiry order is one such dict per second of expiry: containers of strings and floats
    only, which CPython does not track. Expired seconds are dropped whole, at most once
    per second.
    """

    def __init__(self, window_seconds: float) -> None:
        self.window = window_seconds
        self._seen: dict[str, float] = {}  # nonce -> expiry
        self._expiries: dict[int, dict[str, None]] = {}  # whole second of expiry -> nonces
        self._next_drop = math.inf  # when the earliest second of expiry is wholly past

    def use(self, api_key: str, nonce: str, now: float) -> bool:
        if now >= self._next_drop:
            self._drop(now)
        entry = f"{len(api_key)}:{api_key}:{nonce}"
        seen = self._seen
        expiry = seen.get(entry)
        # Strictly past expiry: at exactly first-use + window the signature can still be
        # accepted (the timestamp check is inclusive), so the nonce must still be refused.
        if expiry is not None and expiry >= now:
            return False
        expiry = seen[entry] = now + self.window
        second = math.floor(expiry)
        bucket = self._expiries.get(second)
        if bucket is None:
            bucket = self._expiries[second] = {}
            self._next_drop = min(self._next_drop, second + 1)
        bucket[entry] = None
        return True

    def _drop(self, now: float) -> None:
        """Forget the nonces of every second of expiry that is wholly past."""
        seen = self._seen
        for second in [s for s in self._expiries if s + 1 <= now]:
            for entry in self._expiries.pop(second):
                # A nonce used again after it expired has a later expiry (and second): keep it.
                if seen.get(entry, now) < now:
                    del seen[entry]
        self._next_drop = min(self._expiries, default=math.inf) + 1

    def __len__(self) -> int:
        return len(self._seen)


class RedisNonceStore:
    """``SET key 1 NX EX window``: one atomic round trip; the key expires with the window."""

    def __init__(self, client: redis.Redis, window_seconds: float, prefix: str = "reseller-api") -> None:
        self.client = client
        # One second more than the window: a signature is accepted at exactly first use +
        # window (the timestamp check is inclusive), and EX counts whole seconds.
        self.expiry = math.ceil(window_seconds) + 1
        self.prefix = f"{prefix}:nonce:"

    @classmethod
    def from_url(cls, url: str, window_seconds: float, prefix: str = "reseller-api") -> RedisNonceStore:
        return cls(redis.Redis.from_url(url, socket_timeout=2.0), window_seconds, prefix)

    def use(self, api_key: str, nonce: str, now: float) -> bool:
        # The key is api_key + nonce: one key's nonces never collide with another's. The
        # clock is Redis's own, so several API processes agree on the expiry.
        return bool(self.client.set(f"{self.prefix}{api_key}:{nonce}", 1, nx=True, ex=self.expiry))


def nonce_store(redis_url: str | None, window_seconds: float, prefix: str = "reseller-api") -> NonceStore:
    """Redis when RESELLER_API_REDIS_URL is set (shared by every process), else this process's memory."""
    if redis_url:
        return RedisNonceStore.from_url(redis_url, window_seconds, prefix)
    return MemoryNonceStore(window_seconds)
