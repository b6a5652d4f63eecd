"""Single-use nonces per API key, remembered for as long as a signature could be accepted.

The in-memory store is forgotten on restart: a request captured just before a restart
could be replayed within the signature window after it, and each process has its own.
:class:`RedisNonceStore` is shared by every API process and survives their restarts: a
replayed request is refused whichever process it reaches.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Protocol

import redis


class NonceStore(Protocol):
    def use(self, api_key: str, nonce: str, now: float) -> bool:
        """Record the nonce; False when it was already used within the window."""


class MemoryNonceStore:
    def __init__(self, window_seconds: float) -> None:
        self.window = window_seconds
        self._seen: dict[tuple[str, str], float] = {}
        self._expiries: deque[tuple[float, tuple[str, str]]] = deque()

    def use(self, api_key: str, nonce: str, now: float) -> bool:
        expiries, seen = self._expiries, self._seen
        # Strictly past expiry: at exactly first-use + window the signature can still be
        # accepted (the timestamp check is inclusive), so the nonce must still be refused.
        while expiries and expiries[0][0] < now:
            _, old = expiries.popleft()
            if seen.get(old, now + 1) < now:
                del seen[old]
        entry = (api_key, nonce)
        if entry in seen:
            return False
        expiry = now + self.window
        seen[entry] = expiry
        expiries.append((expiry, entry))
        return True

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
