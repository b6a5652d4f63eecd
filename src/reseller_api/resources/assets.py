"""What a resource builds for an account whose servicepack has its asset.

The ``account.create`` job (resources/accounts/jobs.py) knows no asset by name: it asks the
provisioner of each asset type in the pack, as the resources' manifests declare them
(``Resource.assets``). Each provisioner lives beside its resource, in ``account_asset.py``; the
processes that run jobs install them in :data:`PROVISIONERS` with the job handlers
(``resources.registry.install_jobs``), since the accounts package cannot import the list of
resources (the list imports it). The steps are the job's (jobs/registry.py): ``provision``
changes the world, idempotently; ``commit`` records it in the transaction that activates the
account; ``unprovision`` undoes ``provision``; ``discard`` removes what the order inserted.

What an asset asks of the order itself (:class:`AssetRules`) is declared the same way, also for
an asset built with no account (``mysql``), and installed in :data:`RULES` for the account's
validation (resources/accounts/service.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


@dataclass(frozen=True, slots=True)
class AssetRules:
    """What a servicepack asset asks of the account's order (``Resource.asset_rules``)."""

    asset_type: str
    # The account's identifier must be a domain name (the asset is built for that domain).
    domain_bound: bool = False
    # The order must carry an FTP password (the asset's FTP login).
    needs_ftp_password: bool = False
    # What the control panel calls one of them and several ("DNS zone", "DNS zones"); the
    # asset type itself when empty.
    noun: str = ""
    plural: str = ""


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


# Asset type -> what it asks of the order, as installed from the manifests.
RULES: dict[str, AssetRules] = {}


def rules_of(asset_types: Iterable[str]) -> list[AssetRules]:
    """The rules of a pack's asset types; a type no resource declares asks for nothing."""
    if not RULES:
        raise RuntimeError("no asset rules installed (resources.registry.install_jobs)")
    return [RULES[asset_type] for asset_type in asset_types if asset_type in RULES]


def of_the_pack(asset_types: Sequence[str]) -> list[AssetProvisioner]:
    """The provisioners of a pack's asset types, in the order the resources are listed."""
    if not PROVISIONERS:
        raise RuntimeError("no asset provisioner installed (resources.registry.install_jobs)")
    wanted = set(asset_types)
    return [provisioner for asset_type, provisioner in PROVISIONERS.items() if asset_type in wanted]
