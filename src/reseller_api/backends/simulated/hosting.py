"""Simulated Linux hosting: the hosting's settings and its file tree, in the simulated store."""

from __future__ import annotations

from reseller_api.backends.simulated.world import SimulatedStore


class SimulatedHosting:
    def __init__(self, store: SimulatedStore) -> None:
        self.store = store

    def ensure_hosting(self, domain_name: str, ftp_username: str, ftp_password_hash: str) -> None:
        self.store.put(
            "hosting",
            domain_name,
            {
                "ftp_username": ftp_username,
                "ftp_password_hash": ftp_password_hash,
                "tree": ["/www", "/subsites"],
            },
        )

    def remove_hosting(self, domain_name: str) -> None:
        self.store.remove("hosting", domain_name)
