"""Simulated MySQL databases: databases and users (with their grants) in the simulated store,
as a MariaDB server keeps them.

Shaped like the statements a real server runs (``CREATE ... IF NOT EXISTS``, ``DROP ...
IF EXISTS``), so every step converges when a job retries it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reseller_api.backends.simulated.world import SimulatedStore


class SimulatedMySqlDatabases:
    def __init__(self, store: SimulatedStore) -> None:
        self.store = store

    def create_database(self, name: str, max_size_mb: int) -> None:
        self.store.put("mysql_database", name, {"max_size_mb": max_size_mb})

    def drop_database(self, name: str) -> None:
        # As in MariaDB, users survive their database: the caller drops them one by one.
        self.store.remove("mysql_database", name)

    def create_user(self, user: str, password_hash: str) -> None:
        self._update(user, password_hash=password_hash, enabled=True)

    def set_user_password(self, user: str, password_hash: str) -> None:
        self._update(user, password_hash=password_hash)

    def grant(self, user: str, database: str, rights: str) -> None:
        self._update(user, grants={database: "ALL" if rights == "read_and_write" else "SELECT"})

    def set_user_enabled(self, user: str, enabled: bool) -> None:
        self._update(user, enabled=enabled)

    def drop_user(self, user: str) -> None:
        self.store.remove("mysql_user", user)

    def database_sizes_mb(self, names: Sequence[str]) -> dict[str, float]:
        """The simulated server measures nothing: every database shows the size in our store."""
        return {}

    def _update(self, user: str, **changes: Any) -> None:
        self.store.put("mysql_user", user, {**(self.store.get("mysql_user", user) or {}), **changes})
