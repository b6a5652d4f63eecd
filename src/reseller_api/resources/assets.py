"""What a resource builds for an account whose servicepack has its asset.

The ``account.create`` job (resources/accounts/jobs.py) knows no asset by name: it asks the
provisioner of each asset type in the pack, as the resources' manifests declare them
(``Resource.assets``). Each provisioner lives beside its resource, in ``account_asset.py``; the
processes that run jobs install them in :data:`PROVISIONERS` with the job handlers
(``resources.registry.install_jobs``), since the accounts package cannot import the list of
resources (the list imports it). The steps are the job's (jobs/registry.py): ``provision``
changes the world, idempotently; ``commit`` records it in the transaction that activates the
account; ``unprovision`` undoes ``provision``; ``discard`` removes what the order inserted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from reseller_api.backends import Backends


@dataclass(frozen=True, slots=True)
class AssetOrder:
    """What an account's order fixed for its assets, read from the job's payload."""

    account_id: int
    reseller_id: int
    domain_name: str  # the account's identifier
    ftp_username: str | None
    ftp_password_hash: str | None
    # The new zone's name servers and first SOA serial, fixed by the order so every retry agrees.
    name_servers: tuple[str, ...]
    soa_serial: int
    # The reseller already had the zone (a registered domain): it is adopted, never removed.
    existing_zone: bool
    # The domain row the order inserted when the pack registers the domain, else None.
    domain_id: int | None


class AssetProvisioner(Protocol):
    # The servicepack asset type it builds ("dns", "linux_hosting", ...).
    @property
    def asset_type(self) -> str: ...

    def provision(self, backends: Backends, order: AssetOrder) -> None: ...
    def commit(self, conn: Connection, backends: Backends, order: AssetOrder, now: float) -> None: ...
    def unprovision(self, backends: Backends, order: AssetOrder) -> None: ...
    def discard(self, conn: Connection, order: AssetOrder) -> None: ...


# Asset type -> its provisioner, as installed from the manifests. An asset type with none
# (``mysql``: databases are ordered one by one) builds nothing with the account.
PROVISIONERS: dict[str, AssetProvisioner] = {}


def of_the_pack(asset_types: Sequence[str]) -> list[AssetProvisioner]:
    """The provisioners of a pack's asset types, in the order the resources are listed."""
    if not PROVISIONERS:
        raise RuntimeError("no asset provisioner installed (resources.registry.install_jobs)")
    wanted = set(asset_types)
    return [provisioner for asset_type, provisioner in PROVISIONERS.items() if asset_type in wanted]
