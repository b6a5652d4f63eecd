"""A Linux hosting as its sub-resources find it: the row, its settings, and the 404 for anything
the caller does not own.

The hosting's own rules (``service``) and its sites, SSH keys and scheduled tasks (``sites``,
``ssh``, ``tasks``) all start from :func:`find_hosting`; kept apart from ``service`` so that
the hosting's detail can list its sites without the two importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from msgspec import UNSET, UnsetType
from sqlalchemy import bindparam, select

from reseller_api.errors import NOT_FOUND, ApiProblem, define, invalid
from reseller_api.resources.linuxhostings.tables import linux_hostings
from reseller_api.rules import canonical_domain_name
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import accounts

ENABLED_REQUIRED = define("enabled_required", 400, "enabled is required.")

_SETTINGS = (
    linux_hostings.c.php_version,
    linux_hostings.c.php_memory_limit,
    linux_hostings.c.apcu_enabled,
    linux_hostings.c.apcu_size,
    linux_hostings.c.gzip_enabled,
    linux_hostings.c.ftp_enabled,
    linux_hostings.c.ssh_enabled,
)
_FIND = Query(
    select(
        linux_hostings.c.id,
        linux_hostings.c.domain_name,
        linux_hostings.c.account_id,
        accounts.c.servicepack_id,
        linux_hostings.c.ftp_username,
        *_SETTINGS,
    )
    .join(accounts, accounts.c.id == linux_hostings.c.account_id)
    .where(
        linux_hostings.c.domain_name == bindparam("domain_name"),
        linux_hostings.c.reseller_id == bindparam("reseller_id"),
    )
)


@dataclass(frozen=True, slots=True)
class Hosting:
    id: int
    reseller_id: int
    domain_name: str
    account_id: int
    servicepack_id: int
    ftp_username: str
    php_version: str
    php_memory_limit: int
    apcu_enabled: bool
    apcu_size: int
    gzip_enabled: bool
    ftp_enabled: bool
    ssh_enabled: bool

    def settings(self) -> dict[str, Any]:
        """What the platform is told: every setting at once."""
        return {
            "php_version": self.php_version,
            "php_memory_limit": self.php_memory_limit,
            "apcu_enabled": self.apcu_enabled,
            "apcu_size": self.apcu_size,
            "gzip_enabled": self.gzip_enabled,
            "ftp_enabled": self.ftp_enabled,
            "ssh_enabled": self.ssh_enabled,
        }


def find_hosting(database: Database, reseller_id: int, domain_name: str) -> Hosting:
    """The caller's hosting for a domain (any spelling: IDN, upper case); 404 otherwise."""
    canonical = canonical_domain_name(domain_name)
    row = (
        database.fetch_one(_FIND, domain_name=canonical, reseller_id=reseller_id)
        if canonical is not None
        else None
    )
    if row is None:
        raise ApiProblem(NOT_FOUND, f"Linux hosting {domain_name!r} does not exist.")
    return Hosting(
        int(row[0]),
        reseller_id,
        row[1],
        int(row[2]),
        int(row[3]),
        row[4],
        row[5],
        int(row[6]),
        bool(row[7]),
        int(row[8]),
        bool(row[9]),
        bool(row[10]),
        bool(row[11]),
    )


def required_enabled(value: bool | UnsetType) -> bool:
    if value is UNSET:
        raise invalid(ENABLED_REQUIRED)
    return value
