"""The shape shared by the resource packages' ``sync_all`` (``reseller-api backends sync``).

Each package's ``sync_all(database, backends, dry_run=...)`` yields one :class:`Synced` per
resource it pushed (a DNS zone, a mail zone, a hosting), as it goes, so the command prints a
line per resource while it works. Every push uses the backends' idempotent ``ensure_*``/``set_*``
methods with the whole state of what we record: it adds and converges, it never removes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reseller_api.backends.base import BackendRefused, BackendUnavailable


@dataclass(frozen=True, slots=True)
class Synced:
    """One resource pushed (or, in a dry run, that would be): never a password or a hash."""

    what: str  # "dns zone", "mail zone", "hosting"
    name: str  # its domain name
    detail: str  # what was pushed, counted: "5 rrsets"
    error: str | None = None  # why the backend failed, when it did

    def line(self, *, dry_run: bool = False) -> str:
        if self.error is not None:
            return f"{self.what} {self.name}: FAILED: {self.error}"
        return f"{self.what} {self.name}: {self.detail}{' (dry run: not pushed)' if dry_run else ''}"


def attempt(what: str, name: str, detail: str, push: Callable[[], object] | None) -> Synced:
    """Run ``push`` (``None``: a dry run, nothing to do); a backend that refuses or cannot be
    reached becomes the outcome's error, so the command goes on with the next resource."""
    if push is not None:
        try:
            push()
        except BackendRefused as exc:
            return Synced(what, name, detail, f"refused: {exc}")
        except BackendUnavailable as exc:
            return Synced(what, name, detail, f"unavailable: {exc}")
    return Synced(what, name, detail)
