"""Single-use nonces per API key, remembered for as long as a signature could be accepted.

The in-memory store is forgotten on restart: a request captured just before a restart
could be replayed within the signature window after it. Use Redis (issue: scale-out)
where that matters; the README says so.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol


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
