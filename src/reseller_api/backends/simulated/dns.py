"""Simulated authoritative DNS: zones (and their records) in the simulated store."""

from __future__ import annotations

from reseller_api.backends.simulated.world import SimulatedStore


class SimulatedDns:
    def __init__(self, store: SimulatedStore) -> None:
        self.store = store

    def ensure_zone(self, domain_name: str, name_servers: tuple[str, ...]) -> None:
        self.store.put("dns_zone", domain_name, {"name_servers": list(name_servers)})

    def remove_zone(self, domain_name: str) -> None:
        self.store.remove("dns_zone", domain_name)
