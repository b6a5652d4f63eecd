"""Execute due jobs: ``provision`` outside any transaction, then ``commit`` + finish in one.

The same :class:`Runner` serves the embedded mode (a task inside ``reseller-api serve``)
and ``reseller-api worker``. Jobs run in a thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import msgspec

from reseller_api import clock
from reseller_api.backends import Backends
from reseller_api.backends.base import TransientError
from reseller_api.jobs import payloads, service
from reseller_api.jobs.registry import ENDED, JobContext, JobHandler
from reseller_api.store.database import Database
from reseller_api.store.driver import DATABASE_AWAY

log = logging.getLogger("reseller_api.jobs")
MAX_ATTEMPTS = 5
IDLE_POLL = 0.5


def retry_delay(attempts: int) -> float:
    """Exponential back-off for transient backend errors: 2, 4, 8, 16 s, at most a minute."""
    return min(60.0, 2.0**attempts)


class RetryLater(Exception):
    """Raised to a distributed runner: run the job again after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"retry in {delay:.1f}s")
        self.delay = delay


class Runner:
    def __init__(self, database: Database, backends: Backends) -> None:
        self.db = database
        self.backends = backends
        # The sandbox's job faults (reseller_api/sandbox/faults.py): the kind of a job about
        # to run -> why it must fail instead, or None to run it.
        self.injected_failure: Callable[[str], str | None] | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def running(self) -> bool:
        """For /readyz: the runner's loop is alive in this process."""
        return self._task is not None and not self._task.done()

    def poke(self) -> None:
        """A job was enqueued: look now instead of at the next poll. Safe from any thread."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def start(self, *, sole_runner: bool) -> None:
        if sole_runner:
            await asyncio.to_thread(service.release_all_leases, self.db)
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._loop_forever(), name="provisioning-runner")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop_forever(self) -> None:
        assert self._wake is not None
        while True:
            # Cleared before looking, so a job enqueued while we run is not missed.
            self._wake.clear()
            try:
                upcoming = await self._next_due()
                if upcoming is not None and upcoming <= clock.time():
                    await asyncio.to_thread(self.run_due)
                    upcoming = await self._next_due()
            except DATABASE_AWAY as exc:  # the database may be briefly away; keep the runner alive
                log.warning("job runner iteration failed (%s); retrying", exc)
                upcoming = None
            except Exception:
                log.exception("job runner iteration failed; retrying")
                upcoming = None
            wait = IDLE_POLL if upcoming is None else min(IDLE_POLL, max(0.0, upcoming - clock.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(wait, 0.02))

    async def _next_due(self) -> float | None:
        """On SQLite, read inline (microseconds): an idle runner then wakes no thread.

        A thread that wakes needs the GIL back from the event loop; on a busy machine the
        loop can wait for that thread to be scheduled (measured: the serve process's tail
        latency). Jobs themselves, and PostgreSQL's round trips, still run in threads.
        """
        if self.db.is_sqlite:
            return service.next_due(self.db)
        return await asyncio.to_thread(service.next_due, self.db)

    def run_due(self) -> int:
        """Run every job that is due now; returns how many were executed."""
        count = 0
        for job_id in service.due(self.db, clock.time()):
            if self.run_one(job_id):
                count += 1
        return count

    def run_one(self, job_id: str, *, exclusive: bool = False) -> bool:
        """Run one job. ``exclusive``: called by procrastinate, which retries on RetryLater."""
        job = service.claim(self.db, job_id, clock.time(), exclusive=exclusive)
        if job is None:
            return False
        context = JobContext(job.id, job.reseller_id, self.backends)
        try:
            steps = payloads.read(job.kind, job.payload)
        except payloads.UnreadableJob as exc:
            # Decoded before any step: nothing was built. What the payload names is unknown,
            # so there is nothing to undo either; the reason says what did not decode.
            self._fail(job, context, str(exc), steps=None, exclusive=exclusive)
            return True
        handler, payload = steps
        if self.injected_failure is not None:
            reason = self.injected_failure(job.kind)
            if reason is not None:  # before any step: nothing was built, the clean-up is a no-op
                self._fail(job, context, reason, steps=steps, exclusive=exclusive)
                return True
        try:
            handler.provision(context, payload)
            with self.db.transaction() as conn:
                # A duplicate run (a stalled job retried while its first run was ending)
                # commits nothing: the first one to lock the row wins.
                if not service.lock_ongoing(conn, job.id):
                    log.info("job %s (%s) had already ended; nothing to commit", job.id, job.kind)
                    return True
                links = handler.commit(conn, context, payload)
                service.finish(conn, job.id, links)
                for ended in ENDED:
                    ended(conn, job.reseller_id, job.id, job.kind, service.FINISHED, links, "")
            log.info("job %s (%s) finished: %s", job.id, job.kind, links)
        except TransientError as exc:
            if job.attempts < MAX_ATTEMPTS:
                self._retry(job, f"attempt {job.attempts}: {exc}; retrying", exc, exclusive=exclusive)
                return True
            self._fail(
                job,
                context,
                f"gave up after {job.attempts} attempts: {exc}",
                steps=steps,
                exclusive=exclusive,
            )
        except Exception as exc:
            self._fail(job, context, str(exc) or type(exc).__name__, exc, steps=steps, exclusive=exclusive)
        return True

    def _retry(self, job: service.ClaimedJob, why: str, exc: Exception, *, exclusive: bool) -> None:
        """Run the job again after the back-off for its attempts (procrastinate: by raising)."""
        delay = retry_delay(job.attempts)
        log.warning("job %s (%s) %s in %.0fs", job.id, job.kind, why, delay)
        service.retry_later(self.db, job.id, delay)
        if exclusive:
            raise RetryLater(delay) from exc

    def _fail(
        self,
        job: service.ClaimedJob,
        context: JobContext,
        reason: str,
        exc: Exception | None = None,
        *,
        steps: tuple[JobHandler[Any], msgspec.Struct] | None,
        exclusive: bool = False,
    ) -> None:
        """Undo what the job built, then mark it failed; ``steps`` is None for an unreadable job."""
        log.error("job %s (%s) failed: %s", job.id, job.kind, reason, exc_info=exc)
        if steps is not None:
            handler, payload = steps
            try:
                handler.unprovision(context, payload)
            except TransientError as cleanup:
                # The backend that must undo the work is away: a job is never reported failed
                # while half of it still exists. It stays ongoing and runs again later: then it
                # either completes (the backend is back) or fails with its clean-up done.
                self._retry(
                    job, f"cannot be undone yet: {cleanup}; trying again", cleanup, exclusive=exclusive
                )
                return
        with self.db.transaction() as conn:
            if not service.lock_ongoing(conn, job.id):
                return
            if steps is not None:
                handler, payload = steps
                handler.discard(conn, context, payload)
            service.fail(conn, job.id, reason)
            for ended in ENDED:
                ended(conn, job.reseller_id, job.id, job.kind, service.FAILED, [], reason)
