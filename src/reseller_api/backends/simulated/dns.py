"""Simulated authoritative DNS: zones (SOA and NS) and RRsets in the simulated store.

A zone's own SOA and apex NS live in its ``dns_zone`` object (as a server keeps them with the
zone); every other RRset is a ``dns_rrset`` object of its own.
"""

from __future__ import annotations

import hashlib
import time

from reseller_api.backends.base import BackendRefused
from reseller_api.backends.simulated.world import SimulatedStore

# SOA timers as a zone file writes them: refresh, retry, expire, negative-cache TTL.
SOA_TIMERS = "10800 3600 604800 3600"


def rrset_key(domain_name: str, owner: str, rdtype: str) -> str:
    """The store key of one RRset; hashed when a long owner would not fit the key column."""
    fqdn = domain_name if owner == "@" else f"{owner}.{domain_name}"
    key = f"{fqdn}/{rdtype}"
    return key if len(key) <= 253 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class SimulatedDns:
    def __init__(self, store: SimulatedStore) -> None:
        self.store = store

    def ensure_zone(self, domain_name: str, name_servers: tuple[str, ...]) -> None:
        existing = self.store.get("dns_zone", domain_name)
        # Keep the serial of a zone that exists: converging twice is not a change.
        serial = existing["serial"] if existing else int(time.strftime("%Y%m%d", time.gmtime())) * 100 + 1
        primary = name_servers[0] if name_servers else "localhost"
        self.store.put(
            "dns_zone",
            domain_name,
            {
                "name_servers": list(name_servers),
                "serial": serial,
                "soa": f"{primary}. hostmaster.{domain_name}. {serial} {SOA_TIMERS}",
                "ns": [f"{ns}." for ns in name_servers],
            },
        )

    def _replace_apex(self, domain_name: str, rdtype: str, rdatas: list[str]) -> None:
        zone = self.store.get("dns_zone", domain_name)
        if zone is None:  # as PowerDNS: there is no zone to hold them
            raise BackendRefused(f"the zone {domain_name}. does not exist on the DNS server")
        if rdtype == "SOA" and rdatas:
            serial = rdatas[0].split()[2]
            zone.update(soa=rdatas[0], serial=int(serial) if serial.isdigit() else zone.get("serial"))
        elif rdtype == "NS":
            zone.update(ns=list(rdatas), name_servers=[ns.rstrip(".") for ns in rdatas])
        self.store.put("dns_zone", domain_name, zone)

    def remove_zone(self, domain_name: str) -> None:
        self.store.remove("dns_zone", domain_name)

    def replace_rrset(self, domain_name: str, owner: str, rdtype: str, ttl: int, rdatas: list[str]) -> None:
        if owner == "@" and rdtype in ("SOA", "NS"):
            self._replace_apex(domain_name, rdtype, rdatas)
            return
        key = rrset_key(domain_name, owner, rdtype)
        if not rdatas:
            self.store.remove("dns_rrset", key)
            return
        self.store.put(
            "dns_rrset",
            key,
            {"zone": domain_name, "owner": owner, "type": rdtype, "ttl": ttl, "rdatas": sorted(rdatas)},
        )

    def served_rrset(self, domain_name: str, owner: str, rdtype: str) -> list[str]:
        found = self.store.get("dns_rrset", rrset_key(domain_name, owner, rdtype))
        return [] if found is None else [str(r) for r in found.get("rdatas", [])]
