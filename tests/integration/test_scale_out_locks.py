"""procrastinate's locks and retries, in-process on a real PostgreSQL (no HTTP)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import Connection, insert, select, text

from reseller_api.backends import build_backends
from reseller_api.backends.base import TransientError
from reseller_api.jobs import service
from reseller_api.jobs.distributed import DistributedRunner, deferrer, ensure_schema
from reseller_api.jobs.registry import HANDLERS, JobContext, JobHandler
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import provisioning_jobs, resellers
from tests.harness import DatabaseFactory

pytestmark = pytest.mark.integration
SPANS: list[tuple[str, float, float]] = []
FLAKY: dict[str, int] = {}
_guard = threading.Lock()


class SlowJob(msgspec.Struct, kw_only=True):
    domain_name: str
    flaky: bool = False


def _slow(ctx: JobContext, payload: SlowJob) -> None:
    started = time.monotonic()
    if payload.flaky and FLAKY.setdefault(ctx.job_id, 0) < 1:
        FLAKY[ctx.job_id] += 1
        raise TransientError("backend timed out")
    time.sleep(0.3)
    with _guard:
        SPANS.append((payload.domain_name, started, time.monotonic()))


def _commit(conn: Connection, ctx: JobContext, payload: SlowJob) -> list[str]:
    return [f"/v2/test/{payload.domain_name}"]


def _nothing(*_: object) -> None:
    return None


@pytest.fixture(scope="module")
def handler() -> Iterator[None]:
    HANDLERS["test.slow"] = JobHandler("test.slow", SlowJob, _slow, _commit, _nothing, _nothing)
    yield
    HANDLERS.pop("test.slow", None)


@pytest.fixture
def scale_database(handler: None) -> Iterator[tuple[Database, Settings]]:
    factory = DatabaseFactory("postgresql", Path(tempfile.mkdtemp(prefix="reseller-api-locks-")))
    try:
        settings = Settings(database_url=factory.url, job_runner="procrastinate", worker_concurrency=4)
        ensure_schema(settings)
        assert not ensure_schema(settings)  # applied once; `migrate` again is a no-op
        database = Database(factory.url, pool_size=4)
        with database.transaction() as conn:
            conn.execute(insert(resellers).values(id=1, name="alice", created_at=time.time()))
        service.defer_with(database.engine, deferrer(settings))
        yield database, settings
        service.defer_with(database.engine, None)
        database.dispose()
    finally:
        factory.close()


def _enqueue(database: Database, domain: str, *, flaky: bool = False) -> str:
    with database.transaction() as conn:
        return service.enqueue(
            conn,
            reseller_id=1,
            kind="test.slow",
            payload=SlowJob(domain_name=domain, flaky=flaky),
            duration=0,
        )


def _statuses(database: Database) -> list[str]:
    with database.engine.connect() as conn:
        return [r[0] for r in conn.execute(select(provisioning_jobs.c.status))]


async def _run_until_done(runner: DistributedRunner, database: Database, timeout: float = 30) -> None:
    await runner.start()
    try:
        deadline = time.monotonic() + timeout
        while any(s == service.ONGOING for s in await asyncio.to_thread(_statuses, database)):
            assert time.monotonic() < deadline, "jobs still ongoing"
            await asyncio.sleep(0.1)
    finally:
        await runner.stop()


def test_jobs_on_one_resource_never_overlap_others_do(scale_database: tuple[Database, Settings]) -> None:
    database, settings = scale_database
    SPANS.clear()
    for domain in ("same.be", "same.be", "same.be", "other.be"):
        _enqueue(database, domain)
    runner = DistributedRunner(database, build_backends(settings, database), settings)
    asyncio.run(_run_until_done(runner, database))
    same = sorted((s, e) for d, s, e in SPANS if d == "same.be")
    assert len(same) == 3
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(same))
    (other,) = [(s, e) for d, s, e in SPANS if d == "other.be"]
    assert other[0] < same[0][1]  # a job on another resource ran alongside the first
    assert _statuses(database) == ["finished"] * 4


def test_a_rolled_back_order_defers_nothing(scale_database: tuple[Database, Settings]) -> None:
    database, _ = scale_database

    def order_that_fails() -> None:
        with database.transaction() as conn:
            service.enqueue(
                conn, reseller_id=1, kind="test.slow", payload=SlowJob(domain_name="x.be"), duration=0
            )
            raise RuntimeError("the order failed after the job was enqueued")

    with pytest.raises(RuntimeError):
        order_that_fails()
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar_one() == 0
        assert conn.execute(select(provisioning_jobs.c.id)).first() is None


def test_a_transient_error_is_retried_by_procrastinate(
    scale_database: tuple[Database, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    database, settings = scale_database
    monkeypatch.setattr("reseller_api.jobs.runner.retry_delay", lambda attempts: 0.0)
    job_id = _enqueue(database, "flaky.be", flaky=True)
    runner = DistributedRunner(database, build_backends(settings, database), settings)
    asyncio.run(_run_until_done(runner, database))
    assert FLAKY[job_id] == 1
    with database.engine.connect() as conn:
        row = conn.execute(select(provisioning_jobs.c.status, provisioning_jobs.c.attempts)).one()
        attempts = conn.execute(text("SELECT attempts FROM procrastinate_jobs")).scalars().all()
    assert tuple(row) == ("finished", 2)
    assert attempts in ([], [1])  # deleted once it succeeded, or kept with one retry


class NotSlowJob(msgspec.Struct):
    elsewhere: str


def test_a_payload_that_does_not_decode_fails_on_a_worker_too(
    scale_database: tuple[Database, Settings], caplog: pytest.LogCaptureFixture
) -> None:
    database, settings = scale_database
    with database.transaction() as conn:
        job_id = service.enqueue(
            conn, reseller_id=1, kind="test.slow", payload=NotSlowJob("x.be"), duration=0
        )
    runner = DistributedRunner(database, build_backends(settings, database), settings)
    with caplog.at_level(logging.INFO, logger="reseller_api.jobs"):
        asyncio.run(_run_until_done(runner, database))
    with database.engine.connect() as conn:
        status, error = conn.execute(select(provisioning_jobs.c.status, provisioning_jobs.c.error)).one()
    assert status == "failed"
    assert error == "its payload does not decode as SlowJob: Object missing required field `domain_name`"
    # Ours only: procrastinate's own lines name the job too (whether they are captured depends on
    # the level another test left its loggers at).
    ours = [r for r in caplog.records if r.name.startswith("reseller_api") and job_id in r.getMessage()]
    assert [r.getMessage() for r in ours] == [f"job {job_id} (test.slow) failed: {error}"]
