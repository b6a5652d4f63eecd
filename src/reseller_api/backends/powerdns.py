"""PowerDNS Authoritative as the DNS backend, through its HTTP API (``/api/v1``).

- A zone is created ``Native`` (no AXFR to secondaries of its own: PowerDNS serves it from its
  database), with an SOA naming the first of our name servers as primary and
  ``hostmaster.<zone>`` as contact, and an NS RRset for all of them. The SOA (its serial
  included) and the apex NS are then written as RRsets like any other, from our records: the
  record list shows what PowerDNS serves. So ``soa_edit_api`` is off (``""``): with it,
  PowerDNS would rewrite every serial we give it (``ensure_zone`` turns it off on zones made
  before).
- Records are written one RRset at a time with ``PATCH`` and ``changetype`` ``REPLACE`` (the
  whole set, as our records hold it) or ``DELETE`` (no records left). ALIAS, TLSA and CAA are
  passed through as PowerDNS takes them.
- Errors: no answer (refused, timeout) or a 5xx is :class:`BackendUnavailable` (worth a retry);
  PowerDNS's own refusal (422, 400) is :class:`BackendRefused` with its ``error`` text. A 401/403
  is our configuration (the API key), not the reseller's change: unavailable, logged, and retried
  until an operator fixes it. The API key never appears in a message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx
import idna

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.settings import Settings

log = logging.getLogger("reseller_api.backends.powerdns")

# SOA timers: refresh, retry, expire, negative-cache TTL (as the simulated backend writes them).
SOA_TIMERS = "10800 3600 604800 3600"
ZONE_TTL = 3600  # of the SOA and NS RRsets
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# Types whose data ends in a domain name, which PowerDNS wants fully qualified.
_NAME_LAST = ("CNAME", "ALIAS", "MX", "SRV", "NS", "PTR")


def fqdn(name: str) -> str:
    """``name`` as PowerDNS writes names: lowercase A-labels, with the final dot."""
    text = name.strip().rstrip(".")
    if not text.isascii():
        text = idna.encode(text, uts46=True).decode("ascii")
    return text.lower() + "."


def owner_fqdn(zone: str, owner: str) -> str:
    """The absolute owner name of an RRset whose ``owner`` is relative to ``zone`` ("@": apex)."""
    owner = owner.strip()
    if owner in ("", "@"):
        return fqdn(zone)
    if owner.endswith("."):
        return fqdn(owner)
    return fqdn(f"{owner}.{zone.rstrip('.')}")


def _absolute(target: str, zone: str) -> str:
    if target == "@":
        return fqdn(zone)
    return target if target.endswith(".") else f"{target}.{fqdn(zone)}"


def _quote_txt(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def record_content(zone: str, rdtype: str, rdata: str) -> str:
    """One record's content as PowerDNS accepts it.

    Our rdata is zone-file presentation form (dnspython's canonical text), so it is already what
    PowerDNS wants; this only guards the two things PowerDNS is strict about: a target name
    must be absolute (a relative one is taken relative to the zone, as in a zone file), and TXT
    data must be quoted character-strings.
    """
    text = rdata.strip()
    if rdtype in _NAME_LAST:
        head, _, target = text.rpartition(" ")
        target = _absolute(target, zone)
        return f"{head} {target}" if head else target
    if rdtype in ("TXT", "SPF") and not text.startswith('"'):
        return _quote_txt(text)
    return text


def zone_rrsets(zone: str, name_servers: tuple[str, ...], serial: int = 0) -> list[dict[str, Any]]:
    """The SOA and NS RRsets of ``zone`` (``serial`` 0: PowerDNS picks it, per soa_edit_api)."""
    apex = fqdn(zone)
    primary = fqdn(name_servers[0])
    return [
        _rrset(apex, "SOA", ZONE_TTL, [f"{primary} hostmaster.{apex} {serial} {SOA_TIMERS}"]),
        _rrset(apex, "NS", ZONE_TTL, [fqdn(ns) for ns in name_servers]),
    ]


def _rrset(name: str, rdtype: str, ttl: int, contents: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "type": rdtype,
        "ttl": ttl,
        "changetype": "REPLACE",
        "records": [{"content": content, "disabled": False} for content in contents],
    }


def rrset_change(zone: str, owner: str, rdtype: str, ttl: int, rdatas: list[str]) -> dict[str, Any]:
    """The PATCH item that makes one RRset hold exactly ``rdatas`` (none: ``DELETE``)."""
    name = owner_fqdn(zone, owner)
    if not rdatas:
        return {"name": name, "type": rdtype, "changetype": "DELETE"}
    contents = sorted({record_content(zone, rdtype, rdata) for rdata in rdatas})
    return _rrset(name, rdtype, ttl, contents)


def _reason(response: httpx.Response) -> str:
    """PowerDNS's own words: the ``error`` of its JSON body, else the start of the text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping) and isinstance(body.get("error"), str):
        return str(body["error"])
    return response.text.strip()[:200] or response.reason_phrase


class PowerDnsBackend:
    """:class:`~reseller_api.backends.base.DnsBackend` on a PowerDNS Authoritative server."""

    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        if not settings.powerdns_url or not settings.powerdns_api_key:
            raise ValueError("the powerdns backend needs RESELLER_API_POWERDNS_URL and _API_KEY")
        self.default_name_servers = settings.name_servers
        server = quote(settings.powerdns_server_id, safe="")
        self.client = httpx.Client(
            base_url=f"{settings.powerdns_url.rstrip('/')}/api/v1/servers/{server}",
            headers={"X-API-Key": settings.powerdns_api_key, "Accept": "application/json"},
            timeout=TIMEOUT,
            trust_env=False,  # a proxy from the environment has no business between us and pdns
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def probe(self) -> str:
        """``reseller-api check-config``: the server answers our key; its version."""
        server = self._send("GET", "").json()
        return f"PowerDNS {server.get('version', '?')} answers at {self.client.base_url}"

    # -- the DnsBackend protocol ----------------------------------------------------------------

    def ensure_zone(self, domain_name: str, name_servers: tuple[str, ...]) -> None:
        """Create the zone with SOA and NS, or bring an existing zone's SOA and NS to them."""
        name_servers = name_servers or self.default_name_servers
        zone = fqdn(domain_name)
        found = self._apex(zone)
        if found is None:
            created = self._send(
                "POST",
                "/zones",
                json={
                    "name": zone,
                    "kind": "Native",
                    "soa_edit_api": "",  # the serial is ours (the module docstring)
                    "nameservers": [],  # the NS RRset below says it, with our TTL
                    "rrsets": zone_rrsets(zone, name_servers),
                },
                accept=(409,),
            )
            if created.status_code != 409:
                return
            # Someone (a concurrent retry of this job) created it in between: converge it.
            found = self._apex(zone)
            if found is None:
                raise BackendUnavailable(f"PowerDNS said {zone} exists, then that it does not")
        apex, soa_edit_api = found
        if soa_edit_api:
            self._send("PUT", self._zone_path(zone), json={"soa_edit_api": ""})
        self._converge_apex(zone, name_servers, apex)

    def remove_zone(self, domain_name: str) -> None:
        self._send("DELETE", self._zone_path(fqdn(domain_name)), accept=(404,))

    def replace_rrset(self, domain_name: str, owner: str, rdtype: str, ttl: int, rdatas: list[str]) -> None:
        zone = fqdn(domain_name)
        change = rrset_change(zone, owner, rdtype.upper(), ttl, rdatas)
        response = self._send("PATCH", self._zone_path(zone), json={"rrsets": [change]}, accept=(404,))
        if response.status_code == 404:
            raise BackendRefused(f"the zone {zone} does not exist on the DNS server")

    def served_rrset(self, domain_name: str, owner: str, rdtype: str) -> list[str]:
        zone = fqdn(domain_name)
        name = owner_fqdn(zone, owner)
        response = self._send(
            "GET",
            self._zone_path(zone),
            params={"rrset_name": name, "rrset_type": rdtype.upper()},
            accept=(404,),
        )
        if response.status_code == 404:
            return []
        try:
            rrsets = response.json().get("rrsets", [])
        except (ValueError, AttributeError):
            raise BackendUnavailable(f"the DNS server (PowerDNS) sent an unreadable zone {zone}") from None
        return [
            str(record["content"])
            for rrset in rrsets
            if str(rrset.get("name", "")).lower() == name and rrset.get("type") == rdtype.upper()
            for record in rrset.get("records", [])
            if not record.get("disabled")
        ]

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _zone_path(zone: str) -> str:
        return "/zones/" + quote(zone, safe="")

    def _apex(self, zone: str) -> tuple[dict[str, list[str]], str] | None:
        """The zone's apex RRsets as {type: [content, ...]} and its ``soa_edit_api``, or None
        when the zone is absent."""
        response = self._send("GET", self._zone_path(zone), params={"rrset_name": zone}, accept=(404,))
        if response.status_code == 404:
            return None
        try:
            body = response.json()
            rrsets = body.get("rrsets", [])
        except (ValueError, AttributeError):
            raise BackendUnavailable(f"the DNS server (PowerDNS) sent an unreadable zone {zone}") from None
        # A server that ignores the filter (older versions) returns the whole zone: filter here too.
        apex = {
            str(rrset["type"]): [str(r["content"]) for r in rrset.get("records", [])]
            for rrset in rrsets
            if str(rrset.get("name", "")).lower() == zone
        }
        return apex, str(body.get("soa_edit_api") or "")

    def _converge_apex(self, zone: str, name_servers: tuple[str, ...], apex: dict[str, list[str]]) -> None:
        """PATCH the SOA and NS only where they differ, so converging twice changes nothing."""
        wanted_soa, wanted_ns = zone_rrsets(zone, name_servers)
        changes = []
        if sorted(r.lower() for r in apex.get("NS", [])) != sorted(
            r["content"] for r in wanted_ns["records"]
        ):
            changes.append(wanted_ns)
        soa = (apex.get("SOA") or [""])[0].split()
        wanted = str(wanted_soa["records"][0]["content"]).split()
        if [field.lower() for field in soa[:2]] != wanted[:2] or soa[3:] != wanted[3:]:
            # Keep the serial moving forward: a new SOA must never look older to a secondary.
            serial = int(soa[2]) + 1 if len(soa) > 2 and soa[2].isdigit() else 0
            changes.append(zone_rrsets(zone, name_servers, serial)[0])
        if changes:
            self._send("PATCH", self._zone_path(zone), json={"rrsets": changes})

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        accept: tuple[int, ...] = (),
    ) -> httpx.Response:
        """One API call; any answer but 2xx or ``accept`` becomes one of our two exceptions."""
        try:
            response = self.client.request(method, path, json=json, params=params)
        except httpx.TimeoutException:
            raise BackendUnavailable("the DNS server (PowerDNS) did not answer in time") from None
        except httpx.TransportError as exc:
            raise BackendUnavailable(
                f"cannot reach the DNS server (PowerDNS): {type(exc).__name__}"
            ) from None
        except httpx.HTTPError as exc:  # a broken answer (decoding, redirects): as if none came
            raise BackendUnavailable(
                f"the DNS server (PowerDNS) gave no usable answer: {type(exc).__name__}"
            ) from None
        status = response.status_code
        if status < 300 or status in accept:
            return response
        reason = _reason(response)
        if status in (401, 403):
            log.error("PowerDNS refused our API key (%s %s: HTTP %d)", method, path, status)
            raise BackendUnavailable("the DNS server (PowerDNS) refused our credentials; retry later")
        if status >= 500 or status == 429:
            log.warning("PowerDNS %s %s: HTTP %d %s", method, path, status, reason)
            raise BackendUnavailable(f"the DNS server (PowerDNS) failed: HTTP {status} {reason}")
        log.info("PowerDNS refused %s %s: HTTP %d %s", method, path, status, reason)
        raise BackendRefused(reason)
