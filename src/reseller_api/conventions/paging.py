"""``skip``/``take`` paging: the page services take.

Framework-free, so services can import it; the provider that reads the query parameters is in
:mod:`.dependencies` and the ``X-Paging-*`` answer (:func:`~.replies.paged`) in :mod:`.replies`.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TAKE = 25
# Clients ask for take=1000 or 99999 to avoid paging; we serve at most this many and the
# X-Paging-* headers tell them there is more.
MAX_TAKE = 1000


@dataclass(frozen=True, slots=True)
class Page:
    skip: int = 0
    take: int = DEFAULT_TAKE
