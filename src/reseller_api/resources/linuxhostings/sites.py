"""Sites of a Linux hosting: subsites, host headers, HTTP/2 and per-hostname SSL settings.

Every hosting has a main site named as the hosting, at ``/www``, serving the domain and its
``www.`` name. The account job does not write it: reads show its defaults until one of its
settings changes, and the first change writes it (:func:`_main_site_id`). A host name is
served by one site of one hosting at most, ours or anyone's, and only a name in the
reseller's own domains or in none we know (resources/hostnames.py).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from msgspec import UNSET, UnsetType
from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.errors import NOT_FOUND, ApiProblem, define, invalid
from reseller_api.resources.hostnames import claim, unavailable
from reseller_api.resources.linuxhostings.hosting import Hosting, find_hosting, required_enabled
from reseller_api.resources.linuxhostings.tables import linux_host_headers, linux_hostings, linux_sites
from reseller_api.rules import DOMAIN_NAME_INVALID, canonical_domain_name
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import accounts
from reseller_api.store.undo import RowsSnapshot, then_or_undo
from reseller_api.wire.linuxhostings import (
    AddHostHeaderRequest,
    AddSubsiteRequest,
    HostHeader,
    LinuxSite,
)

MAIN_PATH = "/www"
SUBSITES = "/subsites"

DOMAIN_NAME_REQUIRED = define("site_domain_name_required", 400, "domain_name is required.")
HOST_NAME_IN_USE = define(
    "host_name_in_use", 400, "This domain name is already served by a site of a Linux hosting."
)
PATH_INVALID = define(
    "subsite_path_invalid",
    400,
    "path must be a folder of the hosting (from its root; no '..'), at most 255 characters.",
)
PATH_PRIVATE = define(
    "subsite_path_private",
    400,
    "path must not be the hosting's root folder nor lie under /logs, /tmp or /.ssh: "
    "a site there would publish the hosting's logs, sessions or SSH keys.",
)
# The hosting's folders that are never served (the backends refuse them too).
PRIVATE_FOLDERS = ("logs", "tmp", ".ssh")
PATH_NOT_FOUND = define(
    "subsite_path_not_found",
    400,
    "The folder does not exist on the hosting; it must be created first (it is never created automatically).",
)
MAIN_SITE = define("site_is_main_site", 400, "The main site of a hosting cannot be deleted.")

_SITES = Query(
    select(linux_sites.c.id, linux_sites.c.name, linux_sites.c.path, linux_sites.c.http2_enabled)
    .where(linux_sites.c.hosting_id == bindparam("hosting_id"))
    .order_by(linux_sites.c.id)
)
_HEADERS = Query(
    select(
        linux_host_headers.c.site_id,
        linux_host_headers.c.name,
        linux_host_headers.c.enabled,
        linux_host_headers.c.letsencrypt_enabled,
        linux_host_headers.c.auto_redirect_enabled,
    )
    .join(linux_sites, linux_sites.c.id == linux_host_headers.c.site_id)
    .where(linux_sites.c.hosting_id == bindparam("hosting_id"))
    .order_by(linux_host_headers.c.id)
)


@dataclass(slots=True)
class Header:
    name: str
    enabled: bool = True
    letsencrypt: bool = False
    auto_redirect: bool = False


@dataclass(slots=True)
class Site:
    id: int | None  # None: the main site, not written yet
    name: str
    path: str
    http2: bool = False
    headers: list[Header] = field(default_factory=list)

    @property
    def ssl(self) -> bool:
        return any(h.letsencrypt for h in self.headers)

    def wire(self) -> LinuxSite:
        return LinuxSite(
            name=self.name,
            path=self.path,
            host_headers=[HostHeader(name=h.name, enabled=h.enabled) for h in self.headers],
            ssl_enabled=self.ssl,
            https_redirect_enabled=any(h.auto_redirect for h in self.headers),
            http2_enabled=self.http2,
        )

    def platform(self) -> dict[str, object]:
        """The virtual host as the platform is told it."""
        return {
            "path": self.path,
            "http2_enabled": self.http2,
            "host_headers": [
                {
                    "name": h.name,
                    "enabled": h.enabled,
                    "letsencrypt": h.letsencrypt,
                    "auto_redirect": h.auto_redirect,
                }
                for h in self.headers
            ],
        }


def _main_defaults(domain_name: str) -> Site:
    return Site(None, domain_name, MAIN_PATH, headers=[Header(domain_name), Header(f"www.{domain_name}")])


def load_sites(database: Database, hosting: Hosting) -> list[Site]:
    """The hosting's sites, the main one first (its defaults when it was never written)."""
    sites = {
        int(r[0]): Site(int(r[0]), r[1], r[2], bool(r[3]))
        for r in database.fetch_all(_SITES, hosting_id=hosting.id)
    }
    for r in database.fetch_all(_HEADERS, hosting_id=hosting.id):
        sites[int(r[0])].headers.append(Header(r[1], bool(r[2]), bool(r[3]), bool(r[4])))
    ordered = sorted(sites.values(), key=lambda s: (s.name != hosting.domain_name, s.id))
    if not ordered or ordered[0].name != hosting.domain_name:
        ordered.insert(0, _main_defaults(hosting.domain_name))
    return ordered


def sites_of(database: Database, hosting: Hosting) -> list[LinuxSite]:
    return [site.wire() for site in load_sites(database, hosting)]


def _name_taken(conn: Connection, name: str) -> bool:
    """Served anywhere: a written site or host header, or a hosting's own (maybe unwritten) main names."""
    if conn.execute(select(linux_host_headers.c.id).where(linux_host_headers.c.name == name)).first():
        return True
    if conn.execute(select(linux_sites.c.id).where(linux_sites.c.name == name)).first():
        return True
    candidates = [name, name.removeprefix("www.")] if name.startswith("www.") else [name]
    if conn.execute(select(linux_hostings.c.id).where(linux_hostings.c.domain_name.in_(candidates))).first():
        return True
    # Any account's identifier (a hosting not yet provisioned, or one that may get a site of
    # that name later) is reserved for that account.
    return (
        conn.execute(select(accounts.c.id).where(accounts.c.identifier.in_(candidates))).first() is not None
    )


def _main_site_id(conn: Connection, hosting: Hosting) -> int:
    """Write the main site with its defaults if it was never written; its id."""
    found = conn.execute(
        select(linux_sites.c.id).where(
            linux_sites.c.hosting_id == hosting.id, linux_sites.c.name == hosting.domain_name
        )
    ).scalar()
    if found is not None:
        return int(found)
    defaults = _main_defaults(hosting.domain_name)
    site_id = int(
        conn.execute(
            insert(linux_sites)
            .values(
                hosting_id=hosting.id,
                name=defaults.name,
                path=defaults.path,
                http2_enabled=False,
                created_at=clock.time(),
            )
            .returning(linux_sites.c.id)
        ).scalar_one()
    )
    for header in defaults.headers:
        # The www. name may have been given to another site before this hosting existed.
        taken = conn.execute(
            select(linux_host_headers.c.id).where(linux_host_headers.c.name == header.name)
        ).first()
        if not taken:
            conn.execute(
                insert(linux_host_headers).values(
                    site_id=site_id,
                    name=header.name,
                    enabled=True,
                    letsencrypt_enabled=False,
                    auto_redirect_enabled=False,
                )
            )
    return site_id


def _site(database: Database, hosting: Hosting, site_name: str) -> Site:
    canonical = canonical_domain_name(site_name)
    for site in load_sites(database, hosting):
        if site.name == canonical:
            return site
    raise ApiProblem(NOT_FOUND, f"Site {site_name!r} does not exist on {hosting.domain_name}.")


def _snapshot(database: Database, hosting: Hosting) -> RowsSnapshot:
    """The hosting's sites and host headers as they are, to put back if the platform refuses."""
    sites = linux_sites.c.hosting_id == hosting.id
    headers = linux_host_headers.c.site_id.in_(select(linux_sites.c.id).where(sites))
    return RowsSnapshot(database, (linux_sites, sites), (linux_host_headers, headers))


def _sync(context: AppContext, hosting: Hosting, site_name: str, before: RowsSnapshot) -> None:
    """Give the platform the committed state of one site; if it refuses, our rows go back."""

    def apply() -> None:
        for site in load_sites(context.database, hosting):
            if site.name == site_name:
                context.backends.hosting.ensure_site(hosting.domain_name, site.name, site.platform())
                return
        context.backends.hosting.remove_site(hosting.domain_name, site_name)

    before.mark_committed()
    then_or_undo(apply, before.restore)


def _new_name(value: str | UnsetType) -> str:
    if value is UNSET or not value.strip():
        raise invalid(DOMAIN_NAME_REQUIRED)
    canonical = canonical_domain_name(value)
    if canonical is None:
        raise invalid(DOMAIN_NAME_INVALID, f"domain_name {value!r} is not a valid domain name.")
    return canonical


def _folder(path: str) -> str:
    """The folder, absolute in the hosting. A relative one is taken from the hosting's root: the
    vendor's own PHP client sends ``subsites/blog.example.com``."""
    path = path if path.startswith("/") else "/" + path
    if len(path) > 255 or ".." in path.split("/") or "\\" in path or "\x00" in path:
        raise invalid(PATH_INVALID, f"path {path!r} is not a folder of the hosting.")
    clean = posixpath.normpath(path)
    parts = [part for part in clean.split("/") if part]
    if not parts or parts[0] in PRIVATE_FOLDERS:
        raise invalid(PATH_PRIVATE, f"path {path!r} would publish the hosting's private files.")
    return clean


def create_subsite(context: AppContext, reseller_id: int, domain_name: str, order: AddSubsiteRequest) -> str:
    """Returns the new site's name."""
    hosting = find_hosting(context.database, reseller_id, domain_name)
    name = _new_name(order.domain_name)
    path = _folder(order.path) if order.path else f"{SUBSITES}/{name}"
    if not context.backends.hosting.path_exists(hosting.domain_name, path):
        raise ApiProblem(
            PATH_NOT_FOUND, f"The folder {path} does not exist on {hosting.domain_name}; create it first."
        )
    before = _snapshot(context.database, hosting)
    try:
        with context.database.transaction() as conn:
            claim(conn, reseller_id, name, HOST_NAME_IN_USE, _name_taken)
            site_id = conn.execute(
                insert(linux_sites)
                .values(
                    hosting_id=hosting.id, name=name, path=path, http2_enabled=False, created_at=clock.time()
                )
                .returning(linux_sites.c.id)
            ).scalar_one()
            conn.execute(
                insert(linux_host_headers).values(
                    site_id=site_id,
                    name=name,
                    enabled=True,
                    letsencrypt_enabled=False,
                    auto_redirect_enabled=False,
                )
            )
    except IntegrityError:  # two requests raced for the name; the unique index kept one
        raise unavailable(HOST_NAME_IN_USE, name) from None
    _sync(context, hosting, name, before)
    return name


def delete_subsite(context: AppContext, reseller_id: int, domain_name: str, site_name: str) -> None:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    site = _site(context.database, hosting, site_name)
    if site.name == hosting.domain_name:
        raise ApiProblem(MAIN_SITE)
    before = _snapshot(context.database, hosting)
    with context.database.transaction() as conn:
        conn.execute(delete(linux_host_headers).where(linux_host_headers.c.site_id == site.id))
        conn.execute(delete(linux_sites).where(linux_sites.c.id == site.id))
    _sync(context, hosting, site.name, before)


def add_host_header(
    context: AppContext, reseller_id: int, domain_name: str, site_name: str, order: AddHostHeaderRequest
) -> str:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    site = _site(context.database, hosting, site_name)
    name = _new_name(order.domain_name)
    before = _snapshot(context.database, hosting)
    try:
        with context.database.transaction() as conn:
            site_id = site.id if site.id is not None else _main_site_id(conn, hosting)
            claim(conn, reseller_id, name, HOST_NAME_IN_USE, _name_taken)
            conn.execute(
                insert(linux_host_headers).values(
                    site_id=site_id,
                    name=name,
                    enabled=True,
                    letsencrypt_enabled=False,
                    auto_redirect_enabled=False,
                )
            )
    except IntegrityError:
        raise unavailable(HOST_NAME_IN_USE, name) from None
    _sync(context, hosting, site.name, before)
    return name


def configure_http2(
    context: AppContext, reseller_id: int, domain_name: str, site_name: str, enabled: bool | UnsetType
) -> None:
    """Stored and shown at once, in any order with Let's Encrypt (the vendor documents none):
    the platform serves HTTP/2 where a host name of the site has a certificate."""
    hosting = find_hosting(context.database, reseller_id, domain_name)
    site = _site(context.database, hosting, site_name)
    wanted = required_enabled(enabled)
    before = _snapshot(context.database, hosting)
    with context.database.transaction() as conn:
        site_id = site.id if site.id is not None else _main_site_id(conn, hosting)
        conn.execute(update(linux_sites).where(linux_sites.c.id == site_id).values(http2_enabled=wanted))
    _sync(context, hosting, site.name, before)


def configure_ssl(
    context: AppContext,
    reseller_id: int,
    domain_name: str,
    hostname: str,
    *,
    letsencrypt: bool | UnsetType = UNSET,
    auto_redirect: bool | UnsetType = UNSET,
) -> None:
    """Let's Encrypt or HTTPS redirection for one host name the hosting serves (404 otherwise).

    Either may come first (the vendor documents no order): both are stored and shown as set, and
    the platform redirects a host name to HTTPS only while it has a certificate. Turning Let's
    Encrypt off keeps the redirection setting for when it comes back."""
    hosting = find_hosting(context.database, reseller_id, domain_name)
    wanted = required_enabled(letsencrypt if auto_redirect is UNSET else auto_redirect)
    canonical = canonical_domain_name(hostname)
    found = [(s, h) for s in load_sites(context.database, hosting) for h in s.headers if h.name == canonical]
    if not found:
        raise ApiProblem(NOT_FOUND, f"{hostname!r} is not a host name of {hosting.domain_name}.")
    site, header = found[0]
    column = "auto_redirect_enabled" if auto_redirect is not UNSET else "letsencrypt_enabled"
    values = {column: wanted}
    before = _snapshot(context.database, hosting)
    with context.database.transaction() as conn:
        site_id = site.id if site.id is not None else _main_site_id(conn, hosting)
        conn.execute(
            update(linux_host_headers)
            .where(linux_host_headers.c.site_id == site_id, linux_host_headers.c.name == header.name)
            .values(**values)
        )
    _sync(context, hosting, site.name, before)
