"""Fault rules: make matching requests fail or slow down, make the next job of a kind fail.

A rule applies once, N times, or every time (``remaining`` NULL), each match with a
probability. A use is counted by a conditional ``UPDATE ... WHERE remaining > 0``: two
processes (or two threads) matching the last use of a rule at once cannot both take it,
because only one of their updates finds the row still positive.
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update

from reseller_api import clock
from reseller_api.sandbox import SandboxError
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import sandbox_faults as table

REQUEST, JOB = "request", "job"
# What an injected error answers: the API's own error bodies (reseller_api.errors).
STATUSES = (429, 500, 503)
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
MAX_LATENCY = 60.0
_random = random.SystemRandom()


@dataclass(frozen=True, slots=True)
class Fault:
    id: int
    target: str
    method: str | None
    path: str | None
    api_key: str | None
    status: int | None
    retry_after: int | None
    latency: float
    job_kind: str | None
    reason: str | None
    remaining: int | None
    probability: float
    hits: int

    def matches(self, method: str, path: str, api_key: str | None) -> bool:
        # Imported here: `reseller-api sandbox` builds its command line from this module, and
        # the command line loads no Litestar (`reseller-api worker` never does); requests do.
        from litestar.utils import normalize_path

        return (
            (self.method is None or self.method == method)
            and (self.api_key is None or self.api_key == api_key)
            and (self.path is None or fnmatch.fnmatchcase(normalize_path(path), self.path))
        )

    def as_json(self) -> dict[str, Any]:
        """As ``/sandbox/faults`` and ``sandbox faults list --json`` show it (the API key's
        id is not a secret: it is sent in clear in every Authorization header)."""
        common = {"id": self.id, "target": self.target, "remaining": self.remaining}
        common.update(probability=self.probability, hits=self.hits)
        if self.target == JOB:
            return {**common, "job_kind": self.job_kind, "reason": self.reason}
        return {
            **common,
            "method": self.method,
            "path": self.path,
            "api_key": self.api_key,
            "status": self.status,
            "retry_after": self.retry_after,
            "latency": self.latency,
        }


_COLUMNS = (
    table.c.id,
    table.c.target,
    table.c.method,
    table.c.path,
    table.c.api_key,
    table.c.status,
    table.c.retry_after,
    table.c.latency,
    table.c.job_kind,
    table.c.reason,
    table.c.remaining,
    table.c.probability,
    table.c.hits,
)
_LIVE = or_(table.c.remaining.is_(None), table.c.remaining > 0)


def _fault(row: Any) -> Fault:
    return Fault(*row)


def listing(database: Database) -> list[Fault]:
    """Every rule, spent ones included (their hits say what happened)."""
    with database.engine.connect() as conn:
        return [_fault(r) for r in conn.execute(select(*_COLUMNS).order_by(table.c.id))]


_ACTIVE_REQUEST_FAULTS = Query(select(*_COLUMNS).where(table.c.target == REQUEST, _LIVE).order_by(table.c.id))
_JOB_FAULTS = Query(
    select(*_COLUMNS)
    .where(
        table.c.target == JOB, _LIVE, or_(table.c.job_kind.is_(None), table.c.job_kind == bindparam("kind"))
    )
    .order_by(table.c.id)
)


def active_request_faults(database: Database) -> tuple[Fault, ...]:
    return tuple(_fault(r) for r in database.fetch_all(_ACTIVE_REQUEST_FAULTS))


def _times(times: int | None) -> int | None:
    if times is not None and not 1 <= times <= 1_000_000:
        raise SandboxError("times: a whole number from 1 to 1000000 (leave it out for every time)")
    return times


def _probability(probability: float) -> float:
    if not 0.0 < probability <= 1.0:
        raise SandboxError("probability: more than 0 and at most 1")
    return probability


def add_request_fault(
    database: Database,
    *,
    method: str | None = None,
    path: str | None = None,
    api_key: str | None = None,
    status: int | None = None,
    retry_after: int | None = None,
    latency: float = 0.0,
    times: int | None = 1,
    probability: float = 1.0,
) -> int:
    """Make matching /v2 requests answer ``status`` (with the API's error body) and/or wait ``latency``."""
    method = method.upper() if method else None
    if method is not None and method not in METHODS:
        raise SandboxError(f"method: one of {', '.join(METHODS)}")
    if path is not None and (not path.startswith("/") or len(path) > 500):
        raise SandboxError("path: a glob on the request's path, starting with / (such as /v2/accounts*)")
    if api_key is not None and not 1 <= len(api_key) <= 128:
        raise SandboxError("api_key: the key's id, as in the Authorization header")
    if status is not None and status not in STATUSES:
        raise SandboxError(f"status: one of {', '.join(map(str, STATUSES))}")
    if not 0.0 <= latency <= MAX_LATENCY:
        raise SandboxError(f"latency: from 0 to {MAX_LATENCY:.0f} seconds")
    if status is None and latency == 0.0:
        raise SandboxError("a request fault needs a status, a latency, or both")
    if retry_after is not None and (status not in (429, 503) or not 0 <= retry_after <= 86400):
        raise SandboxError("retry_after: 0 to 86400 seconds, with status 429 or 503")
    if status in (429, 503) and retry_after is None:
        retry_after = 1 if status == 429 else 5
    return _insert(
        database,
        target=REQUEST,
        method=method,
        path=path,
        api_key=api_key,
        status=status,
        retry_after=retry_after,
        latency=latency,
        remaining=_times(times),
        probability=_probability(probability),
    )


def add_job_fault(
    database: Database,
    *,
    job_kind: str | None,
    reason: str,
    times: int | None = 1,
    probability: float = 1.0,
) -> int:
    """Make the next job(s) of ``job_kind`` (None: any kind) fail with ``reason``."""
    kinds = job_kinds()
    if job_kind is not None and job_kind not in kinds:
        raise SandboxError(f"job_kind: one of {', '.join(kinds)}")
    if not reason.strip() or len(reason) > 2000:
        raise SandboxError("reason: 1 to 2000 characters (the failed job's reason)")
    return _insert(
        database,
        target=JOB,
        job_kind=job_kind,
        reason=reason,
        latency=0.0,
        remaining=_times(times),
        probability=_probability(probability),
    )


def job_kinds() -> list[str]:
    """Every kind of job, as the resources' manifests declare them."""
    from reseller_api.resources import registry

    return sorted(registry.job_handlers())


def _insert(database: Database, **values: Any) -> int:
    with database.transaction() as conn:
        row = conn.execute(
            insert(table).values(hits=0, created_at=clock.time(), **values).returning(table.c.id)
        ).first()
    assert row is not None
    return int(row[0])


def clear(database: Database, fault_id: int | None = None) -> int:
    """Remove one rule, or all; how many were removed."""
    with database.transaction() as conn:
        statement = delete(table) if fault_id is None else delete(table).where(table.c.id == fault_id)
        return int(conn.execute(statement).rowcount)


def take(database: Database, fault: Fault) -> bool:
    """Roll the rule's probability, then count one use if one is left; whether it applies now."""
    if fault.probability < 1.0 and _random.random() >= fault.probability:
        return False
    with database.autocommit() as conn:  # one statement: the condition is the whole guarantee
        taken = conn.execute(
            update(table)
            .where(table.c.id == fault.id, _LIVE)
            .values(
                hits=table.c.hits + 1,
                remaining=(table.c.remaining - 1) if fault.remaining is not None else None,
            )
        ).rowcount
    return bool(taken)


def job_failure(database: Database, kind: str) -> str | None:
    """For the runner: why a job of ``kind`` about to run must fail instead, or None.

    Read from the table each time (jobs are few; a rule added a moment ago must catch the
    next job, whatever the cache's age).
    """
    for row in database.fetch_all(_JOB_FAULTS, kind=kind):
        fault = _fault(row)
        if take(database, fault):
            return fault.reason
    return None
