"""Simulated mail platform: mail zones, mailboxes, aliases and zone settings in the simulated store.

Every write converges (upsert or delete), so a retried step leaves the same state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reseller_api.backends.simulated.world import SimulatedStore


class SimulatedMail:
    def __init__(self, store: SimulatedStore) -> None:
        self.store = store

    def ensure_mail_zone(self, domain_name: str) -> None:
        self.store.put("mail_zone", domain_name, {})

    def remove_mail_zone(self, domain_name: str) -> None:
        self.store.remove("mail_zone", domain_name)

    def ensure_mailbox(self, address: str, password_hash: str, quota_mb: int) -> None:
        current = self.store.get("mailbox", address) or {"rules": {}}
        self.store.put("mailbox", address, {**current, "password_hash": password_hash, "quota_mb": quota_mb})

    def set_mailbox_password(self, address: str, password_hash: str) -> None:
        self._update("mailbox", address, password_hash=password_hash)

    def set_mailbox_rules(self, address: str, rules: Mapping[str, Any]) -> None:
        self._update("mailbox", address, rules=dict(rules))

    def remove_mailbox(self, address: str) -> None:
        self.store.remove("mailbox", address)

    def set_alias(self, address: str, destinations: Sequence[str]) -> None:
        self.store.put("mail_alias", address, {"destinations": list(destinations)})

    def remove_alias(self, address: str) -> None:
        self.store.remove("mail_alias", address)

    def set_catch_all(self, domain_name: str, addresses: Sequence[str]) -> None:
        self._update("mail_zone", domain_name, catch_all=list(addresses))

    def set_anti_spam(self, domain_name: str, level: str) -> None:
        self._update("mail_zone", domain_name, anti_spam=level)

    def set_smtp_domain(self, domain_name: str, hostname: str, enabled: bool) -> None:
        self.store.put("smtp_domain", hostname, {"mail_zone": domain_name, "enabled": enabled})

    def remove_smtp_domain(self, hostname: str) -> None:
        self.store.remove("smtp_domain", hostname)

    def _update(self, kind: str, name: str, **changes: Any) -> None:
        self.store.put(kind, name, {**(self.store.get(kind, name) or {}), **changes})
