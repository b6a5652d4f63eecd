"""Where the installation's "now" comes from.

Every date the API stores or compares (created_at, expiries, job estimates, leases,
signature timestamps) is read here, never from ``time.time()`` directly, so that one
switch moves them all: the sandbox's test clock freezes and advances this one source.
Waiting (lock timeouts, polling deadlines) stays on ``time.monotonic()``: it measures
elapsed time, not dates, and must not jump when a test clock does.
"""

from __future__ import annotations

import datetime as dt
import time as _time
from collections.abc import Callable

Source = Callable[[], float]

_source: Source = _time.time


def time() -> float:
    """Now, in unix seconds (how the database stores every time)."""
    return _source()


def now() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(_source(), dt.UTC)


def use(source: Source | None) -> None:
    """Read time from ``source`` from now on (``None``: the wall clock again)."""
    global _source
    _source = _time.time if source is None else source


def source() -> Source:
    """The source in use (to restore it after a temporary change)."""
    return _source
