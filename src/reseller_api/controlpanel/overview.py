"""What the panel shows a reseller: its keys with live rate-limit usage, accounts, latest jobs.

Every query here is filtered by the signed-in user's reseller: a user never sees, and
cannot name, anything of another reseller (their keys answer 404 as if absent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from limits import RateLimitItem
from sqlalchemy import select

from reseller_api.conventions.ratelimit import RateLimiter
from reseller_api.credentials.service import CredentialsService, KeyInfo
from reseller_api.errors import ApiProblem, define
from reseller_api.settings import parse_rate_limit

if TYPE_CHECKING:
    from reseller_api.controlpanel.web import Panel
from reseller_api.store.database import Database
from reseller_api.store.tables import accounts, provisioning_jobs, servicepack_assets, servicepacks

KEY_NOT_FOUND = define("panel_api_key_not_found", 404, "You have no API key with this value.")
LATEST_JOBS = 10


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


def account_views(database: Database, reseller_id: int, limit: int = 100) -> list[AccountView]:
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
            .where(accounts.c.reseller_id == reseller_id)
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
                size = f" ({max_size} MB)" if max_size else ""
                assets.setdefault(int(pack_id), []).append(f"{count} x {asset_type}{size}")
    return [AccountView(int(r[0]), str(r[1]), str(r[2]), str(r[4]), assets.get(int(r[3]), [])) for r in rows]


def latest_jobs(database: Database, reseller_id: int, limit: int = LATEST_JOBS) -> list[JobView]:
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(
                provisioning_jobs.c.id,
                provisioning_jobs.c.kind,
                provisioning_jobs.c.status,
                provisioning_jobs.c.created_at,
                provisioning_jobs.c.finished_at,
                provisioning_jobs.c.resource_links,
            )
            .where(provisioning_jobs.c.reseller_id == reseller_id)
            .order_by(provisioning_jobs.c.created_at.desc())
            .limit(limit)
        ).all()
    return [JobView(str(r[0]), str(r[1]), str(r[2]), float(r[3]), r[4], r[5]) for r in rows]
