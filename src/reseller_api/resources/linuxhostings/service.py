"""The rules of Linux hostings: who sees which, their detail, and their PHP, gzip, FTP and SSH settings.

Sites, SSH keys and scheduled tasks have their own modules (``sites``, ``ssh``, ``tasks``);
they all find the hosting through ``hosting.find_hosting``, which answers 404 for anything the
caller does not own. A change is committed first, then the platform is given the whole
new state (``backends.hosting``), so a missed or repeated call converges.
"""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType
from sqlalchemy import bindparam, func, select

from reseller_api.context import AppContext
from reseller_api.conventions.paging import Page
from reseller_api.errors import NOT_FOUND, ApiProblem, define, invalid
from reseller_api.resources.linuxhostings.hosting import Hosting, find_hosting, required_enabled
from reseller_api.resources.linuxhostings.sites import sites_of
from reseller_api.resources.linuxhostings.tables import linux_hostings
from reseller_api.resources.mysqldatabases.tables import mysql_databases
from reseller_api.resources.servicepacks.tables import servicepack_assets
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import accounts
from reseller_api.store.undo import swap_columns, then_or_undo
from reseller_api.wire.linuxhostings import (
    LinuxHosting,
    LinuxHostingDetail,
    UpdatePhpAPcuRequest,
)

# Documented in the errors below, the OpenAPI text and the README.
MEMORY_LIMITS_MB = (64, 128, 256, 512, 1024)
APCU_SIZE_MB = (16, 512)

PHP_VERSION_REQUIRED = define("php_version_required", 400, "version is required.")
PHP_VERSION_UNAVAILABLE = define(
    "php_version_unavailable",
    400,
    "This PHP version is not available; GET .../phpsettings/availableversions lists those that are.",
)
MEMORY_LIMIT_INVALID = define(
    "php_memory_limit_invalid",
    400,
    f"memory_limit is required and must be one of {', '.join(map(str, MEMORY_LIMITS_MB))} (MB).",
)
APCU_SIZE_INVALID = define(
    "php_apcu_size_invalid",
    400,
    f"apcu_size must be between {APCU_SIZE_MB[0]} and {APCU_SIZE_MB[1]} (MB).",
)

_LIST = Query(
    select(linux_hostings.c.domain_name, accounts.c.servicepack_id)
    .join(accounts, accounts.c.id == linux_hostings.c.account_id)
    .where(linux_hostings.c.reseller_id == bindparam("reseller_id"))
    .order_by(linux_hostings.c.id)
    .limit(bindparam("take"))
    .offset(bindparam("skip"))
)
_COUNT = Query(select(func.count()).where(linux_hostings.c.reseller_id == bindparam("reseller_id")))
_MAX_SIZE = Query(
    select(servicepack_assets.c.max_size_mb).where(
        servicepack_assets.c.servicepack_id == bindparam("servicepack_id"),
        servicepack_assets.c.asset_type == "linux_hosting",
    )
)
_DATABASES = Query(
    select(mysql_databases.c.name)
    .where(mysql_databases.c.account_id == bindparam("account_id"), mysql_databases.c.status == "active")
    .order_by(mysql_databases.c.name)
)


def list_hostings(database: Database, reseller_id: int, page: Page) -> tuple[list[LinuxHosting], int]:
    rows = database.fetch_all(_LIST, reseller_id=reseller_id, take=page.take, skip=page.skip)
    total = database.fetch_one(_COUNT, reseller_id=reseller_id)
    items = [LinuxHosting(domain_name=r[0], servicepack_id=int(r[1])) for r in rows]
    return items, int(total[0]) if total else 0


def get_detail(context: AppContext, reseller_id: int, domain_name: str) -> LinuxHostingDetail:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    size = context.database.fetch_one(_MAX_SIZE, servicepack_id=hosting.servicepack_id)
    max_size = int(size[0]) if size and size[0] is not None else 0
    databases = context.database.fetch_all(_DATABASES, account_id=hosting.account_id)
    # The simulated platform measures no usage; a real one would report it here.
    used = 0
    return LinuxHostingDetail(
        domain_name=hosting.domain_name,
        servicepack_id=hosting.servicepack_id,
        max_webspace_size=max_size,
        max_size=max_size,
        webspace_usage=used,
        actual_size=used,
        ip=context.settings.hosting_ip,
        ip_type="shared",
        ftp_enabled=hosting.ftp_enabled,
        ftp_username=hosting.ftp_username,
        ssh_host=context.settings.ssh_host,
        ssh_username=hosting.ftp_username,  # one system user per hosting, for FTP and SSH alike
        php_version=hosting.php_version,
        sites=sites_of(context.database, hosting),
        mysql_database_names=[r[0] for r in databases],
    )


# The detail's schema has no field for it (additionalProperties: false), so the hosting detail
# says in this header which host names serve a certificate that is not what it seems.
CERTIFICATE_NOTICE = "X-Certificate-Notice"


def certificate_notice(context: AppContext, domain_name: str) -> str | None:
    """``name: note; name: note`` for the hosting's certificates the platform comments on
    (self-signed because no ACME server could issue one), or None."""
    notes = context.backends.hosting.certificate_notes(domain_name)
    if not notes:
        return None
    text = "; ".join(f"{name}: {note}" for name, note in sorted(notes.items()))
    # A header value is one line of visible ASCII.
    return "".join(c if " " <= c <= "~" else "?" for c in text)


def _change(context: AppContext, hosting: Hosting, **values: Any) -> None:
    swap = swap_columns(context.database, linux_hostings, linux_hostings.c.id == hosting.id, values)
    if swap is None:  # deleted meanwhile
        raise ApiProblem(NOT_FOUND, f"Linux hosting {hosting.domain_name!r} does not exist.")
    # Re-read: the platform gets the committed state, including concurrent changes to other settings.
    current = find_hosting(context.database, hosting.reseller_id, hosting.domain_name)
    # The platform is given every setting at once: any later change to the row carried ours.
    swap = swap.guarding_row()
    # Refused or unreachable, the platform kept its previous configuration: so do we.
    then_or_undo(
        lambda: context.backends.hosting.set_settings(hosting.domain_name, current.settings()), swap.undo
    )


def available_php_versions(context: AppContext, reseller_id: int, domain_name: str) -> list[str]:
    find_hosting(context.database, reseller_id, domain_name)
    return list(context.backends.hosting.php_versions())


def change_php_version(
    context: AppContext, reseller_id: int, domain_name: str, version: str | UnsetType
) -> None:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    if version is UNSET or not version.strip():
        raise invalid(PHP_VERSION_REQUIRED)
    available = context.backends.hosting.php_versions()
    if version.strip() not in available:
        raise invalid(
            PHP_VERSION_UNAVAILABLE,
            f"PHP {version!r} is not available; choose one of {', '.join(available)}.",
        )
    _change(context, hosting, php_version=version.strip())


def change_memory_limit(
    context: AppContext, reseller_id: int, domain_name: str, limit: int | UnsetType
) -> None:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    if limit is UNSET or limit not in MEMORY_LIMITS_MB:
        raise invalid(MEMORY_LIMIT_INVALID)
    _change(context, hosting, php_memory_limit=limit)


def change_apcu(context: AppContext, reseller_id: int, domain_name: str, order: UpdatePhpAPcuRequest) -> None:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    enabled = required_enabled(order.enabled)
    size = hosting.apcu_size if order.apcu_size is UNSET else order.apcu_size
    if not APCU_SIZE_MB[0] <= size <= APCU_SIZE_MB[1]:
        raise invalid(
            APCU_SIZE_INVALID, f"apcu_size {size} is outside {APCU_SIZE_MB[0]}-{APCU_SIZE_MB[1]} MB."
        )
    _change(context, hosting, apcu_enabled=enabled, apcu_size=size)


def change_switch(
    context: AppContext, reseller_id: int, domain_name: str, setting: str, enabled: bool | UnsetType
) -> None:
    """``gzip_enabled``, ``ftp_enabled`` or ``ssh_enabled``."""
    hosting = find_hosting(context.database, reseller_id, domain_name)
    _change(context, hosting, **{setting: required_enabled(enabled)})
