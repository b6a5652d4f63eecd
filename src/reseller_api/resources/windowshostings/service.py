"""Windows hostings: read-only on the API (the vendor's has no change or delete)."""

from __future__ import annotations

import json

from sqlalchemy import bindparam, func, select

from reseller_api.conventions.paging import Page
from reseller_api.errors import NOT_FOUND, ApiProblem
from reseller_api.resources.windowshostings.tables import windows_hostings
from reseller_api.rules import canonical_domain_name
from reseller_api.store.database import Database, Query
from reseller_api.wire.windowshostings import (
    ApplicationPool,
    SiteBinding,
    WindowsHosting,
    WindowsHostingDetail,
    WindowsSite,
)

_OWNED = windows_hostings.c.reseller_id == bindparam("reseller_id")
_LIST = Query(
    select(windows_hostings.c.domain_name, windows_hostings.c.servicepack_id)
    .where(_OWNED)
    .order_by(windows_hostings.c.domain_name)
    .limit(bindparam("take"))
    .offset(bindparam("skip"))
)
_COUNT = Query(select(func.count()).select_from(windows_hostings).where(_OWNED))
_DETAIL = Query(
    select(
        windows_hostings.c.domain_name,
        windows_hostings.c.servicepack_id,
        windows_hostings.c.max_size_mb,
        windows_hostings.c.actual_size_mb,
        windows_hostings.c.ip,
        windows_hostings.c.ip_type,
        windows_hostings.c.ftp_username,
        windows_hostings.c.application_pool,
        windows_hostings.c.sites,
    ).where(_OWNED, windows_hostings.c.domain_name == bindparam("domain_name"))
)


def list_hostings(database: Database, reseller_id: int, page: Page) -> tuple[list[WindowsHosting], int]:
    rows = database.fetch_all(_LIST, reseller_id=reseller_id, take=page.take, skip=page.skip)
    total = database.fetch_one(_COUNT, reseller_id=reseller_id)
    return [WindowsHosting(domain_name=r[0], servicepack_id=int(r[1])) for r in rows], int(
        total[0]
    ) if total else 0


def get_hosting(database: Database, reseller_id: int, domain_name: str) -> WindowsHostingDetail:
    name = canonical_domain_name(domain_name) or domain_name.strip().lower()
    r = database.fetch_one(_DETAIL, reseller_id=reseller_id, domain_name=name)
    if r is None:
        raise ApiProblem(NOT_FOUND, f"Windows hosting {domain_name!r} does not exist.")
    sites = [
        WindowsSite(name=s["name"], path=s["path"], bindings=[SiteBinding(**b) for b in s["bindings"]])
        for s in json.loads(str(r[8]))
    ]
    return WindowsHostingDetail(
        domain_name=str(r[0]),
        servicepack_id=int(r[1]),
        max_size=int(r[2]),
        actual_size=int(r[3]),
        ip=str(r[4]),
        ip_type=r[5],
        ftp_username=str(r[6]),
        application_pool=ApplicationPool(**json.loads(str(r[7]))),
        sites=sites,
        mssql_database_names=[],
    )
