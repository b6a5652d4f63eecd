"""The rules of Linux hostings: who sees which, their detail, and their PHP, gzip, FTP and SSH settings.

Sites, SSH keys and scheduled tasks have their own modules (``sites``, ``ssh``, ``tasks``);
they all find the hosting through :func:`find_hosting`, which answers 404 for anything the
caller does not own. A change is committed first, then the platform is given the whole
new state (``backends.hosting``), so a missed or repeated call converges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from msgspec import UNSET, UnsetType
from sqlalchemy import bindparam, func, select, update

from reseller_api.context import AppContext
from reseller_api.conventions.paging import Page
from reseller_api.errors import NOT_FOUND, ApiProblem, define, invalid
from reseller_api.rules import canonical_domain_name
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import accounts, linux_hostings, mysql_databases, servicepack_assets
from reseller_api.wire.linuxhostings import (
    LinuxHosting,
    LinuxHostingDetail,
    UpdatePhpAPcuRequest,
)

# Documented in the errors below, the OpenAPI text and the README.
MEMORY_LIMITS_MB = (64, 128, 256, 512, 1024)
APCU_SIZE_MB = (16, 512)

ENABLED_REQUIRED = define("enabled_required", 400, "enabled is required.")
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


def list_hostings(database: Database, reseller_id: int, page: Page) -> tuple[list[LinuxHosting], int]:
    rows = database.fetch_all(_LIST, reseller_id=reseller_id, take=page.take, skip=page.skip)
    total = database.fetch_one(_COUNT, reseller_id=reseller_id)
    items = [LinuxHosting(domain_name=r[0], servicepack_id=int(r[1])) for r in rows]
    return items, int(total[0]) if total else 0


def get_detail(context: AppContext, reseller_id: int, domain_name: str) -> LinuxHostingDetail:
    from reseller_api.resources.linuxhostings.sites import sites_of  # sites import this module

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
    row = linux_hostings.c.id == hosting.id
    with context.database.transaction() as conn:
        previous = conn.execute(select(*(linux_hostings.c[name] for name in values)).where(row)).one()
        conn.execute(update(linux_hostings).where(row).values(**values))
    # Re-read: the platform gets the committed state, including concurrent changes to other settings.
    current = find_hosting(context.database, hosting.reseller_id, hosting.domain_name)
    with context.database.engine.connect() as conn:
        pushed = conn.execute(select(linux_hostings).where(row)).one()
    try:
        context.backends.hosting.set_settings(hosting.domain_name, current.settings())
    except Exception:
        # The platform kept its previous configuration (refused, or unreachable): so do we,
        # unless another change was committed since (its push carried ours: see store/undo.py).
        with context.database.transaction() as conn:
            if conn.execute(select(linux_hostings).where(row)).one() == pushed:
                conn.execute(update(linux_hostings).where(row).values(**previous._asdict()))
        raise


def required_enabled(value: bool | UnsetType) -> bool:
    if value is UNSET:
        raise invalid(ENABLED_REQUIRED)
    return value


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
