"""A real backend's refusal is a 400 with its reason, an unreachable one a 503; neither changes anything."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import pytest

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.simulated import SimulatedDns, SimulatedHosting
from tests.api.test_linuxhostings import create_hosting, detail
from tests.harness import Caller

FTP = "/v2/linuxhostings/example.com/ftp/configuration"


def refuse(self: SimulatedHosting, domain_name: str, settings: Mapping[str, Any]) -> None:
    raise BackendRefused("the web server refused the configuration: unknown directive")


def unreachable(self: SimulatedHosting, domain_name: str, settings: Mapping[str, Any]) -> None:
    raise BackendUnavailable("connection refused")


def test_a_refusal_is_a_400_with_the_reason_and_changes_nothing(
    api: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_hosting(api)
    before = detail(api)["ftp_enabled"]
    monkeypatch.setattr(SimulatedHosting, "set_settings", refuse)
    response = api.put(FTP, {"enabled": not before})
    assert response.status_code == 400
    [problem] = response.json()["validation_errors"]
    assert problem["error_code"] == "backend_refused"
    assert "unknown directive" in problem["error_text"]
    monkeypatch.undo()
    assert detail(api)["ftp_enabled"] is before


def test_an_unreachable_backend_is_a_503_to_retry_and_changes_nothing(
    api: Caller, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    create_hosting(api)
    before = detail(api)["ftp_enabled"]
    monkeypatch.setattr(SimulatedHosting, "set_settings", unreachable)
    with caplog.at_level(logging.WARNING):
        response = api.put(FTP, {"enabled": not before})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error_code"] == "backend_unavailable"
    assert "connection refused" in caplog.text
    monkeypatch.undo()
    assert detail(api)["ftp_enabled"] is before


def test_a_job_whose_backend_refuses_fails_with_the_reason(
    api: Caller, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse_zone(self: SimulatedDns, domain_name: str, name_servers: tuple[str, ...]) -> None:
        raise BackendRefused(f"Domain '{domain_name}.' already exists")

    monkeypatch.setattr(SimulatedDns, "ensure_zone", refuse_zone)
    with caplog.at_level(logging.ERROR, logger="reseller_api.jobs"):
        response = api.post(
            "/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
        )
        job = api.wait_job(response.headers["location"])
    assert job.json()["status"] == "failed"
    assert "Domain 'example.com.' already exists" in caplog.text
    assert api.get("/v2/linuxhostings/example.com").status_code == 404


def test_a_job_whose_backend_is_unreachable_retries_then_finishes(
    api: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = SimulatedDns.ensure_zone

    def flaky(self: SimulatedDns, domain_name: str, name_servers: tuple[str, ...]) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise BackendUnavailable("PowerDNS at http://127.0.0.1:8081 did not answer")
        original(self, domain_name, name_servers)

    monkeypatch.setattr(SimulatedDns, "ensure_zone", flaky)
    monkeypatch.setattr("reseller_api.jobs.runner.retry_delay", lambda attempts: 0.1)
    response = api.post(
        "/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
    )
    assert api.wait_job(response.headers["location"]).status_code == 201
    assert calls["n"] == 2


def test_refused_ssh_keys_and_scheduled_tasks_change_nothing(
    api: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.api.test_linuxhostings_ssh import ED25519, fingerprint
    from tests.api.test_linuxhostings_tasks import NIGHTLY, TASKS

    create_hosting(api)
    keys = "/v2/linuxhostings/example.com/ssh/keys"
    assert api.post(keys, {"public_key": ED25519}).status_code in (200, 201, 204)
    task = api.post(TASKS, NIGHTLY).headers["location"]

    def refuse_anything(*args: object) -> None:
        raise BackendRefused("the platform said no")

    monkeypatch.setattr(SimulatedHosting, "set_authorized_keys", refuse_anything)
    monkeypatch.setattr(SimulatedHosting, "set_crontab", refuse_anything)
    keys_before, tasks_before = api.get(keys).json(), api.get(TASKS).json()
    attempts = [
        api.delete(f"{keys}/{fingerprint(ED25519)}"),
        api.post(TASKS, {**NIGHTLY, "cron_expression": "0 4 * * *"}),
        api.put(task, {"enabled": False}),
        api.delete(task),
    ]
    assert [r.status_code for r in attempts] == [400] * 4
    assert api.get(keys).json() == keys_before
    assert api.get(TASKS).json() == tasks_before


def test_a_job_that_cannot_be_undone_yet_stays_ongoing_until_it_can(
    api: Caller, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Out of attempts with its clean-up backend away, a job is not reported failed half-done."""
    from reseller_api.backends.simulated import SimulatedMail

    away = {"mail": True}

    def mail_zone(self: SimulatedMail, domain_name: str) -> None:
        if away["mail"]:
            raise BackendUnavailable("mail cluster unreachable")

    monkeypatch.setattr(SimulatedMail, "ensure_mail_zone", mail_zone)
    monkeypatch.setattr(SimulatedMail, "remove_mail_zone", mail_zone)
    monkeypatch.setattr("reseller_api.jobs.runner.retry_delay", lambda attempts: 0.05)
    with caplog.at_level(logging.WARNING, logger="reseller_api.jobs"):
        response = api.post(
            "/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
        )
        location = response.headers["location"]
        for _ in range(200):
            if "cannot be undone yet" in caplog.text:
                break
            time.sleep(0.05)
    assert "cannot be undone yet" in caplog.text
    assert api.get(location).json()["status"] == "ongoing"
    away["mail"] = False
    assert api.wait_job(location).status_code == 201
