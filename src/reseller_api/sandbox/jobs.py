"""Job modes: how the sandbox times new jobs, and releasing the held ones.

- ``estimate`` (the default): a job runs after its estimate, as on a real installation;
  with a frozen clock it waits until the clock is advanced past it.
- ``instant``: due at once; the 202's ``Retry-After`` is 0.
- ``manual``: held ``ongoing`` until ``sandbox jobs release`` (or ``POST
  /sandbox/jobs/release``); its caller is still told the usual estimate.

A held job is due at ``HELD``, a date no clock reaches, so every runner simply never finds
it due: nothing sleeps or polls on its behalf, and a release is one ``UPDATE`` that makes
it due now (the runner finds it at its next look).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import update

from reseller_api import clock
from reseller_api.jobs.service import ONGOING
from reseller_api.sandbox import SandboxError
from reseller_api.sandbox.state import INSTANT, JOB_MODES, MANUAL, StateCache, change
from reseller_api.store.database import Database
from reseller_api.store.tables import provisioning_jobs as jobs

HELD = 253402300799.0  # 9999-12-31T23:59:59Z


def timing(cache: StateCache) -> Callable[[float, float], tuple[float, float]]:
    """For ``jobs.service.time_with``: (now, duration) -> (not before, estimate)."""

    def time_job(now: float, duration: float) -> tuple[float, float]:
        mode = cache.get().job_mode
        if mode == INSTANT:
            return now, now
        if mode == MANUAL:
            return HELD, now + duration + 1
        return now + duration, now + duration + 1

    return time_job


def set_mode(database: Database, mode: str) -> None:
    if mode not in JOB_MODES:
        raise SandboxError(f"job mode: one of {', '.join(JOB_MODES)}")
    change(database, job_mode=mode)


def release(database: Database, job_id: str | None = None) -> int:
    """Make held jobs due now (one, or all with None); how many were released."""
    conditions = [jobs.c.status == ONGOING, jobs.c.not_before >= HELD]
    if job_id is not None:
        try:
            conditions.append(jobs.c.id == str(uuid.UUID(job_id)))
        except ValueError:
            raise SandboxError(f"not a job id: {job_id!r}") from None
    with database.transaction() as conn:
        return int(conn.execute(update(jobs).where(*conditions).values(not_before=clock.time())).rowcount)
