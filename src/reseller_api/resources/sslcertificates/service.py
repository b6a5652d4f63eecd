"""The rules of SSL certificate requests: the CSR, the type and level, validations, issuing.

A request is ``pending`` until each of its names is validated (and, for organisation or
extended validation, an operator approved it: ``reseller-api admin certificates approve``);
then an ``ssl.issue`` job signs it (``issuing``) and it is ``issued``: its detail and a PUT
answer 303 to the certificate. A request that waited longer than
``RESELLER_API_CERTIFICATE_REQUEST_DAYS`` or that an operator rejected answers 410.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass

from msgspec import UNSET
from sqlalchemy import Connection, bindparam, func, insert, select, update

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.conventions.locations import location
from reseller_api.conventions.paging import Page
from reseller_api.errors import NOT_FOUND, ApiProblem, FieldProblem, ValidationFailed, define
from reseller_api.jobs import service as jobs
from reseller_api.resources.dns import service as dns
from reseller_api.resources.sslcertificates import validations
from reseller_api.resources.sslcertificates.csr import CsrProblem, check_type, parse
from reseller_api.resources.sslcertificates.jobs import (
    FAILED,
    ISSUED,
    ISSUING,
    PENDING,
    REJECTED,
    IssueCertificateJob,
)
from reseller_api.resources.sslcertificates.tables import ssl_certificate_validations, ssl_certificates
from reseller_api.settings import Settings
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import ssl_certificate_requests
from reseller_api.wire.dns import DnsRecordInput
from reseller_api.wire.sslcertificates import (
    CreateSslCertificateRequest,
    SslCertificateRequest,
    SslCertificateRequestDetail,
    SslCertificateRequestValidation,
    SslSubjectAltName,
)

log = logging.getLogger("reseller_api.sslcertificates")
CERTIFICATE_TYPES = ("standard", "multi_domain", "wildcard")
VALIDATION_LEVELS = ("domain_validated", "organization_validated", "extended_validated")
DOMAIN_VALIDATED = "domain_validated"
DAY = 86400.0
# The YAML's table of attributes an organisation or extended validation needs.
REQUIRED_ATTRIBUTES = (
    "Firstname",
    "Lastname",
    "Phone",
    "EmailAddress",
    "Street",
    "Number",
    "PostalCode",
    "VatCountryCode",
)
OPTIONAL_ATTRIBUTES = ("OrganizationNumber",)

CSR_REQUIRED = define("ssl_csr_required", 400, "csr is required: a PEM certificate signing request.")
CSR_INVALID = define("ssl_csr_invalid", 400, "The CSR cannot be ordered.")
TYPE_INVALID = define(
    "ssl_certificate_type_invalid", 400, "certificate_type is one of standard, multi_domain, wildcard."
)
LEVEL_INVALID = define(
    "ssl_validation_level_invalid",
    400,
    "validation_level is one of domain_validated, organization_validated, extended_validated.",
)
ATTRIBUTE_REQUIRED = define(
    "ssl_validation_attribute_required",
    400,
    "Organization and extended validation need the attributes "
    + ", ".join(REQUIRED_ATTRIBUTES)
    + " in additional_validation_attributes.",
)
ATTRIBUTE_INVALID = define(
    "ssl_validation_attribute_invalid", 400, "An additional validation attribute is unknown or empty."
)
REQUEST_EXPIRED = define(
    "ssl_certificate_request_expired", 410, "The certificate request expired before its names were validated."
)
REQUEST_REJECTED = define("ssl_certificate_request_rejected", 410, "The certificate request was rejected.")
REQUEST_NOT_PENDING = define(
    "ssl_certificate_request_not_pending",
    400,
    "Only a pending certificate request can be approved or rejected.",
)


@dataclass(frozen=True, slots=True)
class Redirect:
    """The request was issued: it lives on as this certificate (303)."""

    location: str


@dataclass(frozen=True, slots=True)
class Checked:
    """A PUT's outcome while the request is not issued: the issuing job, when one runs."""

    job_id: str | None


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    reseller_id: int
    order_code: str
    common_name: str
    certificate_type: str
    validation_level: str
    csr_pem: str
    status: str
    job_id: str | None
    rejection_reason: str | None
    approved_at: float | None
    certificate_fingerprint: str | None
    expires_at: float


_COLUMNS = (
    ssl_certificate_requests.c.id,
    ssl_certificate_requests.c.reseller_id,
    ssl_certificate_requests.c.order_code,
    ssl_certificate_requests.c.common_name,
    ssl_certificate_requests.c.certificate_type,
    ssl_certificate_requests.c.validation_level,
    ssl_certificate_requests.c.csr_pem,
    ssl_certificate_requests.c.status,
    ssl_certificate_requests.c.job_id,
    ssl_certificate_requests.c.rejection_reason,
    ssl_certificate_requests.c.approved_at,
    ssl_certificate_requests.c.certificate_id,
    ssl_certificate_requests.c.expires_at,
)
_LIST = Query(
    select(*_COLUMNS[:6])
    .where(ssl_certificate_requests.c.reseller_id == bindparam("reseller_id"))
    .order_by(ssl_certificate_requests.c.id)
    .limit(bindparam("take"))
    .offset(bindparam("skip"))
)
_COUNT = Query(
    select(func.count())
    .select_from(ssl_certificate_requests)
    .where(ssl_certificate_requests.c.reseller_id == bindparam("reseller_id"))
)
_VALIDATIONS_OF = (
    select(
        ssl_certificate_validations.c.dns_name,
        ssl_certificate_validations.c.auto_validated,
        ssl_certificate_validations.c.validated_by,
    )
    .where(ssl_certificate_validations.c.request_id == bindparam("request_id"))
    .order_by(ssl_certificate_validations.c.position)
)
_VALIDATIONS = Query(_VALIDATIONS_OF)


def _summary(row: tuple[object, ...]) -> SslCertificateRequest:
    return SslCertificateRequest(
        id=int(row[0]),  # type: ignore[call-overload]
        common_name=str(row[3]),
        certificate_type=row[4],  # type: ignore[arg-type]
        validation_level=row[5],  # type: ignore[arg-type]
        vendor=None,
        order_code=str(row[2]),
    )


def list_requests(
    database: Database, reseller_id: int, page: Page
) -> tuple[list[SslCertificateRequest], int]:
    rows = database.fetch_all(_LIST, reseller_id=reseller_id, take=page.take, skip=page.skip)
    total = database.fetch_one(_COUNT, reseller_id=reseller_id)
    return [_summary(r) for r in rows], int(total[0]) if total else 0


def _row(conn: Connection, request_id: int, reseller_id: int | None, *, lock: bool = False) -> Row | None:
    query = (
        select(*_COLUMNS[:11], ssl_certificates.c.sha1_fingerprint, _COLUMNS[12])
        .select_from(
            ssl_certificate_requests.outerjoin(
                ssl_certificates, ssl_certificates.c.id == ssl_certificate_requests.c.certificate_id
            )
        )
        .where(ssl_certificate_requests.c.id == request_id)
    )
    if reseller_id is not None:
        query = query.where(ssl_certificate_requests.c.reseller_id == reseller_id)
    if lock:
        query = query.with_for_update(of=ssl_certificate_requests)
    found = conn.execute(query).first()
    return None if found is None else Row(*found)  # type: ignore[call-arg]


def _found(conn: Connection, request_id: int, reseller_id: int, *, lock: bool = False) -> Row:
    row = _row(conn, request_id, reseller_id, lock=lock)
    if row is None:
        raise ApiProblem(NOT_FOUND, f"Certificate request {request_id} does not exist.")
    return row


def _gone_or_moved(row: Row) -> Redirect | None:
    """303 once issued; 410 when rejected, or expired before it was issued."""
    if row.status == ISSUED and row.certificate_fingerprint:
        return Redirect(location("sslcertificates", row.certificate_fingerprint))
    if row.status == REJECTED:
        reason = f" {row.rejection_reason}" if row.rejection_reason else ""
        raise ApiProblem(REQUEST_REJECTED, f"Certificate request {row.id} was rejected.{reason}")
    if row.status in (PENDING, FAILED) and clock.time() >= row.expires_at:
        raise ApiProblem(
            REQUEST_EXPIRED, f"Certificate request {row.id} expired before its names were validated."
        )
    return None


def get_request(
    database: Database, reseller_id: int, request_id: int
) -> SslCertificateRequestDetail | Redirect:
    with database.engine.connect() as conn:
        row = _found(conn, request_id, reseller_id)
    moved = _gone_or_moved(row)
    if moved is not None:
        return moved
    return _detail(database, row)


def _detail(database: Database, row: Row) -> SslCertificateRequestDetail:
    csr = parse(row.csr_pem)
    shown = []
    for dns_name, auto, validated_by in database.fetch_all(_VALIDATIONS, request_id=row.id):
        want = validations.expected(csr.der, row.order_code, str(dns_name))
        wildcard = str(dns_name).startswith("*.")
        shown.append(
            SslCertificateRequestValidation(
                dns_name=str(dns_name),
                type=validated_by or "dns",
                auto_validated=bool(auto),
                cname_validation_name=want.cname_name,
                cname_validation_content=want.cname_content,
                file_validation_url_http=None if wildcard else f"http://{dns_name}{want.file_path}",
                file_validation_url_https=None if wildcard else f"https://{dns_name}{want.file_path}",
                file_validation_content=[] if wildcard else list(want.file_content),
                email_addresses=list(want.email_addresses),
            )
        )
    return SslCertificateRequestDetail(
        id=row.id,
        common_name=row.common_name,
        certificate_type=row.certificate_type,  # type: ignore[arg-type]
        validation_level=row.validation_level,  # type: ignore[arg-type]
        vendor=None,
        order_code=row.order_code,
        subject_alt_names=[SslSubjectAltName(type="dns", value=n) for n in csr.names],
        validations=shown,
    )


# -- create ---------------------------------------------------------------------------------


def _attributes(
    order: CreateSslCertificateRequest, level: str, problems: list[FieldProblem]
) -> dict[str, str]:
    given: dict[str, str] = {}
    for attribute in order.additional_validation_attributes or []:
        name = "" if attribute.name is UNSET else attribute.name.strip()
        value = "" if attribute.value is UNSET else attribute.value.strip()
        known = next(
            (k for k in REQUIRED_ATTRIBUTES + OPTIONAL_ATTRIBUTES if k.lower() == name.lower()), None
        )
        if known is None or not value:
            problems.append(
                FieldProblem(
                    ATTRIBUTE_INVALID.code,
                    f"additional_validation_attributes: {name or '(no name)'!r} is not a known attribute "
                    f"with a value (known: {', '.join(REQUIRED_ATTRIBUTES + OPTIONAL_ATTRIBUTES)}).",
                )
            )
            continue
        given[known] = value
    if level != DOMAIN_VALIDATED and level in VALIDATION_LEVELS:
        missing = [name for name in REQUIRED_ATTRIBUTES if name not in given]
        if missing:
            problems.append(
                FieldProblem(
                    ATTRIBUTE_REQUIRED.code,
                    f"{level} needs additional_validation_attributes {', '.join(missing)}.",
                )
            )
    return given


def create_request(context: AppContext, reseller_id: int, order: CreateSslCertificateRequest) -> int:
    """Validate, record the request and its validations; for names in a zone we host, add their
    CNAME and check them at once (issued now when all pass, domain validated). Returns the id."""
    database, settings = context.database, context.settings
    problems: list[FieldProblem] = []
    certificate_type = "" if order.certificate_type is UNSET else order.certificate_type
    if certificate_type not in CERTIFICATE_TYPES:
        problems.append(FieldProblem(TYPE_INVALID.code, TYPE_INVALID.text))
    level = "" if order.validation_level is UNSET else order.validation_level
    if level not in VALIDATION_LEVELS:
        problems.append(FieldProblem(LEVEL_INVALID.code, LEVEL_INVALID.text))
    attributes = _attributes(order, level, problems)
    csr_pem = "" if order.csr is UNSET else order.csr.strip()
    parsed = None
    if not csr_pem:
        problems.append(FieldProblem(CSR_REQUIRED.code, CSR_REQUIRED.text))
    else:
        try:
            parsed = parse(csr_pem)
            if certificate_type in CERTIFICATE_TYPES:
                check_type(parsed, certificate_type)
        except CsrProblem as exc:
            problems.append(FieldProblem(CSR_INVALID.code, str(exc)))
    if problems or parsed is None:
        raise ValidationFailed(problems)
    now = clock.time()
    with database.transaction() as conn:
        auto = {name: validations.zone_of(conn, reseller_id, name) is not None for name in parsed.names}
        request_id = int(
            conn.execute(
                insert(ssl_certificate_requests)
                .values(
                    reseller_id=reseller_id,
                    order_code=f"SSL-{secrets.token_hex(5).upper()}",
                    common_name=parsed.common_name,
                    certificate_type=certificate_type,
                    validation_level=level,
                    csr_pem=csr_pem + "\n",
                    status=PENDING,
                    validation_attributes=json.dumps(attributes) if attributes else None,
                    created_at=now,
                    expires_at=now + settings.certificate_request_days * DAY,
                )
                .returning(ssl_certificate_requests.c.id)
            ).scalar_one()
        )
        conn.execute(
            insert(ssl_certificate_validations),
            [
                {
                    "request_id": request_id,
                    "position": position,
                    "dns_name": name,
                    "auto_validated": auto[name],
                    "validated_by": None,
                    "checked_at": None,
                }
                for position, name in enumerate(parsed.names)
            ],
        )
        order_code = str(
            conn.execute(
                select(ssl_certificate_requests.c.order_code).where(
                    ssl_certificate_requests.c.id == request_id
                )
            ).scalar_one()
        )
    if any(auto.values()):
        for name in parsed.names:
            if auto[name]:
                _add_cname(context, reseller_id, validations.expected(parsed.der, order_code, name))
        verify(context, reseller_id, request_id)
    return request_id


def _add_cname(context: AppContext, reseller_id: int, want: validations.Expected) -> None:
    """The validation record, added to the reseller's zone as any record is (the DNS server
    gets it); already there (a wildcard and its base name share one) is fine."""
    with context.database.engine.connect() as conn:
        found = validations.zone_of(conn, reseller_id, want.cname_name)
    if found is None:
        return
    _zone_id, zone = found
    body = DnsRecordInput(
        type="CNAME", record_name=want.cname_name[: -len(zone) - 1], content=want.cname_content, ttl=3600
    )
    try:
        dns.create_record(context, reseller_id, zone, body)
    except (ApiProblem, ValidationFailed) as exc:
        # A duplicate, or a zone rule: the check that follows says whether the name validates.
        log.info("validation record %s not added: %s", want.cname_name, exc)


def _issue(
    conn: Connection, duration: float, settings: Settings, reseller_id: int, request_id: int, names: list[str]
) -> str:
    job_id = jobs.enqueue(
        conn,
        reseller_id=reseller_id,
        kind="ssl.issue",
        # domain_name: what the job is about, in the panel and the job's row.
        payload=IssueCertificateJob(
            request_id=request_id, domain_name=names[0], names=names, days=settings.certificate_days
        ),
        duration=duration,
    )
    conn.execute(
        update(ssl_certificate_requests)
        .where(ssl_certificate_requests.c.id == request_id)
        .values(status=ISSUING, job_id=job_id)
    )
    return job_id


# -- verify (PUT) ---------------------------------------------------------------------------


def verify(context: AppContext, reseller_id: int, request_id: int) -> Checked | Redirect:
    """Check every name not validated yet, now; issue when all are (and an OV/EV is approved)."""
    database, backends, settings = context.database, context.backends, context.settings
    with database.engine.connect() as conn:
        row = _found(conn, request_id, reseller_id)
        names = conn.execute(_VALIDATIONS_OF, {"request_id": request_id}).all()
    moved = _gone_or_moved(row)
    if moved is not None:
        return moved
    if row.status == ISSUING:
        return Checked(row.job_id)
    csr = parse(row.csr_pem)
    outcome: dict[str, str | None] = {}
    # The checks ask servers (DNS, web): outside any transaction of ours.
    for dns_name, _auto, validated_by in names:
        name = str(dns_name)
        if validated_by:
            outcome[name] = str(validated_by)
            continue
        want = validations.expected(csr.der, row.order_code, name)
        if validations.dns_validated(database, backends, reseller_id, want):
            outcome[name] = "dns"
        elif validations.file_validated(
            backends, validations.hosting_serving(database, reseller_id, name), name, want
        ):
            outcome[name] = "file"
        else:
            outcome[name] = None
    now = clock.time()
    with database.transaction() as conn:
        row = _found(conn, request_id, reseller_id, lock=True)
        if row.status not in (PENDING, FAILED):  # a concurrent PUT issued it meanwhile
            return Checked(row.job_id)
        for name, method in outcome.items():
            conn.execute(
                update(ssl_certificate_validations)
                .where(
                    ssl_certificate_validations.c.request_id == request_id,
                    ssl_certificate_validations.c.dns_name == name,
                )
                .values(validated_by=method, checked_at=now)
            )
        ready = all(outcome.values()) and (
            row.validation_level == DOMAIN_VALIDATED or row.approved_at is not None
        )
        if ready:
            return Checked(
                _issue(conn, backends.step_duration, settings, reseller_id, request_id, list(outcome))
            )
    return Checked(None)


# -- operators ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    request_id: int
    reseller_id: int
    status: str
    job_id: str | None


def _pending_for_operator(conn: Connection, request_id: int) -> Row:
    row = _row(conn, request_id, None, lock=True)
    if row is None:
        raise ApiProblem(NOT_FOUND, f"Certificate request {request_id} does not exist.")
    if row.status not in (PENDING, FAILED) or clock.time() >= row.expires_at:
        raise ApiProblem(
            REQUEST_NOT_PENDING,
            f"Certificate request {request_id} is {row.status}; only a pending one can be decided.",
        )
    return row


def approve(database: Database, settings: Settings, request_id: int) -> Decision:
    """The operator checked the organisation: issue as soon as the names are validated."""
    with database.transaction() as conn:
        found = _row(conn, request_id, None, lock=True)
        if found is not None and found.approved_at is not None and found.status in (ISSUING, ISSUED):
            return Decision(request_id, found.reseller_id, found.status, found.job_id)  # approved before
        row = _pending_for_operator(conn, request_id)
        conn.execute(
            update(ssl_certificate_requests)
            .where(ssl_certificate_requests.c.id == request_id)
            .values(approved_at=row.approved_at or clock.time())
        )
        names = conn.execute(
            select(ssl_certificate_validations.c.dns_name, ssl_certificate_validations.c.validated_by)
            .where(ssl_certificate_validations.c.request_id == request_id)
            .order_by(ssl_certificate_validations.c.position)
        ).all()
        if all(validated_by for _, validated_by in names):
            job_id = _issue(conn, 0.0, settings, row.reseller_id, request_id, [str(n) for n, _ in names])
            return Decision(request_id, row.reseller_id, ISSUING, job_id)
    return Decision(request_id, row.reseller_id, PENDING, None)


def reject(database: Database, request_id: int, reason: str) -> Decision:
    with database.transaction() as conn:
        row = _pending_for_operator(conn, request_id)
        conn.execute(
            update(ssl_certificate_requests)
            .where(ssl_certificate_requests.c.id == request_id)
            .values(status=REJECTED, rejection_reason=reason.strip() or None)
        )
    return Decision(request_id, row.reseller_id, REJECTED, None)


def pending_for_operators(database: Database) -> list[tuple[int, str, str, str]]:
    """(id, common name, validation level, attributes as JSON) of requests waiting for a decision."""
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(
                ssl_certificate_requests.c.id,
                ssl_certificate_requests.c.common_name,
                ssl_certificate_requests.c.validation_level,
                ssl_certificate_requests.c.validation_attributes,
            )
            .where(
                ssl_certificate_requests.c.status.in_((PENDING, FAILED)),
                ssl_certificate_requests.c.validation_level != DOMAIN_VALIDATED,
                ssl_certificate_requests.c.approved_at.is_(None),
                ssl_certificate_requests.c.expires_at > clock.time(),
            )
            .order_by(ssl_certificate_requests.c.id)
        ).all()
    return [(int(r[0]), str(r[1]), str(r[2]), str(r[3] or "{}")) for r in rows]
