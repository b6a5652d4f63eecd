"""DNS-01 for certificate requests ordered over ACME, in the DNS zones the reseller hosts with us.

The ``_acme-challenge.<name>`` TXT record holding the key authorization's digest is added to
the reseller's zone through the DNS records service (resources/dns/service.py), as the API adds
any record: our row and the DNS server change together, the zone's serial moves on, and a
later ``reseller-api backends sync`` neither undoes it nor leaves it behind. Once the order is
over (issued or not) the record is deleted the same way.

While the order runs, the record is in the reseller's record list like any other, as the CNAME
of a request's DNS validation is (resources/sslcertificates/validations.py): the zone holds
what the list shows and nothing else, and the reseller can see why a record came and went.

Which names: a wildcard (``*.example.com``; the CA offers nothing else for it) and a name in a
hosted zone that no Linux hosting of the reseller serves (HTTP-01 would not reach us). Names a
hosting serves keep HTTP-01, which does not touch the customer's zone.

A retry is idempotent: a value already there (the CA handed the same pending authorization
out again) is taken as published, and a record already deleted as removed. A process killed
between publishing and removing leaves its TXT record in the zone (harmless; the reseller
can delete it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from reseller_api.backends.acme_challenges import AcmeFailure
from reseller_api.backends.base import BackendRefused, BackendUnavailable, DnsBackend
from reseller_api.errors import ApiProblem, ValidationFailed
from reseller_api.resources.dns import service as dns_service
from reseller_api.resources.dns.records import owner_name
from reseller_api.resources.dns.tables import dns_records
from reseller_api.resources.sslcertificates import validations
from reseller_api.store.database import Database
from reseller_api.wire.dns import DnsRecordInput

log = logging.getLogger("reseller_api.sslcertificates.acme")

LABEL = "_acme-challenge"
# The lowest TTL records take: a resolver that saw the record keeps it no longer than needed.
TTL = 60


@dataclass(frozen=True, slots=True)
class _DnsOnly:
    dns: DnsBackend


class ZoneChallenges:
    """:class:`~reseller_api.backends.acme_challenges.DnsChallenges` in one reseller's zones.

    The class itself is the :class:`~reseller_api.backends.base.DnsChallengesFor` the ``ssl.issue``
    job hands the issuer, which builds one for the request's reseller when it orders over ACME.
    """

    def __init__(self, database: Database, dns: DnsBackend, reseller_id: int) -> None:
        self.database = database
        # The shape the DNS records service takes (resources/dns/service.py ZoneContext).
        self.backends = _DnsOnly(dns)
        self.reseller_id = reseller_id

    def dns01(self, name: str, wildcard: bool) -> bool:
        with self.database.engine.connect() as conn:
            if validations.zone_of(conn, self.reseller_id, name) is None:
                return False
            return wildcard or validations.hosting_serving_on(conn, self.reseller_id, name) is None

    def _owner(self, name: str) -> tuple[int, str, str] | None:
        """(zone id, zone, record name relative to it) of ``_acme-challenge.<name>``."""
        with self.database.engine.connect() as conn:
            found = validations.zone_of(conn, self.reseller_id, name)
        if found is None:
            return None
        zone_id, zone = found
        return zone_id, zone, LABEL if name == zone else f"{LABEL}.{name[: -len(zone) - 1]}"

    def publish(self, name: str, value: str) -> None:
        where = self._owner(name)
        if where is None:  # the zone was deleted since the order began
            raise AcmeFailure(f"no DNS zone here holds {name} for its DNS-01 record", reached=False)
        _zone_id, zone, owner = where
        body = DnsRecordInput(type="TXT", record_name=owner, content=value, ttl=TTL)
        try:
            dns_service.create_record(self, self.reseller_id, zone, body)
        except ApiProblem as exc:
            if exc.error is dns_service.DUPLICATE:
                return  # published by an earlier try of this same authorization
            raise AcmeFailure(
                f"cannot add the DNS-01 record {owner}.{zone}: {exc.text}", reached=False
            ) from None
        except ValidationFailed as exc:
            raise AcmeFailure(f"cannot add the DNS-01 record {owner}.{zone}: {exc}", reached=False) from None
        except BackendUnavailable as exc:
            raise AcmeFailure(
                f"the DNS server is unavailable for {owner}.{zone}: {exc}", reached=False, transient=True
            ) from None
        except BackendRefused as exc:
            raise AcmeFailure(
                f"the DNS server refused the DNS-01 record {owner}.{zone}: {exc}", reached=False
            ) from None

    def remove(self, name: str, value: str) -> None:
        where = self._owner(name)
        if where is None:
            return  # the zone went, and its records with it
        zone_id, zone, owner = where
        with self.database.engine.connect() as conn:
            rows = conn.execute(
                select(dns_records.c.id, dns_records.c.content, dns_records.c.rdata).where(
                    dns_records.c.zone_id == zone_id,
                    dns_records.c.type == "TXT",
                    dns_records.c.name == owner_name(zone, owner),
                )
            ).all()
        for pk, content, rdata in rows:
            if value not in (str(content), str(rdata).strip('"')):
                continue  # the reseller's own, or another order's
            try:
                dns_service.delete_record(
                    self, self.reseller_id, zone, dns_service.record_id(zone_id, int(pk))
                )
            except ApiProblem:
                pass  # deleted already (by the reseller, or an earlier try)
            except (BackendRefused, BackendUnavailable) as exc:
                # Our row is back (the service undoes a refused change): the reseller sees it.
                log.warning("DNS-01 record %s.%s not removed: %s", owner, zone, exc)
