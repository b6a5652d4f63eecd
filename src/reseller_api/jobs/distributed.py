"""The procrastinate runner (``RESELLER_API_JOB_RUNNER=procrastinate``, PostgreSQL only).

- API processes defer a procrastinate job on the very connection whose transaction
  inserts the job row (``service.defer_with``): both commit or neither does.
- ``reseller-api worker`` processes run them. Each carries the lock of the resource it
  changes, so two jobs on one resource never run at once, on any machine.
- A :class:`~reseller_api.backends.base.TransientError` is retried with our back-off
  (``runner.retry_delay``) through procrastinate's retry decision.
- A worker that dies (``kill -9``) stops sending heartbeats; any live worker finds its
  jobs stalled and hands them out again. The job's steps are idempotent and its commit
  checks the row is still ongoing, so a resumed job finishes exactly once.

The job rows stay the source of truth for the API; procrastinate only carries them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import procrastinate
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from procrastinate.schema import SchemaManager
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from reseller_api.backends import Backends
from reseller_api.jobs import service
from reseller_api.jobs.runner import RetryLater, Runner
from reseller_api.settings import Settings
from reseller_api.store.database import Database

log = logging.getLogger("reseller_api.jobs")
TASK = "reseller_api.run_job"
QUEUE = "provisioning"
# Heartbeats every HEARTBEAT s; a worker silent for STALLED s is presumed dead and its jobs
# are handed out again (checked every RECOVERY_INTERVAL s by every live worker).
HEARTBEAT = 2.0
STALLED = 10.0
RECOVERY_INTERVAL = 3.0
# NOTIFY wakes workers for jobs due now; jobs scheduled ahead (a simulated step's duration,
# a retry's back-off) are found by polling, so keep the poll short (one indexed query).
POLL = 0.5


def conninfo(database_url: str) -> str:
    """libpq form of our SQLAlchemy URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return "postgresql://" + database_url.split("://", 1)[1]


def build_app(settings: Settings, *, pool_size: int | None = None) -> procrastinate.App:
    size = pool_size or max(2, settings.worker_concurrency + 2)
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(settings.database_url), min_size=1, max_size=size
    )
    return procrastinate.App(connector=connector)


def ensure_schema(settings: Settings) -> bool:
    """Apply procrastinate's schema when absent (``reseller-api migrate``); True when applied.

    Upgrading procrastinate itself may need its own migrations: see docs/deployment.md.
    """
    import psycopg

    with psycopg.connect(conninfo(settings.database_url), autocommit=True) as conn:
        present = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
        if present and present[0]:
            return False
        # One process applies it; others started at the same moment wait, then find it.
        conn.execute("SELECT pg_advisory_lock(74207301)")
        try:
            present = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
            if present and present[0]:
                return False
            conn.execute(SchemaManager.get_schema())
            return True
        finally:
            conn.execute("SELECT pg_advisory_unlock(74207301)")


def live_workers(database: Database) -> int:
    """procrastinate workers that have beaten within their stalled timeout (0 if unknown)."""
    try:
        with database.engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM procrastinate_workers "
                        "WHERE last_heartbeat > now() - make_interval(secs => :stalled)"
                    ),
                    {"stalled": STALLED},
                ).scalar_one()
            )
    except DBAPIError:
        return 0


def deferrer(settings: Settings) -> service.Deferrer:
    """What ``service.enqueue`` calls, inside the caller's transaction.

    A synchronous connector that is never opened: it only ever runs on the connection it
    is handed, so deferring costs no connection of its own.
    """
    app = procrastinate.App(
        connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(settings.database_url))
    )

    def defer(conn: Connection, job_id: str, lock: str | None, not_before: float) -> None:
        # The psycopg connection under SQLAlchemy's: same transaction as the job row.
        driver = conn.connection.driver_connection
        app.configure_task(
            TASK,
            queue=QUEUE,
            lock=lock,
            schedule_at=datetime.fromtimestamp(not_before, UTC),
            connection=driver,
        ).defer(job_id=job_id)

    return defer


class _Backoff(BaseRetryStrategy):
    """Retry exactly when the job asked (our back-off); every other failure is final."""

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        if isinstance(exception, RetryLater):
            return RetryDecision(retry_in={"seconds": max(0, round(exception.delay))})
        return None


class DistributedRunner(Runner):
    """Runs procrastinate jobs in this process: the worker, or an API process in tests."""

    def __init__(self, database: Database, backends: Backends, settings: Settings) -> None:
        super().__init__(database, backends)
        self.settings = settings
        self.app = build_app(settings)
        self.app.task(name=TASK, queue=QUEUE, retry=_Backoff(), pass_context=False)(self._run)
        self._worker: asyncio.Task[None] | None = None
        self._recovery: asyncio.Task[None] | None = None

    def _run(self, job_id: str) -> None:
        # procrastinate runs synchronous tasks in a thread: the event loop keeps beating.
        self.run_one(job_id, exclusive=True)

    def poke(self) -> None:
        """Nothing to do: procrastinate's NOTIFY wakes the workers."""

    async def start(self, *, sole_runner: bool = False) -> None:
        await self.app.open_async()
        self._worker = asyncio.create_task(
            self.app.run_worker_async(
                queues=[QUEUE],
                concurrency=self.settings.worker_concurrency,
                install_signal_handlers=False,
                fetch_job_polling_interval=POLL,
                update_heartbeat_interval=HEARTBEAT,
                stalled_worker_timeout=STALLED,
                delete_jobs="successful",
                shutdown_graceful_timeout=30,
            ),
            name="procrastinate-worker",
        )
        self._recovery = asyncio.create_task(self._recover_forever(), name="stalled-job-recovery")

    async def stop(self) -> None:
        if self._worker is None:
            return
        for task in (self._recovery, self._worker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._worker = self._recovery = None
        await self.app.close_async()

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.done()

    async def _recover_forever(self) -> None:
        while True:
            await asyncio.sleep(RECOVERY_INTERVAL)
            try:
                await self.recover_stalled()
            except Exception:  # the database may be briefly away; try again next round
                log.exception("stalled-job recovery failed; retrying")

    async def recover_stalled(self) -> int:
        """Hand out again the jobs of workers that stopped beating (killed, machine lost)."""
        stalled = list(
            await self.app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=STALLED)
        )
        for job in stalled:
            log.warning("job %s was running on a worker that stopped; running it again", job.id)
            await self.app.job_manager.retry_job(job)
        return len(stalled)


def choose_runner(settings: Settings, database: Database, backends: Backends, *, run_jobs: bool) -> Runner:
    """The runner an API process holds: with procrastinate, every enqueue also defers."""
    if settings.job_runner != "procrastinate":
        return Runner(database, backends)
    service.defer_with(database.engine, deferrer(settings))
    if run_jobs:  # tests (and a one-process setup) may run the worker inside the API process
        return DistributedRunner(database, backends, settings)
    return Runner(database, backends)


__all__ = ["DistributedRunner", "build_app", "choose_runner", "deferrer", "ensure_schema", "live_workers"]
