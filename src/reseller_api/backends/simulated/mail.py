"""Simulated mail platform: mail zones (and later mailboxes) in the simulated store."""

from __future__ import annotations

from reseller_api.backends.simulated.world import SimulatedStore


class SimulatedMail:
    def __init__(self, store: SimulatedStore) -> None:
        self.store = store

    def ensure_mail_zone(self, domain_name: str) -> None:
        self.store.put("mail_zone", domain_name, {})

    def remove_mail_zone(self, domain_name: str) -> None:
        self.store.remove("mail_zone", domain_name)
