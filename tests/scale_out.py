"""The suite in scale-out mode (``pytest --runner procrastinate``): PostgreSQL + Redis + procrastinate.

Each test gets its own Redis key prefix (so limits and nonces never leak between tests)
and an empty procrastinate queue in the session's PostgreSQL database.
"""

from __future__ import annotations

import os
import uuid

from sqlalchemy import text

from reseller_api.jobs.distributed import ensure_schema
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests.harness import DatabaseFactory

REDIS_URL = os.environ.get("RESELLER_API_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PROCRASTINATE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)


def scale_out_env() -> dict[str, str]:
    return {
        "RESELLER_API_JOB_RUNNER": "procrastinate",
        "RESELLER_API_REDIS_URL": REDIS_URL,
        "RESELLER_API_REDIS_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
        "RESELLER_API_WORKER_CONCURRENCY": "4",
    }


def prepare_procrastinate(factory: DatabaseFactory) -> None:
    """procrastinate's schema in the session's database, as ``reseller-api migrate`` applies it."""
    ensure_schema(Settings(database_url=factory.url, job_runner="procrastinate"))


def reset_procrastinate(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(PROCRASTINATE_TABLES)} RESTART IDENTITY CASCADE"))
