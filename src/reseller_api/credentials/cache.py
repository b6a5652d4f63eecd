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

import asyncio
import ipaddress
import time
from dataclasses import dataclass, field

from limits import RateLimitItem
from sqlalchemy import bindparam, select

from reseller_api.caching import BoundedMemo
from reseller_api.crypto import SecretBox
from reseller_api.settings import parse_rate_limit
from reseller_api.store.database import Database, Query
from reseller_api.store.driver import Row
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
        # A look in flight (PostgreSQL), when it started and database.commits then: requests
        # arriving meanwhile share it while it is recent enough for them.
        self._looking: asyncio.Future[None] | None = None
        self._looking_since = 0.0
        self._looking_commits = -1

    @property
    def inline(self) -> bool:
        """SQLite: every look and load is a local read of microseconds, done by :meth:`get_inline`."""
        return self.db.is_sqlite

    def get_inline(self, api_key: str) -> Credential | None:
        """:meth:`get` on SQLite, without a coroutine (the hot path's microseconds)."""
        now = time.monotonic()
        commits = self.db.commits
        if commits != self._commits or now >= self._recheck_at:
            self._commits = commits
            self._recheck_at = now + RECHECK_SECONDS
            self._apply(self._read_generation_inline())
        try:
            return self._entries[api_key]
        except KeyError:
            pass
        row = self.db.fetch_one(_KEY, key=api_key)
        networks = [] if row is None else self.db.fetch_all(_NETWORKS, key_id=row[0])
        return self._remember(api_key, row, networks)

    async def get(self, api_key: str) -> Credential | None:
        """The active credential for ``api_key``, or None when unknown or revoked."""
        if self.inline:
            return self.get_inline(api_key)
        now = time.monotonic()
        commits = self.db.commits
        if commits != self._commits or now >= self._recheck_at:
            await self._look(commits, now)
        try:
            return self._entries[api_key]
        except KeyError:
            pass
        row = await self.db.fetch_one_async(_KEY, key=api_key)
        networks = [] if row is None else await self.db.fetch_all_async(_NETWORKS, key_id=row[0])
        return self._remember(api_key, row, networks)

    def _remember(self, api_key: str, row: Row | None, networks: list[Row]) -> Credential | None:
        if row is None:
            return None  # unknown keys are not cached: random keys must not grow memory
        key_id, reseller_id, secret_encrypted, rate_limit = row
        credential = self._entries[api_key] = Credential(
            key_id=int(key_id),
            api_key=api_key,
            reseller_id=int(reseller_id),
            secret=self.box.decrypt(secret_encrypted).encode(),
            networks=tuple(ipaddress.ip_network(r[0]) for r in networks),
            rate_limit=parse_rate_limit(rate_limit) if rate_limit else self.default_rate_limit,
        )
        return credential

    async def _look(self, commits: int, now: float) -> None:
        """Drop the cache when the credentials generation moved.

        On PostgreSQL (SQLite: :meth:`get_inline`). The read is awaited; a request that
        arrives while a look is in flight shares it when that look started at most
        RECHECK_SECONDS before the request and after this process's latest commit: any
        change committed before the look started is then in its answer.
        """
        looking = self._looking
        if (
            looking is not None
            and self._looking_commits == commits
            and self._looking_since >= now - RECHECK_SECONDS
        ):
            await asyncio.shield(looking)
            return
        # The counter is read before looking: a commit while we look bumps it again,
        # so the next request looks again (never a stale hit).
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._looking, self._looking_since, self._looking_commits = future, now, commits
        try:
            row = await self.db.fetch_one_async(_GENERATION)
        except BaseException as exc:
            if self._looking is future:
                self._looking = None
            future.set_exception(exc)
            future.exception()  # retrieved: sharers get it too, nobody logs it as lost
            raise
        if self._looking is future:
            self._looking = None
        # Only the newest look decides (an older one may answer after a newer one).
        if now >= self._recheck_at - RECHECK_SECONDS:
            self._commits = commits
            self._recheck_at = now + RECHECK_SECONDS
            self._apply(int(row[0]) if row else 0)
        future.set_result(None)

    def _read_generation_inline(self) -> int | None:
        """SQLite: the generation, or None when the file did not change since the last read."""
        if self._watch is not None:
            # The version is read before the generation: a commit in between changes the
            # version again, so the next look reads the generation again.
            version = self._watch.version()
            if version == self._version:
                return None
            self._version = version
        row = self.db.fetch_one(_GENERATION)
        return int(row[0]) if row else 0

    def _apply(self, generation: int | None) -> None:
        if generation is not None and generation != self._generation:
            self._entries.clear()
            self._generation = generation

    def invalidate(self) -> None:
        """Look at the generation on the next request, whatever the clock says."""
        self._generation = None
        self._version = None
        self._commits = -1
        self._looking = None
