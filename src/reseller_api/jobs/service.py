"""The job table: enqueue (inside the caller's transaction), read, claim, finish, fail.

With ``RESELLER_API_JOB_RUNNER=procrastinate`` a deferrer is registered for the engine:
``enqueue`` then also defers the procrastinate job on the caller's connection, so the job
row and its queue entry commit (or roll back) together.
"""

from __future__ import annotations

import json
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from sqlalchemy import Connection, Engine, bindparam, func, insert, or_, select, update

from reseller_api import clock
from reseller_api.jobs import payloads
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import provisioning_jobs as jobs

ONGOING, FINISHED, FAILED, CANCELLED = "ongoing", "finished", "failed", "cancelled"
LEASE_SECONDS = 120.0

_GET = Query(
    select(jobs.c.status, jobs.c.estimate, jobs.c.resource_links, jobs.c.error).where(
        jobs.c.id == bindparam("job_id"), jobs.c.reseller_id == bindparam("reseller_id")
    )
)


@dataclass(frozen=True, slots=True)
class JobView:
    id: str
    status: str
    estimate: float
    resource_links: list[str]
    error: str = ""  # why a failed job failed


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: str
    reseller_id: int
    kind: str
    payload: str  # the row's JSON, decoded by the runner (jobs/payloads.py)
    attempts: int


def iso(ts: float) -> str:
    """ISO-8601 UTC with a Z, as the API's samples show (``2019-07-01T19:41:18Z``)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# (connection, job id, resource lock, not before) -> None; see jobs/distributed.py.
Deferrer = Callable[[Connection, str, str | None, float], None]
_DEFERRERS: weakref.WeakKeyDictionary[Engine, Deferrer] = weakref.WeakKeyDictionary()
# Payload fields that name the resource a job changes, most specific first: two jobs on
# the same resource take the same procrastinate lock, so they never run at once.
RESOURCE_FIELDS = ("domain_name", "identifier", "hostname", "database_name", "account_id")


# (now, duration) -> (not before, estimate): when a new job is due and what its caller is
# told. The sandbox's job modes (reseller_api/sandbox/jobs.py) set one per engine.
Timing = Callable[[float, float], tuple[float, float]]
_TIMINGS: weakref.WeakKeyDictionary[Engine, Timing] = weakref.WeakKeyDictionary()


def time_with(engine: Engine, timing: Timing | None) -> None:
    """Time new jobs on this engine with ``timing`` (None: after their duration, the default)."""
    if timing is None:
        _TIMINGS.pop(engine, None)
    else:
        _TIMINGS[engine] = timing


def defer_with(engine: Engine, deferrer: Deferrer | None) -> None:
    """Make ``enqueue`` on this engine also defer each job (None: stop doing so)."""
    if deferrer is None:
        _DEFERRERS.pop(engine, None)
    else:
        _DEFERRERS[engine] = deferrer


def resource_lock(kind: str, payload: dict[str, object]) -> str | None:
    for field in RESOURCE_FIELDS:
        value = payload.get(field)
        if value not in (None, ""):
            return f"{field}:{value}"
    return None


def subject_of(payload: dict[str, object]) -> str | None:
    """What a job is about, in the words people use: the account's identifier, the domain,
    the database (or ``user on database``). Kept on the row when the payload is dropped."""
    if payload.get("user") and payload.get("database") and payload["user"] != payload["database"]:
        return f"{payload['user']} on {payload['database']}"[:253]
    for field in ("identifier", "domain_name", "database"):
        value = payload.get(field)
        if isinstance(value, str) and value:
            return value[:253]
    return None


def enqueue(
    conn: Connection, *, reseller_id: int, kind: str, payload: msgspec.Struct, duration: float
) -> str:
    """Insert the job in the caller's transaction: the 202 and the job commit together.

    ``payload`` is the Struct the handler of ``kind`` names (its ``payload_type``).
    """
    stored = payloads.encode(payload)
    now = clock.time()
    job_id = str(uuid.uuid4())
    timing = _TIMINGS.get(conn.engine)
    not_before, estimate = (now + duration, now + duration + 1) if timing is None else timing(now, duration)
    conn.execute(
        insert(jobs).values(
            id=job_id,
            reseller_id=reseller_id,
            kind=kind,
            payload=json.dumps(stored),
            status=ONGOING,
            subject=subject_of(stored),
            created_at=now,
            not_before=not_before,
            estimate=estimate,
            attempts=0,
        )
    )
    deferrer = _DEFERRERS.get(conn.engine)
    if deferrer is not None:
        deferrer(conn, job_id, resource_lock(kind, stored), now + duration)
    return job_id


def get(database: Database, reseller_id: int, job_id: str) -> JobView | None:
    try:
        job_id = str(uuid.UUID(job_id))
    except ValueError:
        return None
    row = database.fetch_one(_GET, job_id=job_id, reseller_id=reseller_id)
    if row is None:
        return None
    status, estimate, links, error = row
    return JobView(job_id, status, float(estimate), json.loads(links) if links else [], error or "")


def release_all_leases(database: Database) -> None:
    """The embedded runner is the only runner: jobs leased by a crashed process resume now."""
    with database.transaction() as conn:
        conn.execute(update(jobs).where(jobs.c.status == ONGOING).values(lease_until=None))


def due(database: Database, now: float, limit: int = 20) -> list[str]:
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(jobs.c.id)
            .where(
                jobs.c.status == ONGOING,
                jobs.c.not_before <= now,
                or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now),
            )
            .order_by(jobs.c.not_before)
            .limit(limit)
        )
        return [r[0] for r in rows]


_NEXT_DUE = Query(
    select(jobs.c.not_before).where(jobs.c.status == ONGOING).order_by(jobs.c.not_before).limit(1)
)


def next_due(database: Database) -> float | None:
    """When the earliest ongoing job is due (a point read on the status index), None when none is."""
    row = database.fetch_one(_NEXT_DUE)
    return None if row is None else float(row[0])


def claim(database: Database, job_id: str, now: float, *, exclusive: bool = False) -> ClaimedJob | None:
    """Take a lease on the job; None when another runner has it or it already ended.

    ``exclusive``: the caller already holds the job alone (procrastinate hands a job to one
    worker at a time), so a lease left by a worker that died is no reason to wait.
    """
    conditions = [jobs.c.id == job_id, jobs.c.status == ONGOING]
    if not exclusive:
        conditions.append(or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now))
    with database.autocommit() as conn:  # one statement: no BEGIN/COMMIT round trips
        claimed = conn.execute(
            update(jobs)
            .where(*conditions)
            .values(lease_until=now + LEASE_SECONDS, attempts=jobs.c.attempts + 1)
            .returning(jobs.c.reseller_id, jobs.c.kind, jobs.c.payload, jobs.c.attempts)
        ).first()
    if claimed is None:
        return None
    return ClaimedJob(job_id, int(claimed[0]), claimed[1], str(claimed[2]), int(claimed[3]))


def lock_ongoing(conn: Connection, job_id: str) -> bool:
    """Lock the job row for this transaction; False when it already ended (a duplicate run)."""
    status = conn.execute(select(jobs.c.status).where(jobs.c.id == job_id).with_for_update()).scalar()
    return status == ONGOING


def counts_by_status(database: Database) -> dict[str, int]:
    """For /metrics: how many jobs are in each status."""
    with database.engine.connect() as conn:
        rows = conn.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status))
        return {status: int(n) for status, n in rows}


@dataclass(frozen=True, slots=True)
class Waiting:
    """Jobs that are due and that no runner holds: the queue a missing worker lets grow."""

    count: int
    oldest_seconds: float  # how long the longest-waiting one has been due; 0 when none


def waiting(database: Database, now: float) -> Waiting:
    """For /metrics and ``reseller-api status``, whatever the runner: read from our job rows."""
    with database.engine.connect() as conn:
        count, oldest = conn.execute(
            select(func.count(), func.min(jobs.c.not_before)).where(
                jobs.c.status == ONGOING,
                jobs.c.not_before <= now,
                or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now),
            )
        ).one()
    return Waiting(int(count), 0.0 if oldest is None else max(0.0, now - float(oldest)))


def finish(conn: Connection, job_id: str, links: list[str]) -> None:
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id)
        .values(
            status=FINISHED,
            resource_links=json.dumps(links),
            finished_at=clock.time(),
            lease_until=None,
            payload="{}",  # whatever the job carried (password hashes included) is dropped
        )
    )


def fail(conn: Connection, job_id: str, reason: str) -> None:
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id)
        .values(
            status=FAILED,
            error=reason[:2000],
            finished_at=clock.time(),
            lease_until=None,
            payload="{}",
        )
    )


def retry_later(database: Database, job_id: str, delay: float) -> None:
    with database.transaction() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(lease_until=None, not_before=clock.time() + delay, estimate=clock.time() + delay + 1)
        )
