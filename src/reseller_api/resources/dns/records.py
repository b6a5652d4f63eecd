"""What a valid record is: one body in, one normalised record out, or every problem at once.

Names and rdata go through dnspython (and ``idna`` for IDN labels), so a record we accept is
one an authoritative server would load: the same parser, the same limits (63-byte labels,
255-byte names, 255-byte TXT strings), the same canonical text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import idna
from msgspec import UNSET

from reseller_api.errors import ErrorCode, FieldProblem, ValidationFailed, define
from reseller_api.wire.dns import DnsRecord, DnsRecordInput

# What a client may add. NS too: a zone's apex NS records are listed and edited like any other
# (never fewer than two: service.py), and NS below the apex delegates a subdomain.
TYPES = ("A", "AAAA", "CNAME", "MX", "SRV", "TXT", "ALIAS", "TLSA", "CAA", "NS")
# What a record list holds: the zone's SOA too, which the server keeps (zone.py).
LISTED_TYPES = (*TYPES, "SOA")
# The vendor's record_name filter applies to these lookups only (A, CNAME, TXT, ALIAS and TLSA
# in the YAML; AAAA, CAA and NS are ours and behave like A).
NAME_FILTERED = ("A", "AAAA", "CNAME", "TXT", "ALIAS", "TLSA", "CAA", "NS")
APEX = "@"
TTL_MIN, TTL_MAX, TTL_DEFAULT = 60, 86_400, 3600
PRIORITY_MAX, PRIORITY_DEFAULT = 9999, 10
PROTOCOLS = ("TCP", "UDP", "TLS")  # the YAML's input form; ``_tcp`` (the vendor's answers) is taken too
TXT_MAX_BYTES = 4096  # several 255-byte strings; keeps a record well inside one DNS message

TYPE_REQUIRED = define("dns_record_type_required", 400, "type is required.")
TYPE_INVALID = define("dns_record_type_invalid", 400, "type must be one of " + ", ".join(TYPES) + ".")
TYPE_IMMUTABLE = define(
    "dns_record_type_immutable", 400, "The type of a record cannot be changed: delete it and add a new one."
)
NAME_INVALID = define(
    "dns_record_name_invalid",
    400,
    "record_name must be empty or '@' (the domain itself) or a name inside the zone: labels of "
    "letters, digits, hyphens and underscores, at most 63 characters each, '*' only first.",
)
TTL_INVALID = define("dns_record_ttl_invalid", 400, f"ttl must be between {TTL_MIN} and {TTL_MAX}.")
CONTENT_REQUIRED = define("dns_record_content_required", 400, "content is required for this record type.")
CONTENT_INVALID = define("dns_record_content_invalid", 400, "content is not valid for this record type.")
PRIORITY_INVALID = define(
    "dns_record_priority_invalid", 400, f"priority must be between 0 and {PRIORITY_MAX}."
)
SERVICE_INVALID = define(
    "dns_srv_service_invalid",
    400,
    "service is required for SRV records: a symbolic name such as _sip (letters, digits, hyphens).",
)
PROTOCOL_INVALID = define(
    "dns_srv_protocol_invalid", 400, "protocol must be one of TCP, UDP, TLS (or _tcp, _udp, _tls)."
)
PORT_INVALID = define("dns_srv_port_invalid", 400, "port is required for SRV records: 1 to 65535.")
WEIGHT_INVALID = define("dns_srv_weight_invalid", 400, "weight must be between 0 and 65535.")
TARGET_INVALID = define(
    "dns_srv_target_invalid", 400, "target is required for SRV records: a fully qualified host name."
)
SRV_IMMUTABLE = define(
    "dns_srv_service_immutable",
    400,
    "The service and protocol of an SRV record cannot be edited: add a new SRV record and delete this one.",
)

_OWNER_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SERVICE = re.compile(r"^_?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)$")
_IN = dns.rdataclass.IN


@dataclass(frozen=True, slots=True)
class Record:
    """A normalised record, as stored (``rdata``: zone-file presentation of its data)."""

    type: str
    name: str
    ttl: int
    content: str
    rdata: str
    priority: int | None = None
    service: str | None = None
    protocol: str | None = None
    target: str | None = None
    port: int | None = None
    weight: int | None = None

    def wire(self, record_id: str) -> DnsRecord:
        """As the vendor answers it: the apex as ``""``, IDN labels as U-labels, SRV ``content``
        ``weight port target`` with ``service`` ``_sip`` and ``protocol`` ``_tcp``, and ``null``
        for what the type does not have."""
        srv = self.type == "SRV"
        return DnsRecord(
            id=record_id,
            type=self.type,
            record_name=shown_name(self.name),
            ttl=self.ttl,
            content=self.content,
            service=self.service if srv else None,
            target=self.target if srv else None,
            protocol=f"_{self.protocol.lower()}" if srv and self.protocol else None,
            priority=self.priority,
            port=self.port if srv else None,
            weight=self.weight if srv else None,
        )


def shown_name(name: str) -> str:
    """A stored owner name as the vendor shows it: ``""`` for the apex, U-labels for IDN labels."""
    if name == APEX:
        return ""
    if "xn--" not in name:
        return name
    labels = []
    for label in name.split("."):
        try:
            labels.append(idna.decode(label) if label.startswith("xn--") else label)
        except (idna.IDNAError, UnicodeError):
            labels.append(label)  # stored by an older version, or not IDNA2008: shown as stored
    return ".".join(labels)


class Invalid(ValueError):
    """One field's problem, raised by the parsers below and collected by :func:`build`."""


def _labels_to_ascii(text: str, pattern: re.Pattern[str], *, wildcard: bool) -> list[str]:
    labels = []
    for index, label in enumerate(text.split(".")):
        if wildcard and index == 0 and label == "*":
            labels.append(label)
            continue
        if label.isascii():
            ascii_label = label.lower()
        else:
            try:
                ascii_label = idna.encode(label, uts46=True).decode("ascii")
            except (idna.IDNAError, UnicodeError) as exc:
                raise Invalid(f"{label!r} is not a valid internationalised label ({exc})") from None
        if not pattern.match(ascii_label):
            raise Invalid(f"{label!r} is not a valid label")
        labels.append(ascii_label)
    return labels


def owner_name(zone: str, raw: str | None) -> str:
    """A record name relative to ``zone`` ("@" for the apex), lowercase A-labels.

    Names are relative; a name ending in a dot, or ending in the zone's own name, is taken as
    fully qualified (nobody means ``www.example.com.example.com``).
    """
    text = (raw or "").strip()
    if text in ("", APEX, zone + "."):
        return APEX
    absolute = text.endswith(".")
    text = text[:-1] if absolute else text
    name = ".".join(_labels_to_ascii(text, _OWNER_LABEL, wildcard=True))
    if name == zone:
        return APEX
    if name.endswith("." + zone):
        name = name[: -len(zone) - 1]
    elif absolute:
        raise Invalid(f"{raw!r} is not inside the zone {zone}")
    try:
        dns.name.from_text(name, origin=dns.name.from_text(zone))
    except dns.exception.DNSException as exc:
        raise Invalid(f"{raw!r}: {exc}") from None
    return name


def host_name(raw: str | None, *, underscores: bool = False) -> str:
    """A fully qualified host name, lowercase A-labels, without the final dot."""
    text = (raw or "").strip()
    text = text[:-1] if text.endswith(".") else text
    if not text:
        raise Invalid("a host name is required")
    labels = _labels_to_ascii(text, _OWNER_LABEL if underscores else _HOST_LABEL, wildcard=False)
    if len(labels) < 2:
        raise Invalid(f"{raw!r} is not a fully qualified host name")
    name = ".".join(labels)
    try:
        dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        raise Invalid(f"{raw!r}: {exc}") from None
    return name


def _rdata(rdtype: str, text: str) -> dns.rdata.Rdata:
    try:
        return dns.rdata.from_text(_IN, dns.rdatatype.from_text(rdtype), text)
    except (dns.exception.DNSException, ValueError) as exc:
        raise Invalid(str(exc) or type(exc).__name__) from None


def txt_strings(content: str) -> list[bytes]:
    """TXT data as character-strings: quoted input is parsed as a zone file would; plain text is
    split into 255-byte strings (a DKIM key longer than one string is the usual case)."""
    stripped = content.strip()
    if stripped.startswith('"'):
        parsed = _rdata("TXT", stripped)
        assert isinstance(parsed, dns.rdtypes.ANY.TXT.TXT)
        strings = list(parsed.strings)
    else:
        data = content.encode("utf-8")
        strings = [data[i : i + 255] for i in range(0, len(data), 255)]
    if sum(len(s) for s in strings) > TXT_MAX_BYTES:
        raise Invalid(f"TXT data is at most {TXT_MAX_BYTES} bytes")
    if not strings or not any(strings):
        raise Invalid("TXT data cannot be empty")
    return strings


def _content(rtype: str, content: str, priority: int | None) -> tuple[str, str]:
    """(content as shown, rdata in presentation form) for every type but SRV."""
    if rtype in ("A", "AAAA", "CAA"):
        rdata = _rdata(rtype, content.strip())
        return rdata.to_text(), rdata.to_text()
    if rtype in ("CNAME", "ALIAS"):
        target = host_name(content, underscores=True)
        return target, target + "."
    if rtype == "NS":
        target = host_name(content)
        return target, target + "."
    if rtype == "MX":
        target = host_name(content)
        return target, _rdata("MX", f"{priority} {target}.").to_text()
    if rtype == "TXT":
        strings = txt_strings(content)
        rdata = dns.rdtypes.ANY.TXT.TXT(_IN, dns.rdatatype.TXT, strings)
        return b"".join(strings).decode("utf-8", "replace"), rdata.to_text()
    # TLSA: "{usage} {selector} {matching_type} {data}", in the ranges the API documents.
    tlsa = _rdata("TLSA", content.strip())
    usage, selector, mtype, cert = tlsa.usage, tlsa.selector, tlsa.mtype, tlsa.cert  # type: ignore[attr-defined]
    if usage > 3 or selector > 1 or mtype > 2:
        raise Invalid("usage must be 0-3, selector 0-1, matching type 0-2")
    if mtype in (1, 2) and len(cert) != (32 if mtype == 1 else 64):
        raise Invalid(f"matching type {mtype} needs a {'SHA-256' if mtype == 1 else 'SHA-512'} digest")
    text = f"{usage} {selector} {mtype} {cert.hex()}"
    return text, text


def _given(value: object) -> bool:
    return value is not UNSET and value is not None


def build(zone: str, body: DnsRecordInput, current: Record | None = None) -> Record:
    """Validate ``body`` (a create, or an edit of ``current``) into a :class:`Record`.

    On edit, absent fields keep their current values; the type, and an SRV record's service
    and protocol, cannot change.
    """
    problems: list[FieldProblem] = []

    def problem(error: ErrorCode, detail: str | None = None) -> None:
        problems.append(FieldProblem(error.code, f"{error.text} ({detail})" if detail else error.text))

    rtype = str(body.type).strip().upper() if _given(body.type) and str(body.type).strip() else None
    if current is not None:
        if rtype is not None and rtype != current.type:
            raise ValidationFailed([FieldProblem(TYPE_IMMUTABLE.code, TYPE_IMMUTABLE.text)])
        rtype = current.type
    if rtype is None:
        raise ValidationFailed([FieldProblem(TYPE_REQUIRED.code, TYPE_REQUIRED.text)])
    if rtype not in TYPES:
        raise ValidationFailed([FieldProblem(TYPE_INVALID.code, f"{TYPE_INVALID.text} Got {rtype!r}.")])

    ttl = body.ttl if _given(body.ttl) else (current.ttl if current else TTL_DEFAULT)
    assert isinstance(ttl, int)
    if not TTL_MIN <= ttl <= TTL_MAX:
        problem(TTL_INVALID, f"got {ttl}")
    priority: int | None = None
    if rtype in ("MX", "SRV"):
        given = body.priority if _given(body.priority) else None
        priority = given if isinstance(given, int) else (current.priority if current else None)
        priority = PRIORITY_DEFAULT if priority is None else priority
        if not 0 <= priority <= PRIORITY_MAX:
            problem(PRIORITY_INVALID, f"got {priority}")
    if rtype == "SRV":
        record = _srv(zone, body, current, ttl, priority, problem)
        if problems or record is None:
            raise ValidationFailed(problems)
        return record

    name = current.name if current else APEX
    if _given(body.record_name) or current is None:
        try:
            name = owner_name(zone, body.record_name if _given(body.record_name) else None)  # type: ignore[arg-type]
        except Invalid as exc:
            problem(NAME_INVALID, str(exc))
    content = body.content if _given(body.content) else (current.content if current else None)
    shown = rdata = ""
    if not isinstance(content, str) or not content.strip():
        problem(CONTENT_REQUIRED)
    elif not problems or rtype != "MX":
        try:
            shown, rdata = _content(rtype, content, priority)
        except Invalid as exc:
            problem(CONTENT_INVALID, f"{rtype}: {exc}")
    if problems:
        raise ValidationFailed(problems)
    return Record(rtype, name, ttl, shown, rdata, priority=priority)


def _srv(
    zone: str,
    body: DnsRecordInput,
    current: Record | None,
    ttl: int,
    priority: int | None,
    problem: Callable[..., None],
) -> Record | None:
    service = str(body.service).strip().lower() if _given(body.service) else None
    # TCP (the YAML) or _tcp (what the vendor answers): the same protocol.
    protocol = str(body.protocol).strip().lstrip("_").upper() if _given(body.protocol) else None
    if current is not None:
        # Clients send the whole record back: the same service and protocol are not an edit.
        if (service is not None and service.lstrip("_") != (current.service or "").lstrip("_")) or (
            protocol is not None and protocol != current.protocol
        ):
            raise ValidationFailed([FieldProblem(SRV_IMMUTABLE.code, SRV_IMMUTABLE.text)])
        service, protocol = current.service, current.protocol
    match = _SERVICE.match(service or "")
    if match is None:
        problem(SERVICE_INVALID, f"got {service!r}" if service else None)
    protocol = protocol or "TCP"
    if protocol not in PROTOCOLS:
        problem(PROTOCOL_INVALID, f"got {protocol!r}")
    port = body.port if _given(body.port) else (current.port if current else None)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        problem(PORT_INVALID, f"got {port}" if port is not None else None)
    weight = body.weight if _given(body.weight) else (current.weight if current else 0)
    if not isinstance(weight, int) or not 0 <= weight <= 65535:
        problem(WEIGHT_INVALID, f"got {weight}")
    raw_target = body.target if _given(body.target) else (current.target if current else None)
    target = ""
    try:
        target = host_name(raw_target)  # type: ignore[arg-type]
    except Invalid as exc:
        problem(TARGET_INVALID, str(exc))
    if match is None or protocol not in PROTOCOLS or not target or not isinstance(port, int):
        return None
    if not isinstance(weight, int):
        return None
    service = "_" + match.group(1)
    owner = f"{service}._{protocol.lower()}"
    try:
        dns.name.from_text(owner, origin=dns.name.from_text(zone))
        rdata = _rdata("SRV", f"{priority} {weight} {port} {target}.").to_text()
    except (dns.exception.DNSException, Invalid) as exc:
        problem(SERVICE_INVALID, str(exc))
        return None
    shown = f"{weight} {port} {target}"
    return Record("SRV", owner, ttl, shown, rdata, priority, service, protocol, target, port, weight)
