"""The job runner's and the webhook deliverer's loops outlive a database that is briefly away.

A PostgreSQL restart or a process out of file descriptors is an operator's everyday event: one
warning line per failed poll, then a retry; a traceback stays for anything unexpected.
"""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from reseller_api.jobs import runner as runner_module
from reseller_api.jobs.runner import Runner
from reseller_api.store.driver import DatabaseUnavailable


def _runner_with(monkeypatch: pytest.MonkeyPatch, error: Exception) -> Runner:
    def next_due(database: Any) -> float | None:
        raise error

    monkeypatch.setattr(runner_module.service, "next_due", next_due)
    # On "SQLite" the runner asks inline: no thread, no real database needed.
    return Runner(SimpleNamespace(is_sqlite=True), SimpleNamespace())  # type: ignore[arg-type]


async def _run_briefly(runner: Runner) -> None:
    await runner.start(sole_runner=False)
    await asyncio.sleep(0.05)
    assert runner.running  # the loop survived
    await runner.stop()


async def test_a_database_away_is_a_warning_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    runner = _runner_with(monkeypatch, DatabaseUnavailable("connection refused"))
    with caplog.at_level(logging.INFO, logger="reseller_api.jobs"):
        await _run_briefly(runner)
    ours = [r for r in caplog.records if r.name == "reseller_api.jobs"]
    assert ours
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in ours)
    assert "connection refused" in ours[0].getMessage()


async def test_anything_else_keeps_its_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    runner = _runner_with(monkeypatch, KeyError("a bug"))
    with caplog.at_level(logging.INFO, logger="reseller_api.jobs"):
        await _run_briefly(runner)
    ours = [r for r in caplog.records if r.name == "reseller_api.jobs"]
    assert ours
    assert all(r.levelno == logging.ERROR and r.exc_info is not None for r in ours)
