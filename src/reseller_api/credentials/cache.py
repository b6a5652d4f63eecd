"""The in-memory view of API keys that the hot path reads.

Every change to keys, secrets or whitelists bumps one integer, the credentials
generation (credentials/service.py); when it differs from the one the cache was filled
at, the cache is dropped. When the generation is looked at:

- at once, on the next request, after any write transaction committed through this
  process's :class:`Database` (``Database.commits``): the control panel's changes,
  and the tests'.
- otherwise at most once per :data:`RECHECK_SECONDS` (1 ms): a key revoked, rotated
  or re-whitelisted by ``reseller-api admin`` or by another server process is refused
  by requests that start more than 1 ms after the change was committed.

Looking costs, on SQLite, one ``PRAGMA data_version`` (``store.database.ChangeWatch``,
which changes when any connection of any process commits), and the generation is read
only when that moved; on PostgreSQL, one indexed read of the generation. Under load
that is one look per millisecond instead of one per request: every SQLite statement
takes and releases the WAL read lock (two ``fcntl`` calls), which measured in the
server at about as much as the rest of the key check.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field

from limits import RateLimitItem
from sqlalchemy import bindparam, select

from reseller_api.caching import BoundedMemo
from reseller_api.crypto import SecretBox
from reseller_api.settings import parse_rate_limit
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import api_key_networks, api_keys, credentials_generation

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

RECHECK_SECONDS = 0.001

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
    # allows()'s answers by address: the same few callers come again and again. Dropped
    # with the credential when the key cache reloads.
    _answers: BoundedMemo[IPAddress | None, bool] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_answers", BoundedMemo(self._allows, 1024))

    def allows(self, address: IPAddress | None) -> bool:
        """No whitelist means no access (the API text: access is restricted by default)."""
        return self._answers[address]

    def _allows(self, address: IPAddress | None) -> bool:
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
        self._watch = database.change_watch()
        self._version: int | None = None  # the watch's version when the generation was read
        self._commits = -1  # database.commits when we last looked
        self._recheck_at = 0.0  # time.monotonic() after which we look again
        self._entries: dict[str, Credential | None] = {}

    def get(self, api_key: str) -> Credential | None:
        """The active credential for ``api_key``, or None when unknown or revoked."""
        now = time.monotonic()
        commits = self.db.commits
        if commits != self._commits or now >= self._recheck_at:
            # The counter is read before looking: a commit while we look bumps it again,
            # so the next request looks again (never a stale hit).
            self._commits = commits
            self._recheck_at = now + RECHECK_SECONDS
            self._look()
        try:
            return self._entries[api_key]
        except KeyError:
            pass
        credential = self._load(api_key)
        if credential is not None:
            # Unknown keys are not cached: random keys must not grow memory.
            self._entries[api_key] = credential
        return credential

    def _look(self) -> None:
        """Drop the cache when the credentials generation moved."""
        if self._watch is not None:
            # The version is read before the generation: a commit in between changes the
            # version again, so the next look reads the generation again.
            version = self._watch.version()
            if version == self._version:
                return
            self._version = version
        row = self.db.fetch_one(_GENERATION)
        generation = int(row[0]) if row else 0
        if generation != self._generation:
            self._entries.clear()
            self._generation = generation

    def invalidate(self) -> None:
        """Look at the generation on the next request, whatever the clock says."""
        self._generation = None
        self._version = None
        self._commits = -1

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
