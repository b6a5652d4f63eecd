"""A simulated domain registry, deterministic and driven by settings.

- It sells the TLDs of ``RESELLER_API_REGISTRY_TLDS`` (default be, com, eu, net, nl, org);
  any other TLD is ``unsupported``.
- The names of ``RESELLER_API_REGISTRY_TAKEN`` (default ``taken.<tld>`` for each default TLD)
  and of ``RESELLER_API_REGISTRY_TRANSFERS`` are registered elsewhere: ``taken``.
- A name in ``RESELLER_API_REGISTRY_TRANSFERS`` (``name=authcode,...``; default
  ``transfer-me.be=BE-AUTH-1234,transfer-me.com=COM-AUTH-1234``) transfers in with exactly
  that auth code; any other code, or any other taken name, makes the transfer fail.
- Every other name of a supported TLD is ``available`` until it is registered (through us).

Registrations run for one year; what we registered lives in the simulated store
(kind ``registry_domain``), so every step converges and a retried job never registers twice.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from reseller_api import clock
from reseller_api.backends.base import RegistryError
from reseller_api.backends.simulated.world import SimulatedStore
from reseller_api.settings import Settings

KIND = "registry_domain"


def years_on(ts: float, years: int = 1) -> float:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    start = datetime.fromtimestamp(ts, UTC)
    try:
        end = start.replace(year=start.year + years)
    except ValueError:
        end = start.replace(year=start.year + years, day=28)
    return end.timestamp()


def tld_of(domain_name: str, tlds: tuple[str, ...]) -> str | None:
    """The configured TLD a registrable name sits directly under (``abc.co.uk`` -> ``co.uk``), or None."""
    label, _, rest = domain_name.partition(".")
    return rest if label and rest in tlds else None


class SimulatedRegistry:
    def __init__(self, store: SimulatedStore, settings: Settings) -> None:
        self.store = store
        self.tlds = settings.registry_tlds
        self.taken = frozenset(settings.registry_taken) | {name for name, _ in settings.registry_transfers}
        self.auth_codes = dict(settings.registry_transfers)

    def availability(self, domain_name: str) -> str:
        if tld_of(domain_name, self.tlds) is None:
            return "unsupported"
        if domain_name in self.taken or self.store.get(KIND, domain_name) is not None:
            return "taken"
        return "available"

    def _ours(self, domain_name: str) -> dict[str, Any] | None:
        return self.store.get(KIND, domain_name)

    def register(self, domain_name: str, name_servers: tuple[str, ...], years: int) -> float:
        existing = self._ours(domain_name)
        if existing is not None:  # a retried step: already ours
            return float(existing["expires"])
        if self.availability(domain_name) != "available":
            raise RegistryError(f"{domain_name} is not available for registration")
        expires = years_on(clock.time(), years)
        self.store.put(KIND, domain_name, self._record(name_servers, expires, "registration"))
        return expires

    def transfer(self, domain_name: str, auth_code: str, name_servers: tuple[str, ...]) -> float:
        existing = self._ours(domain_name)
        if existing is not None:
            return float(existing["expires"])
        expected = self.auth_codes.get(domain_name)
        if expected is None or not hmac.compare_digest(expected.encode(), auth_code.encode()):
            raise RegistryError(f"the registry refused the transfer of {domain_name}: invalid auth code")
        expires = years_on(clock.time())
        self.store.put(KIND, domain_name, self._record(name_servers, expires, "transfer"))
        return expires

    def set_name_servers(self, domain_name: str, name_servers: tuple[str, ...]) -> None:
        existing = self._ours(domain_name)
        if existing is not None:
            self.store.put(KIND, domain_name, {**existing, "name_servers": list(name_servers)})

    def set_auto_renew(self, domain_name: str, will_renew: bool) -> None:
        existing = self._ours(domain_name)
        if existing is not None:
            self.store.put(KIND, domain_name, {**existing, "auto_renew": will_renew})

    def release(self, domain_name: str) -> None:
        self.store.remove(KIND, domain_name)

    def expiration(self, start: float, years: int = 1) -> float:
        return years_on(start, years)

    @staticmethod
    def _record(name_servers: tuple[str, ...], expires: float, how: str) -> dict[str, Any]:
        return {"name_servers": list(name_servers), "expires": expires, "auto_renew": True, "via": how}
