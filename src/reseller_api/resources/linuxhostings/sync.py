"""Push every Linux hosting we record to the hosting backend (``reseller-api backends sync``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select

from reseller_api.backends import Backends
from reseller_api.resources.linuxhostings.hosting import Hosting, find_hosting
from reseller_api.resources.linuxhostings.sites import Site, load_sites
from reseller_api.resources.linuxhostings.ssh import authorized_keys
from reseller_api.resources.linuxhostings.tables import linux_hostings
from reseller_api.resources.linuxhostings.tasks import crontab
from reseller_api.resources.syncing import Synced, attempt
from reseller_api.store.database import Database


@dataclass(frozen=True, slots=True)
class _Plan:
    hosting: Hosting
    ftp_password_hash: str  # pushed as it is stored, never shown
    sites: list[Site]
    keys: list[str]
    crontab: list[Mapping[str, object]]


def sync_all(database: Database, backends: Backends, *, dry_run: bool = False) -> Iterator[Synced]:
    """Each hosting: its system user, settings, sites (the main one included, with its defaults
    if it was never changed), authorized_keys and crontab, as the API's changes push them."""
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(
                linux_hostings.c.reseller_id, linux_hostings.c.domain_name, linux_hostings.c.ftp_password_hash
            ).order_by(linux_hostings.c.id)
        ).all()
    for reseller_id, domain, password_hash in rows:
        hosting = find_hosting(database, int(reseller_id), domain)
        plan = _Plan(
            hosting,
            password_hash,
            load_sites(database, hosting),
            authorized_keys(database, hosting),
            list(crontab(database, hosting)),
        )
        detail = f"{len(plan.sites)} sites, {len(plan.keys)} ssh keys, {len(plan.crontab)} scheduled tasks"
        yield attempt("hosting", domain, detail, None if dry_run else partial(_push, backends, plan))


def _push(backends: Backends, plan: _Plan) -> None:
    hosting, domain = backends.hosting, plan.hosting.domain_name
    hosting.ensure_hosting(domain, plan.hosting.ftp_username, plan.ftp_password_hash)
    hosting.set_settings(domain, plan.hosting.settings())
    for site in plan.sites:
        hosting.ensure_site(domain, site.name, site.platform())
    hosting.set_authorized_keys(domain, plan.keys)
    hosting.set_crontab(domain, plan.crontab)
