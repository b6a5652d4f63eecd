"""Provisioning jobs: failures leave nothing half-made, transient errors retry, work is exactly once."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from reseller_api.backends.base import TransientError
from reseller_api.backends.simulated import SimulatedDns, SimulatedMail
from reseller_api.resources.linuxhostings.tables import linux_hostings
from reseller_api.store.database import Database
from reseller_api.store.tables import accounts, provisioning_jobs, simulated_objects
from tests.harness import Caller

HOSTING = {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}


def count(database: Database, table: Any) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_failing_step_fails_the_job_and_undoes_everything(
    api: Caller,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_mail(self: SimulatedMail, domain_name: str) -> None:
        raise RuntimeError(f"mail cluster refused {domain_name}")

    monkeypatch.setattr(SimulatedMail, "ensure_mail_zone", broken_mail)
    with caplog.at_level(logging.ERROR, logger="reseller_api.jobs"):
        response = api.post("/v2/accounts", HOSTING)
        job = api.wait_job(response.headers["location"])
    assert job.status_code == 200
    assert job.json()["status"] == "failed"
    assert set(job.json()) == {"id", "status", "completion"}
    assert "mail cluster refused example.com" in caplog.text
    # Nothing half-made: the hosting and zone the job had built are gone, the account too.
    assert count(database, simulated_objects) == 0
    assert count(database, accounts) == 0
    assert count(database, linux_hostings) == 0
    # ...so the identifier can be ordered again once the cause is fixed.
    monkeypatch.undo()
    again = api.post("/v2/accounts", HOSTING)
    assert again.status_code == 202
    assert api.wait_job(again.headers["location"]).status_code == 201


def test_a_transient_error_is_retried_and_the_job_finishes_once(
    api: Caller, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = SimulatedDns.ensure_zone

    def flaky(self: SimulatedDns, domain_name: str, name_servers: tuple[str, ...]) -> None:
        calls["n"] += 1
        original(self, domain_name, name_servers)
        if calls["n"] == 1:
            raise TransientError("dns api timed out")

    monkeypatch.setattr(SimulatedDns, "ensure_zone", flaky)
    monkeypatch.setattr("reseller_api.jobs.runner.retry_delay", lambda attempts: 0.1)
    response = api.post("/v2/accounts", HOSTING)
    job = api.wait_job(response.headers["location"])
    assert job.status_code == 201
    assert calls["n"] == 2
    # The zone step ran twice; the world holds one zone, one hosting, one mail zone, one domain.
    with database.engine.connect() as conn:
        kinds = sorted(r[0] for r in conn.execute(select(simulated_objects.c.kind)))
        attempts = conn.execute(select(provisioning_jobs.c.attempts)).scalar_one()
    # The pack's domain asset registers the identifier too (registry_domain).
    assert kinds == ["dns_zone", "hosting", "mail_zone", "registry_domain"]
    assert attempts == 2


def test_finished_job_drops_its_payload(api: Caller, database: Database) -> None:
    response = api.post("/v2/accounts", HOSTING)
    with database.engine.connect() as conn:
        pending = conn.execute(select(provisioning_jobs.c.payload)).scalar_one()
    assert "Secret123x" not in pending  # only the hash travels with the job
    assert "$argon2id$" in pending
    api.wait_job(response.headers["location"])
    with database.engine.connect() as conn:
        assert conn.execute(select(provisioning_jobs.c.payload)).scalar_one() == "{}"


def test_concurrent_orders_are_all_accepted(api: Caller, database: Database) -> None:
    """SQLite takes write locks up front (BEGIN IMMEDIATE), so no concurrent write is lost."""
    results: list[int] = []

    def order(n: int) -> None:
        body = {"identifier": f"shop{n}.be", "servicepack_id": 3}
        results.append(api.post("/v2/accounts", body).status_code)

    threads = [threading.Thread(target=order, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [202] * 12
    assert count(database, accounts) == 12
    assert count(database, provisioning_jobs) == 12


def test_racing_orders_for_one_identifier_keep_exactly_one(api: Caller, database: Database) -> None:
    results: list[int] = []

    def order() -> None:
        results.append(api.post("/v2/accounts", {"identifier": "race.be", "servicepack_id": 3}).status_code)

    threads = [threading.Thread(target=order) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [202] + [400] * 5
    assert count(database, accounts) == 1
