"""One entry per distinct key (by fingerprint) across the reseller's hostings, oldest first."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from reseller_api.conventions.paging import Page
from reseller_api.resources.linuxhostings.tables import linux_hostings, linux_ssh_keys
from reseller_api.store.database import Database, Query
from reseller_api.wire.ssh import SshKeyDetail

_PAGE = Query(
    select(linux_ssh_keys.c.fingerprint)
    .where(linux_ssh_keys.c.reseller_id == bindparam("reseller_id"))
    .group_by(linux_ssh_keys.c.fingerprint)
    .order_by(func.min(linux_ssh_keys.c.id))
    .limit(bindparam("take"))
    .offset(bindparam("skip"))
)
_COUNT = Query(
    select(func.count(func.distinct(linux_ssh_keys.c.fingerprint))).where(
        linux_ssh_keys.c.reseller_id == bindparam("reseller_id")
    )
)
# An expanding IN cannot be precompiled: this one runs through SQLAlchemy.
_ATTACHED = (
    select(linux_ssh_keys.c.fingerprint, linux_ssh_keys.c.public_key, linux_hostings.c.domain_name)
    .join(linux_hostings, linux_hostings.c.id == linux_ssh_keys.c.hosting_id)
    .where(
        linux_ssh_keys.c.reseller_id == bindparam("reseller_id"),
        linux_ssh_keys.c.fingerprint.in_(bindparam("fingerprints", expanding=True)),
    )
    .order_by(linux_ssh_keys.c.id)
)


def list_keys(database: Database, reseller_id: int, page: Page) -> tuple[list[SshKeyDetail], int]:
    fingerprints = [
        r[0] for r in database.fetch_all(_PAGE, reseller_id=reseller_id, take=page.take, skip=page.skip)
    ]
    total = database.fetch_one(_COUNT, reseller_id=reseller_id)
    details = {f: SshKeyDetail(fingerprint=f, public_key="", linux_hostings=[]) for f in fingerprints}
    if fingerprints:
        with database.engine.connect() as conn:
            rows = conn.execute(_ATTACHED, {"reseller_id": reseller_id, "fingerprints": fingerprints})
            for fingerprint, public_key, domain in rows:
                detail = details[fingerprint]
                detail.public_key = detail.public_key or public_key  # the first one attached
                detail.linux_hostings.append(domain)
    return list(details.values()), int(total[0]) if total else 0
