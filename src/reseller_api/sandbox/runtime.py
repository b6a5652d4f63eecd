"""What a sandbox server (or a ``reseller-api sandbox`` command) switches on, and off again.

``Sandbox.start`` installs the test clock as the installation's one source of "now"
(``reseller_api.clock``), times new jobs by the job mode and hands the runner the job
faults; ``stop`` undoes each, so a process (a test run) that builds several apps leaves
nothing of one sandbox behind. Nothing here starts a thread or a task.
"""

from __future__ import annotations

from sqlalchemy import select, update

from reseller_api import clock
from reseller_api.backends.simulated.registry import years_on
from reseller_api.jobs import service as job_service
from reseller_api.jobs.runner import Runner
from reseller_api.resources.domains.tables import domains
from reseller_api.sandbox import faults
from reseller_api.sandbox import jobs as job_modes
from reseller_api.sandbox.state import StateCache, ensure
from reseller_api.store.database import Database


class Sandbox:
    def __init__(self, database: Database, runner: Runner | None = None) -> None:
        self.database = database
        self.runner = runner
        self.cache = StateCache(database)
        self._previous: clock.Source | None = None

    def start(self) -> None:
        ensure(self.database)
        self._previous = clock.source()
        clock.use(self.cache.time)
        job_service.time_with(self.database.engine, job_modes.timing(self.cache))
        if self.runner is not None:
            self.runner.injected_failure = self.job_failure

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.injected_failure = None
        job_service.time_with(self.database.engine, None)
        if self._previous is not None:
            clock.use(self._previous)
            self._previous = None

    def job_failure(self, kind: str) -> str | None:
        return faults.job_failure(self.database, kind)

    def changed(self) -> None:
        """This process changed the state: read it afresh, and let the runner look for due jobs."""
        self.cache.invalidate()
        if self.runner is not None:
            self.runner.poke()


def renew_due_domains(database: Database, now: float) -> int:
    """The simulated registry's renewals, for a clock that jumped: a domain set to renew whose
    expiry passed is renewed a year at a time until it lies ahead again (how a registry bills
    auto-renewals); one not set to renew keeps its past date (expired: ``can_toggle_renew``
    false). How many were renewed."""
    with database.transaction() as conn:
        due = conn.execute(
            select(domains.c.id, domains.c.expiration_date).where(
                domains.c.will_renew.is_(True),
                domains.c.expiration_date.is_not(None),
                domains.c.expiration_date <= now,
            )
        ).all()
        for domain_id, expiration in due:
            renewed = float(expiration)
            while renewed <= now:
                renewed = years_on(renewed)
            conn.execute(update(domains).where(domains.c.id == domain_id).values(expiration_date=renewed))
    return len(due)
