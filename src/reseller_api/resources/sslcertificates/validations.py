"""Domain validations: what each name of a request must show, and the checks that it does.

The values are derived from the CSR (as the big CAs derive theirs), so they are stable for a
request and need no secret of ours:

- ``dns``: a CNAME ``_{h1}.{name}`` pointing to ``{h2}.{h3}.{order_code}.dcv.invalid``.
  Checked in the reseller's zone that holds the name: our record *and* what the DNS server
  (simulated or PowerDNS) serves.
- ``file``: ``/.well-known/pki-validation/{H1}.txt`` holding three lines (the CSR's SHA-256,
  ``reseller-api``, the order code). Checked by asking the web server of the reseller's
  hosting that serves the name (nginx: over HTTP on loopback). Not for ``*.`` names.
- ``email``: the usual admin addresses of the name's domain. Shown, never checked: no mail is
  sent (docs/compatibility.md).

A name in a DNS zone the reseller hosts with us is ``auto_validated``: the zone is theirs here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, select

from reseller_api.backends import Backends
from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.resources.dns.tables import dns_records, dns_zones
from reseller_api.resources.linuxhostings.tables import linux_host_headers, linux_hostings, linux_sites
from reseller_api.store.database import Database

DCV_SUFFIX = "dcv.invalid"
FILE_DIRECTORY = "/.well-known/pki-validation/"
EMAIL_LOCAL_PARTS = ("admin", "administrator", "hostmaster", "postmaster", "webmaster")


@dataclass(frozen=True, slots=True)
class Expected:
    cname_name: str
    cname_content: str
    file_path: str
    file_content: tuple[str, ...]
    email_addresses: tuple[str, ...]


def base_name(dns_name: str) -> str:
    return dns_name[2:] if dns_name.startswith("*.") else dns_name


def expected(csr_der: bytes, order_code: str, dns_name: str) -> Expected:
    digest = hashlib.sha256(csr_der).hexdigest()
    h1 = digest[:32]
    name = base_name(dns_name)
    return Expected(
        cname_name=f"_{h1}.{name}",
        cname_content=f"{digest[:32]}.{digest[32:]}.{order_code.lower()}.{DCV_SUFFIX}",
        file_path=f"{FILE_DIRECTORY}{h1.upper()}.txt",
        file_content=(digest, "reseller-api", order_code),
        email_addresses=tuple(f"{local}@{name}" for local in EMAIL_LOCAL_PARTS),
    )


def zone_of(conn: Connection, reseller_id: int, dns_name: str) -> tuple[int, str] | None:
    """The reseller's zone holding ``dns_name`` (the longest suffix): (id, zone name)."""
    labels = base_name(dns_name).split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    rows = conn.execute(
        select(dns_zones.c.id, dns_zones.c.domain_name).where(
            dns_zones.c.reseller_id == reseller_id, dns_zones.c.domain_name.in_(candidates)
        )
    ).all()
    if not rows:
        return None
    zone_id, zone = max(rows, key=lambda r: len(str(r[1])))
    return int(zone_id), str(zone)


def _same_target(a: str, b: str) -> bool:
    return a.strip().rstrip(".").lower() == b.strip().rstrip(".").lower()


def dns_validated(database: Database, backends: Backends, reseller_id: int, want: Expected) -> bool:
    # Our records first, on a connection closed before the server is asked (SQLite: every
    # connection holds the write lock, and the simulated server writes to the same database).
    with database.engine.connect() as conn:
        found = zone_of(conn, reseller_id, want.cname_name)
        if found is None:
            return False
        zone_id, zone = found
        owner = want.cname_name[: -len(zone) - 1]
        contents = conn.execute(
            select(dns_records.c.content, dns_records.c.rdata).where(
                dns_records.c.zone_id == zone_id, dns_records.c.type == "CNAME", dns_records.c.name == owner
            )
        ).all()
    if not any(
        _same_target(str(c), want.cname_content) or _same_target(str(r), want.cname_content)
        for c, r in contents
    ):
        return False
    try:
        served = backends.dns.served_rrset(zone, owner, "CNAME")
    except (BackendUnavailable, BackendRefused):
        return False  # checked again on the next PUT
    return any(_same_target(r, want.cname_content) for r in served)


def hosting_serving(database: Database, reseller_id: int, dns_name: str) -> str | None:
    """The domain name of the reseller's Linux hosting that serves ``dns_name``."""
    with database.engine.connect() as conn:
        return hosting_serving_on(conn, reseller_id, dns_name)


def hosting_serving_on(conn: Connection, reseller_id: int, dns_name: str) -> str | None:
    found = conn.execute(
        select(linux_hostings.c.domain_name)
        .select_from(
            linux_host_headers.join(linux_sites, linux_sites.c.id == linux_host_headers.c.site_id).join(
                linux_hostings, linux_hostings.c.id == linux_sites.c.hosting_id
            )
        )
        .where(linux_host_headers.c.name == dns_name, linux_hostings.c.reseller_id == reseller_id)
    ).scalar()
    if found is None:
        found = conn.execute(
            select(linux_hostings.c.domain_name).where(
                linux_hostings.c.domain_name == dns_name, linux_hostings.c.reseller_id == reseller_id
            )
        ).scalar()
    if found is None and dns_name.startswith("www."):
        # A main site never written serves its defaults, the domain and its www. name
        # (resources/linuxhostings/sites.py), unless another site has that name.
        main_written = (
            select(linux_sites.c.id)
            .where(
                linux_sites.c.hosting_id == linux_hostings.c.id,
                linux_sites.c.name == linux_hostings.c.domain_name,
            )
            .exists()
        )
        elsewhere = select(linux_host_headers.c.id).where(linux_host_headers.c.name == dns_name).exists()
        found = conn.execute(
            select(linux_hostings.c.domain_name).where(
                linux_hostings.c.domain_name == dns_name.removeprefix("www."),
                linux_hostings.c.reseller_id == reseller_id,
                ~main_written,
                ~elsewhere,
            )
        ).scalar()
    return None if found is None else str(found)


def file_validated(backends: Backends, hosting: str | None, dns_name: str, want: Expected) -> bool:
    if hosting is None or dns_name.startswith("*."):
        return False
    try:
        body = backends.hosting.fetch(hosting, dns_name, want.file_path)
    except (BackendUnavailable, BackendRefused, OSError):
        return False
    if body is None:
        return False
    lines = [line.strip() for line in body.decode("utf-8", "replace").strip().splitlines()]
    return lines == list(want.file_content)
