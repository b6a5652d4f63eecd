"""What the panel shows a reseller: its keys with live rate-limit usage, accounts, latest jobs.

Things are said in words: assets ("5 mailboxes of 1 GB"), jobs by what they are about (the
domain, the database) with a link to the account they belong to.

Every query here is filtered by the signed-in user's reseller: a user never sees, and
cannot name, anything of another reseller (their keys answer 404 as if absent).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from limits import RateLimitItem
from sqlalchemy import Connection, or_, select

from reseller_api import clock
from reseller_api.conventions.ratelimit import RateLimiter
from reseller_api.credentials.service import CredentialsService, KeyInfo
from reseller_api.errors import ApiProblem, define
from reseller_api.resources import registry
from reseller_api.settings import parse_rate_limit

if TYPE_CHECKING:
    from reseller_api.controlpanel.web import Panel
from reseller_api.resources.dns.tables import dns_records, dns_zones
from reseller_api.resources.linuxhostings.tables import linux_hostings
from reseller_api.resources.mailzones.tables import mailboxes
from reseller_api.resources.mysqldatabases.tables import mysql_databases
from reseller_api.resources.servicepacks.tables import servicepack_assets, servicepacks
from reseller_api.resources.sslcertificates.tables import ssl_certificates
from reseller_api.store.database import Database
from reseller_api.store.tables import accounts, provisioning_jobs

KEY_NOT_FOUND = define("panel_api_key_not_found", 404, "You have no API key with this value.")
ACCOUNT_NOT_FOUND = define("panel_account_not_found", 404, "You have no account with this id.")
LATEST_JOBS = 10
ACCOUNT_RECORDS = 200  # a zone's records shown on its account's page (the API pages the rest)

# What each servicepack asset is called, as the manifests declare it (AssetRules).
ASSET_RULES = registry.asset_rules()
# Each job kind's handler, as the manifests declare it: its title is what the panel calls it.
JOB_HANDLERS = registry.job_handlers()
_DATABASE_OWNER = re.compile(r"(?:^| on )id(\d+)_")


@dataclass(frozen=True, slots=True)
class Usage:
    limit: int
    used: int
    reset: int  # seconds until the window starts again

    @property
    def percent(self) -> int:
        return min(100, math.floor(100 * self.used / self.limit)) if self.limit else 0


@dataclass(frozen=True, slots=True)
class KeyView:
    info: KeyInfo
    rate_limit: str
    usage: Usage | None  # None for a revoked key

    @property
    def status(self) -> str:
        return "revoked" if self.info.revoked else "active"

    @property
    def idle(self) -> bool:
        """Active, and not one request in the current window."""
        return self.usage is not None and self.usage.used == 0


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    identifier: str
    status: str
    servicepack: str
    assets: list[str]


@dataclass(frozen=True, slots=True)
class JobView:
    id: str
    kind: str
    status: str
    created_at: float
    finished_at: float | None
    resource_links: str | None
    subject: str = ""
    account_id: int | None = None  # the account the job is about, when we can tell
    error: str = ""

    @property
    def what(self) -> str:
        # The words its resource's manifest gives the kind (JobHandler.title).
        handler = JOB_HANDLERS.get(self.kind)
        return handler.title if handler is not None and handler.title else self.kind


@dataclass(frozen=True, slots=True)
class AccountPage:
    """One account, read-only: what it is made of and what was done for it."""

    account: AccountView
    created_at: float
    hosting: dict[str, Any] | None
    records: list[dict[str, Any]] = field(default_factory=list)
    records_total: int = 0
    mailboxes: list[dict[str, Any]] = field(default_factory=list)
    mysqldatabases: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[JobView] = field(default_factory=list)


def size_words(mb: int) -> str:
    return f"{mb // 1024} GB" if mb >= 1024 and mb % 1024 == 0 else f"{mb} MB"


def asset_words(asset_type: str, count: int, max_size_mb: int | None) -> str:
    """``5 mailboxes of 1 GB``, ``1 Linux hosting of 500 MB``, ``1 DNS zone``."""
    rules = ASSET_RULES.get(asset_type)
    one = (rules.noun if rules else "") or asset_type
    many = (rules.plural if rules else "") or asset_type
    size = f" of {size_words(max_size_mb)}" if max_size_mb else ""
    return f"{count} {one if count == 1 else many}{size}"


def usage(limiter: RateLimiter, item: RateLimitItem, key_id: int) -> Usage:
    """The current window of the gate's own counter for this key (the identity the gate hits)."""
    window = limiter.current(item, f"key:{key_id}")
    return Usage(window.limit, window.usage, window.reset)


def keys(panel: Panel, reseller: str) -> list[KeyView]:
    views = []
    for info in panel.credentials.list_keys(reseller):
        rate_limit = info.rate_limit or panel.default_rate_limit
        item = parse_rate_limit(rate_limit)
        views.append(
            KeyView(info, rate_limit, None if info.revoked else usage(panel.limiter, item, info.key_id))
        )
    return views


def owned_key(credentials: CredentialsService, reseller: str, api_key: str) -> KeyView:
    """The reseller's own key, or 404 exactly as for a key that does not exist."""
    for info in credentials.list_keys(reseller):
        if info.api_key == api_key:
            return KeyView(info, info.rate_limit or "", None)
    raise ApiProblem(KEY_NOT_FOUND)


def account_views(
    database: Database, reseller_id: int, limit: int = 100, *, only: int | None = None
) -> list[AccountView]:
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(
                accounts.c.id,
                accounts.c.identifier,
                accounts.c.status,
                servicepacks.c.id,
                servicepacks.c.name,
            )
            .join(servicepacks, servicepacks.c.id == accounts.c.servicepack_id)
            .where(accounts.c.reseller_id == reseller_id, *([accounts.c.id == only] if only else []))
            .order_by(accounts.c.id.desc())
            .limit(limit)
        ).all()
        pack_ids = {int(r[3]) for r in rows}
        assets: dict[int, list[str]] = {}
        if pack_ids:
            for pack_id, asset_type, count, max_size in conn.execute(
                select(
                    servicepack_assets.c.servicepack_id,
                    servicepack_assets.c.asset_type,
                    servicepack_assets.c.count,
                    servicepack_assets.c.max_size_mb,
                )
                .where(servicepack_assets.c.servicepack_id.in_(pack_ids))
                .order_by(servicepack_assets.c.asset_type)
            ):
                assets.setdefault(int(pack_id), []).append(asset_words(str(asset_type), count, max_size))
    return [AccountView(int(r[0]), str(r[1]), str(r[2]), str(r[4]), assets.get(int(r[3]), [])) for r in rows]


_JOB_COLUMNS = (
    provisioning_jobs.c.id,
    provisioning_jobs.c.kind,
    provisioning_jobs.c.status,
    provisioning_jobs.c.created_at,
    provisioning_jobs.c.finished_at,
    provisioning_jobs.c.resource_links,
    provisioning_jobs.c.subject,
    provisioning_jobs.c.error,
)


@dataclass(frozen=True, slots=True)
class CertificateView:
    common_name: str
    sha1_fingerprint: str
    type: str
    validation_level: str
    expires_at: float
    days_left: int  # negative once expired


def certificates(database: Database, reseller_id: int, limit: int = LATEST_JOBS) -> list[CertificateView]:
    """The reseller's certificates, the first to expire first: what needs attention on top."""
    now = clock.time()
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(
                ssl_certificates.c.common_name,
                ssl_certificates.c.sha1_fingerprint,
                ssl_certificates.c.certificate_type,
                ssl_certificates.c.validation_level,
                ssl_certificates.c.expires_at,
            )
            .where(ssl_certificates.c.reseller_id == reseller_id)
            .order_by(ssl_certificates.c.expires_at, ssl_certificates.c.id)
            .limit(limit)
        ).all()
    return [
        CertificateView(
            str(r[0]), str(r[1]), str(r[2]), str(r[3]), float(r[4]), math.floor((r[4] - now) / 86400)
        )
        for r in rows
    ]


def latest_jobs(database: Database, reseller_id: int, limit: int = LATEST_JOBS) -> list[JobView]:
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(*_JOB_COLUMNS)
            .where(provisioning_jobs.c.reseller_id == reseller_id)
            .order_by(provisioning_jobs.c.created_at.desc())
            .limit(limit)
        ).all()
        return _job_views(conn, reseller_id, rows)


def _job_views(conn: Connection, reseller_id: int, rows: Iterable[Any]) -> list[JobView]:
    """Jobs with the account each is about: by its subject (an identifier) or its database's owner."""
    rows = list(rows)
    subjects = {str(r[6]) for r in rows if r[6]}
    owners = (
        dict(
            conn.execute(
                select(accounts.c.identifier, accounts.c.id).where(
                    accounts.c.reseller_id == reseller_id, accounts.c.identifier.in_(subjects)
                )
            ).all()
        )
        if subjects
        else {}
    )
    views = []
    for r in rows:
        subject = str(r[6] or "")
        account_id = owners.get(subject)
        if account_id is None and (found := _DATABASE_OWNER.search(subject)):
            account_id = int(found.group(1))
        if account_id is None and r[5]:
            links = json.loads(r[5])
            found = re.match(r"^/v2/accounts/(\d+)$", links[0]) if links else None
            account_id = int(found.group(1)) if found else None
        views.append(
            JobView(
                str(r[0]), str(r[1]), str(r[2]), float(r[3]), r[4], r[5], subject, account_id, str(r[7] or "")
            )
        )
    return views


def account_page(database: Database, reseller_id: int, account_id: int) -> AccountPage:
    """The reseller's own account, or 404 exactly as for one that does not exist."""
    with database.engine.connect() as conn:
        row = conn.execute(
            select(accounts.c.identifier, accounts.c.created_at).where(
                accounts.c.id == account_id, accounts.c.reseller_id == reseller_id
            )
        ).first()
        if row is None:
            raise ApiProblem(ACCOUNT_NOT_FOUND)
        identifier, created_at = str(row[0]), float(row[1])
        hosting = conn.execute(
            select(
                linux_hostings.c.domain_name,
                linux_hostings.c.ftp_username,
                linux_hostings.c.php_version,
                linux_hostings.c.php_memory_limit,
                linux_hostings.c.gzip_enabled,
                linux_hostings.c.ftp_enabled,
                linux_hostings.c.ssh_enabled,
            ).where(linux_hostings.c.account_id == account_id)
        ).first()
        zone_id = conn.execute(select(dns_zones.c.id).where(dns_zones.c.account_id == account_id)).scalar()
        records: list[dict[str, Any]] = []
        total = 0
        if zone_id is not None:
            found = conn.execute(
                select(
                    dns_records.c.type,
                    dns_records.c.name,
                    dns_records.c.content,
                    dns_records.c.ttl,
                    dns_records.c.priority,
                )
                .where(dns_records.c.zone_id == zone_id)
                .order_by(dns_records.c.position)
                .limit(ACCOUNT_RECORDS + 1)
            ).all()
            records = [dict(r._mapping) for r in found[:ACCOUNT_RECORDS]]
            total = len(found)
        boxes = [
            dict(r._mapping)
            for r in conn.execute(
                select(mailboxes.c.name, mailboxes.c.max_size_mb, mailboxes.c.actual_size_mb)
                .where(mailboxes.c.account_id == account_id)
                .order_by(mailboxes.c.name)
            )
        ]
        mysqldatabases = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    mysql_databases.c.name,
                    mysql_databases.c.status,
                    mysql_databases.c.max_size_mb,
                    mysql_databases.c.actual_size_mb,
                )
                .where(mysql_databases.c.account_id == account_id)
                .order_by(mysql_databases.c.name)
            )
        ]
        prefix = f"id{account_id}\\_%"
        job_rows = conn.execute(
            select(*_JOB_COLUMNS)
            .where(
                provisioning_jobs.c.reseller_id == reseller_id,
                or_(
                    provisioning_jobs.c.subject == identifier,
                    provisioning_jobs.c.subject.like(prefix, escape="\\"),
                    provisioning_jobs.c.subject.like(f"% on {prefix}", escape="\\"),
                    provisioning_jobs.c.resource_links == json.dumps([f"/v2/accounts/{account_id}"]),
                ),
            )
            .order_by(provisioning_jobs.c.created_at.desc())
            .limit(50)
        ).all()
        jobs = _job_views(conn, reseller_id, job_rows)
    [view] = list(account_views(database, reseller_id, only=account_id))
    return AccountPage(
        view,
        created_at,
        dict(hosting._mapping) if hosting else None,
        records,
        total,
        boxes,
        mysqldatabases,
        jobs,
    )
