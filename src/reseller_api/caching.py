"""A bounded memo for the hot path: a dict that computes what it lacks and empties when full.

The gate meets the same few values again and again (peer addresses, signed targets, the
failure counter's identities, a key's whitelist answers): computing each once saves
microseconds per request. A hit is a plain dict lookup (``__missing__`` runs only on a miss);
emptying when full keeps a flood of distinct values from costing more memory than ``size``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(dict[K, V], Generic[K, V]):
    def __init__(
        self, compute: Callable[[K], V], size: int, *, keep: Callable[[K], bool] | None = None
    ) -> None:
        super().__init__()
        self.compute, self.size, self.keep = compute, size, keep

    def __missing__(self, key: K) -> V:
        value = self.compute(key)
        if self.keep is None or self.keep(key):  # ``keep``: which keys are worth remembering
            if len(self) >= self.size:
                self.clear()
            self[key] = value
        return value
