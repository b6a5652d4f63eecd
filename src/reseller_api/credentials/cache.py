"""The in-memory view of API keys that the hot path reads.

Each request reads one integer (the credentials generation) from the database; when it
differs from the one the cache was filled at, the cache is dropped. So a key revoked or
rotated by ``reseller-api admin`` in another process stops working on the next request,
while the common case costs one indexed point read instead of a join and a decryption.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from limits import RateLimitItem
from sqlalchemy import bindparam, select

from reseller_api.crypto import SecretBox
from reseller_api.settings import parse_rate_limit
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import api_key_networks, api_keys, credentials_generation

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_GENERATION = Query(select(credentials_generation.c.generation).where(credentials_generation.c.id == 1))
_KEY = Query(
    select(api_keys.c.id, api_keys.c.reseller_id, api_keys.c.secret_encrypted, api_keys.c.rate_limit).where(
        api_keys.c.key == bindparam("key"), api_keys.c.revoked.is_(False)
    )
)
_NETWORKS = Query(select(api_key_networks.c.cidr).where(api_key_networks.c.api_key_id == bindparam("key_id")))


@dataclass(frozen=True, slots=True)
class Credential:
    key_id: int
    api_key: str
    reseller_id: int
    secret: bytes
    networks: tuple[IPNetwork, ...]
    rate_limit: RateLimitItem

    def allows(self, address: IPAddress | None) -> bool:
        """No whitelist means no access (the API text: access is restricted by default)."""
        if address is None:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


class KeyCache:
    def __init__(self, database: Database, box: SecretBox, default_rate_limit: str) -> None:
        self.db = database
        self.box = box
        self.default_rate_limit = parse_rate_limit(default_rate_limit)
        self._generation: int | None = None
        self._entries: dict[str, Credential | None] = {}

    def get(self, api_key: str) -> Credential | None:
        """The active credential for ``api_key``, or None when unknown or revoked."""
        row = self.db.fetch_one(_GENERATION)
        generation = int(row[0]) if row else 0
        if generation != self._generation:
            self._entries.clear()
            self._generation = generation
        try:
            return self._entries[api_key]
        except KeyError:
            pass
        credential = self._load(api_key)
        if credential is not None:
            # Unknown keys are not cached: random keys must not grow memory.
            self._entries[api_key] = credential
        return credential

    def invalidate(self) -> None:
        self._generation = None

    def _load(self, api_key: str) -> Credential | None:
        row = self.db.fetch_one(_KEY, key=api_key)
        if row is None:
            return None
        key_id, reseller_id, secret_encrypted, rate_limit = row
        cidrs = [r[0] for r in self.db.fetch_all(_NETWORKS, key_id=key_id)]
        return Credential(
            key_id=int(key_id),
            api_key=api_key,
            reseller_id=int(reseller_id),
            secret=self.box.decrypt(secret_encrypted).encode(),
            networks=tuple(ipaddress.ip_network(c) for c in cidrs),
            rate_limit=parse_rate_limit(rate_limit) if rate_limit else self.default_rate_limit,
        )
