"""Reading the servicepack catalogue, and the operator's ``servicepack create``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select

from reseller_api.conventions.paging import Page
from reseller_api.errors import ApiProblem, define
from reseller_api.resources.servicepacks.tables import servicepack_assets, servicepacks
from reseller_api.store.database import Database, Query
from reseller_api.wire.servicepacks import AssetType

ASSET_TYPES = tuple(t.value for t in AssetType)
SERVICEPACK_EXISTS = define("servicepack_exists", 400, "A servicepack with this name already exists.")
ASSET_SPEC_INVALID = define(
    "servicepack_asset_invalid", 400, "Assets are given as TYPE=COUNT or TYPE=COUNT:MAX_SIZE_MB."
)

_LIST = Query(
    select(servicepacks.c.id, servicepacks.c.name)
    .order_by(servicepacks.c.id)
    .limit(bindparam("take"))
    .offset(bindparam("skip"))
)
_COUNT = Query(select(func.count()).select_from(servicepacks))
_ASSETS = Query(
    select(
        servicepack_assets.c.asset_type,
        servicepack_assets.c.count,
        servicepack_assets.c.max_size_mb,
    ).where(servicepack_assets.c.servicepack_id == bindparam("servicepack_id"))
)


@dataclass(frozen=True, slots=True)
class Asset:
    """One line of a pack: how many of an asset type, and how big each may be."""

    type: str
    count: int
    max_size_mb: int | None


@dataclass(frozen=True, slots=True)
class PackInfo:
    id: int
    name: str
    assets: tuple[Asset, ...]

    def asset(self, asset_type: str) -> Asset | None:
        return next((a for a in self.assets if a.type == asset_type and a.count > 0), None)


def list_page(database: Database, page: Page) -> tuple[list[tuple[int, str]], int]:
    rows = database.fetch_all(_LIST, take=page.take, skip=page.skip)
    total = database.fetch_one(_COUNT)
    return [(int(r[0]), str(r[1])) for r in rows], int(total[0]) if total else 0


def assets_of(database: Database, servicepack_id: int) -> tuple[Asset, ...]:
    return tuple(
        Asset(r[0], int(r[1]), r[2]) for r in database.fetch_all(_ASSETS, servicepack_id=servicepack_id)
    )


def all_packs(database: Database) -> list[PackInfo]:
    rows = database.fetch_all(_LIST, take=1_000_000, skip=0)
    return [PackInfo(int(r[0]), str(r[1]), assets_of(database, int(r[0]))) for r in rows]


def parse_asset(spec: str) -> Asset:
    """``mailbox=10:2048`` -> Asset("mailbox", 10, 2048)."""
    match = re.fullmatch(r"([a-z_]+)=(\d+)(?::(\d+))?", spec.strip())
    if match is None or match[1] not in ASSET_TYPES:
        raise ApiProblem(
            ASSET_SPEC_INVALID,
            f"{spec!r}: expected TYPE=COUNT[:MAX_SIZE_MB] with TYPE one of {', '.join(ASSET_TYPES)}.",
        )
    return Asset(match[1], int(match[2]), int(match[3]) if match[3] else None)


def create(database: Database, name: str, assets: list[Asset]) -> int:
    name = name.strip()
    if not name or len(name) > 100:
        raise ApiProblem(ASSET_SPEC_INVALID, "A servicepack name is 1-100 characters.")
    types = [a.type for a in assets]
    if len(set(types)) != len(types):
        raise ApiProblem(ASSET_SPEC_INVALID, "Each asset type may appear once.")
    with database.transaction() as conn:
        if conn.execute(select(servicepacks.c.id).where(servicepacks.c.name == name)).first():
            raise ApiProblem(SERVICEPACK_EXISTS, f"A servicepack named {name!r} already exists.")
        pack_id = int(
            conn.execute(insert(servicepacks).values(name=name).returning(servicepacks.c.id)).scalar_one()
        )
        for asset in assets:
            conn.execute(
                insert(servicepack_assets).values(
                    servicepack_id=pack_id,
                    asset_type=asset.type,
                    count=asset.count,
                    max_size_mb=asset.max_size_mb,
                )
            )
    return pack_id
