"""Who may use a host name: the reseller that owns the domain it lies in.

A name lies in the domains it equals or ends with: ``shop.alpha.com`` lies in
``alpha.com``. The domains with a known owner are DNS zones, registered (or transferred)
domains and accounts' identifiers; the most specific one a name lies in decides, and only
its reseller may make the name a site's host header or a subsite, an SMTP domain or an
account. A name in no domain we know is first come, first served: each resource's own
rule that a name is used once still applies.

A refusal never tells a reseller which of another's names exist: a name in another
reseller's domain is refused with the same code and the same words as a name in use,
whether or not that reseller does anything with it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, select

from reseller_api.errors import ApiProblem, ErrorCode
from reseller_api.resources.dns.tables import dns_zones
from reseller_api.resources.domains.tables import domains
from reseller_api.store.tables import accounts

# (name, owner) columns of everything that makes a reseller the owner of a domain.
_OWNED = (
    (dns_zones.c.domain_name, dns_zones.c.reseller_id),
    (domains.c.domain_name, domains.c.reseller_id),
    (accounts.c.identifier, accounts.c.reseller_id),
)


def _domains_of(name: str) -> list[str]:
    """``name`` and every parent of it, short of the top-level domain."""
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(max(1, len(labels) - 1))]


def in_another_resellers_domain(conn: Connection, reseller_id: int, name: str) -> bool:
    """Whether the most specific domain with an owner that ``name`` lies in is not ``reseller_id``'s."""
    owners: dict[str, set[int]] = {}
    candidates = _domains_of(name)
    for column, owner in _OWNED:
        for found, found_owner in conn.execute(select(column, owner).where(column.in_(candidates))):
            owners.setdefault(str(found), set()).add(int(found_owner))
    if not owners:
        return False
    closest = max(owners, key=len)
    return owners[closest] != {reseller_id}


def unavailable(error: ErrorCode, name: str) -> ApiProblem:
    """The one refusal for a name in use and for a name in another reseller's domain: a
    refusal about the state of the world, so a top-level error (not a validation error)."""
    return ApiProblem(error, f"{name} is already in use, or lies in a domain of another customer.")


def claim(
    conn: Connection,
    reseller_id: int,
    name: str,
    error: ErrorCode,
    in_use: Callable[[Connection, str], bool],
) -> None:
    """Refuse ``name`` (with ``error``) unless ``reseller_id`` may use it and ``in_use`` says it is free.

    Call it inside the transaction that then writes the name.
    """
    if in_another_resellers_domain(conn, reseller_id, name) or in_use(conn, name):
        raise unavailable(error, name)
