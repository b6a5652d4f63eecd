"""Single-use nonces per API key, remembered for as long as their signature could be accepted.

A request's timestamp is signed, so a replay carries the same timestamp, which the gate
refuses once it is more than the signature window away. A nonce is therefore remembered
until its own timestamp + window (+1 s, so a whole-second comparison of the window is
covered too): from then on its request is refused whatever the nonce store says.

The in-memory store is forgotten on restart: a request captured just before a restart
could be replayed within the signature window after it, and each process has its own.
With Redis (``RESELLER_API_REDIS_URL``) the nonces are shared by every API process and
survive their restarts: a replayed request is refused whichever process it reaches.
There the gate claims the nonce and counts the rate limit in one round trip
(:mod:`reseller_api.conventions.admission`); this module says how the key is named and
how long it lives.
"""

from __future__ import annotations

import math
from array import array


class MemoryNonceStore:
    """This process's nonces: 64-bit keyed hashes in flat arrays, 24 bytes a nonce, no objects.

    At the benchmark's rate the store holds hundreds of thousands of nonces (rate x
    window). A nonce is kept as ``hash((api_key, nonce))``: SipHash, keyed per process, so
    another caller cannot aim collisions at a key's nonces; a chance collision (about
    n/2^64) refuses one fresh nonce and never accepts a replay. The hashes live in
    :class:`_HashTable` shards (open addressing in an ``array``: 16 bytes a nonce at half
    load) and in one ``array`` per second of expiry (8 bytes): no Python object per nonce,
    nothing for the garbage collector to walk. Measured: about 24 bytes a nonce, against
    300 for the strings and floats kept before (RSS after 500k signed requests:
    bench/README.md).

    Nothing stalls a request for long: a table grows by rehashing one shard (1/SHARDS of
    the nonces; one dict of 350k nonces took 17 ms to grow), and expired nonces are
    forgotten a few per call (:data:`FORGET_PER_USE`, more than the one each call adds),
    not a whole second's worth at once.
    """

    SHARDS = 256
    FORGET_PER_USE = 4

    def __init__(self, window_seconds: int) -> None:
        # One second more than the window: the timestamp check may compare whole seconds.
        self.keep = int(window_seconds) + 1
        self._shards = [_HashTable() for _ in range(self.SHARDS)]
        self._expiries: dict[int, array[int]] = {}  # second of expiry -> hashes
        self._forgetting: array[int] | None = None  # an expired second's hashes, being forgotten
        self._forgotten = 0  # how many of them are
        self._next_expiry = math.inf  # the earliest second of expiry still in _expiries

    def use(self, api_key: str, nonce: str, timestamp: int, now: float) -> bool:
        """Record the nonce; False when it was already used and may still be accepted."""
        if self._forgetting is not None or now >= self._next_expiry + 1:
            self._forget(now)
        entry = hash((api_key, nonce))
        if entry in (_EMPTY, _GONE):  # the table's two markers
            entry += 2
        if not self._shards[entry & 255].add(entry):
            return False
        second = int(timestamp) + self.keep
        bucket = self._expiries.get(second)
        if bucket is None:
            bucket = self._expiries[second] = array("q")
            self._next_expiry = min(self._next_expiry, second)
        bucket.append(entry)
        return True

    def _forget(self, now: float) -> None:
        """Forget a few nonces of the seconds of expiry that are wholly past."""
        budget = self.FORGET_PER_USE
        shards = self._shards
        while budget:
            if self._forgetting is None:
                if now < self._next_expiry + 1:
                    return
                self._forgetting = self._expiries.pop(int(self._next_expiry))
                self._forgotten = 0
                self._next_expiry = min(self._expiries, default=math.inf)
            forgetting, start = self._forgetting, self._forgotten
            stop = min(len(forgetting), start + budget)
            for entry in forgetting[start:stop]:
                # Each hash is in exactly one bucket: it is added only when absent.
                shards[entry & 255].discard(entry)
            budget -= stop - start
            self._forgotten = stop
            if stop == len(forgetting):
                self._forgetting = None

    def __len__(self) -> int:
        return sum(shard.used for shard in self._shards)


_EMPTY = 0
_GONE = 1  # a slot whose value was discarded: lookups probe past it


class _HashTable:
    """A set of 64-bit ints (never 0 or 1) in one ``array``: open addressing, linear probing."""

    __slots__ = ("filled", "mask", "slots", "used")

    def __init__(self, size: int = 16) -> None:
        self.slots = array("q", bytes(8 * size))
        self.mask = size - 1
        self.used = 0  # values held
        self.filled = 0  # slots not empty: values and discarded ones

    def add(self, value: int) -> bool:
        """Add ``value``; False when it is already there."""
        slots, mask = self.slots, self.mask
        i = (value >> 8) & mask  # the low 8 bits chose the shard
        reuse = -1
        while True:
            held = slots[i]
            if held == _EMPTY:
                break
            if held == value:
                return False
            if held == _GONE and reuse < 0:
                reuse = i
            i = (i + 1) & mask
        self.used += 1
        if reuse >= 0:
            slots[reuse] = value
            return True
        slots[i] = value
        self.filled += 1
        if self.filled * 2 > mask:  # at most half full, discarded slots included
            self._rehash()
        return True

    def discard(self, value: int) -> None:
        slots, mask = self.slots, self.mask
        i = (value >> 8) & mask
        while True:
            held = slots[i]
            if held == _EMPTY:
                return
            if held == value:
                slots[i] = _GONE
                self.used -= 1
                return
            i = (i + 1) & mask

    def _rehash(self) -> None:
        """A table a quarter full of the values held (the discarded slots are dropped)."""
        old = self.slots
        size = 16
        while size < 4 * self.used:
            size *= 2
        self.slots, self.mask, self.used, self.filled = array("q", bytes(8 * size)), size - 1, 0, 0
        for value in old:
            if value != _EMPTY and value != _GONE:
                self.add(value)


def redis_nonce_key(prefix: str, api_key: str, nonce: str) -> str:
    """One key's nonces never collide with another's (api_key holds no ':' in our keys, nonce may)."""
    return f"{prefix}:nonce:{api_key}:{nonce}"


def redis_nonce_seconds(window_seconds: int) -> int:
    """How long Redis keeps a nonce, counted from its first use on Redis's own clock.

    Several processes (machines) share it, each with its own clock; a timestamp up to a
    window in the future is accepted until a window after it: two windows from first use,
    plus one second for whole-second rounding, whatever the clocks say.
    """
    return 2 * int(window_seconds) + 1
