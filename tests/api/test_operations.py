"""Request ids, the last word on errors (never uvicorn's text/plain 500), readiness, queue metrics
and the access log, in-process (health.py, logs.py)."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from litestar.testing import TestClient

from reseller_api.app import create_app
from reseller_api.credentials.cache import KeyCache
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox
from reseller_api.logs import JsonFormatter
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests.conftest import TEST_SECRET_KEY
from tests.harness import ADDRESS_HEADER, Caller, ClientAddress

REQUEST_ID = re.compile(r"^[0-9a-f]{16}$")


def _assert_json_500(response: Any) -> str:
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["error_code"] == "internal_error"
    reference = response.headers["x-request-id"]
    assert f"Reference: {reference}." in body["error_text"]
    assert response.headers["x-correlation-id"] == reference
    return reference


def test_every_response_carries_a_request_id(api: Caller, test_client: TestClient[Any]) -> None:
    answers = [
        api.get("/v2/servicepacks"),
        api.get("/v2/accounts/999999"),
        test_client.get("/v2/servicepacks"),  # 401 from the gate
        test_client.get("/healthz"),
        test_client.get("/readyz"),
        test_client.get("/metrics"),
        test_client.get("/v2/openapi.json"),
        test_client.get("/controlpanel/signin"),
    ]
    ids = [answer.headers["x-request-id"] for answer in answers]
    assert all(REQUEST_ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.fixture
def proxied_client(settings: Settings, database: Database) -> Iterator[TestClient[Any]]:
    behind = dataclasses.replace(
        settings,
        trusted_proxies=Settings.from_env({"RESELLER_API_TRUSTED_PROXIES": "10.0.0.0/8"}).trusted_proxies,
    )
    with TestClient(
        ClientAddress(create_app(behind, database=database)), base_url="http://t.local"
    ) as client:  # type: ignore[arg-type]
        yield client


def test_a_trusted_proxys_request_id_is_kept_and_anyone_elses_is_not(proxied_client: TestClient[Any]) -> None:
    sent = "lb-4f1c2a:9"
    trusted = proxied_client.get("/healthz", headers={"X-Request-Id": sent, ADDRESS_HEADER: "10.1.2.3"})
    assert trusted.headers["x-request-id"] == sent
    stranger = proxied_client.get("/healthz", headers={"X-Request-Id": sent, ADDRESS_HEADER: "192.0.2.7"})
    assert REQUEST_ID.match(stranger.headers["x-request-id"])
    forged = proxied_client.get(
        "/healthz", headers={"X-Request-Id": 'x" level=ERROR', ADDRESS_HEADER: "10.1.2.3"}
    )
    assert REQUEST_ID.match(forged.headers["x-request-id"])


def test_an_exception_escaping_the_gate_is_the_apis_json_500(
    api: Caller, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: it reached uvicorn, whose answer is a text/plain 'Internal Server Error'."""

    def broken(self: KeyCache, api_key: str) -> None:
        raise RuntimeError("the key cache broke")

    monkeypatch.setattr(KeyCache, "get", broken)
    monkeypatch.setattr(KeyCache, "get_inline", broken)  # SQLite's path, without a coroutine
    with caplog.at_level(logging.ERROR, logger="reseller_api.health"):
        reference = _assert_json_500(api.get("/v2/servicepacks"))
    [logged] = [r for r in caplog.records if reference in r.getMessage()]
    assert logged.exc_info is not None
    assert "the key cache broke" not in api.get("/v2/servicepacks").text


def test_a_500_inside_the_app_quotes_the_request_id(
    api: Caller, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from reseller_api.resources.servicepacks import service

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "list_page", broken)
    with caplog.at_level(logging.ERROR):
        reference = _assert_json_500(api.get("/v2/servicepacks"))
    assert reference in caplog.text


def test_secrets_written_with_a_key_this_process_lacks_answer_json(api: Caller, database: Database) -> None:
    """Another process rotated the key, and this one (key from the environment) never got it."""
    other = Fernet.generate_key()
    CredentialsService(database, SecretBox(other, TEST_SECRET_KEY.encode())).rotate_secret_key()
    _assert_json_500(api.get("/v2/servicepacks"))


def test_readiness_depends_on_the_database_not_on_job_runners(
    app: Any, test_client: TestClient[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ready = test_client.get("/readyz")
    # Redis is checked where it is configured (scale-out: the rate limits and nonces live there).
    checks = {"database": "ok", **({"redis": "ok"} if app.context.settings.redis_url else {})}
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "checks": checks})
    monkeypatch.setattr(type(app.context.runner), "running", property(lambda self: False))
    assert test_client.get("/readyz").status_code == 200
    if app.context.settings.job_runner == "embedded":  # procrastinate's workers are counted by heartbeat
        assert "reseller_api_job_runners 0.0" in test_client.get("/metrics").text


@pytest.fixture
def without_runner(settings: Settings, database: Database) -> Iterator[TestClient[Any]]:
    """An API process whose jobs are left to `reseller-api worker`, with no worker running."""
    app = create_app(dataclasses.replace(settings, job_runner="worker"), database=database)
    with TestClient(ClientAddress(app), base_url="http://t.local") as client:  # type: ignore[arg-type]
        yield client


def test_jobs_waiting_for_a_runner_show_in_metrics_not_in_readiness(
    without_runner: TestClient[Any], credentials: CredentialsService
) -> None:
    from tests.harness import AddressedClient

    created = credentials.create_key("alice", ["127.0.0.1"])
    caller = Caller(AddressedClient(without_runner, "127.0.0.1"), created.api_key, created.api_secret)
    order = caller.post("/v2/accounts", {"identifier": "queued.be", "servicepack_id": 3})
    assert order.status_code == 202
    time.sleep(0.3)  # the job becomes due (RESELLER_API_JOB_DURATION 0.2 s) and waits
    assert without_runner.get("/readyz").status_code == 200
    metrics = without_runner.get("/metrics").text
    assert "reseller_api_jobs_waiting 1.0" in metrics
    oldest = float(re.search(r"^reseller_api_jobs_oldest_waiting_seconds (\S+)$", metrics, re.M)[1])  # type: ignore[index]
    assert 0 < oldest < 60


@pytest.fixture
def access_logged(settings: Settings, database: Database) -> Iterator[TestClient[Any]]:
    app = create_app(dataclasses.replace(settings, access_log=True), database=database)
    with TestClient(ClientAddress(app), base_url="http://t.local") as client:  # type: ignore[arg-type]
        yield client


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_the_access_log_has_the_requests_fields_and_never_a_secret(
    access_logged: TestClient[Any], credentials: CredentialsService
) -> None:
    from tests.harness import AddressedClient

    created = credentials.create_key("alice", ["127.0.0.1"])
    caller = Caller(AddressedClient(access_logged, "127.0.0.1"), created.api_key, created.api_secret)
    handler = _Lines()
    logger = logging.getLogger("reseller_api")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        answered = caller.get("/v2/accounts?take=5")
        refused = access_logged.get("/v2/servicepacks")
        access_logged.get("/healthz")  # probes are not access-logged
        access_logged.get("/controlpanel/set-password?token=do-not-log-me")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    access = [json.loads(line) for line in handler.lines if '"reseller_api.access"' in line]
    assert [entry["path"] for entry in access] == [
        "/v2/accounts",
        "/v2/servicepacks",
        "/controlpanel/set-password",
    ]
    first = access[0]
    assert first["request_id"] == answered.headers["x-request-id"]
    assert (first["method"], first["route"], first["status"], first["level"]) == (
        "GET",
        "/v2/accounts",
        200,
        "INFO",
    )
    assert first["key_id"] > 0
    assert first["reseller_id"] > 0
    assert first["duration_ms"] >= 0
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", first["time"])
    assert access[1]["status"] == 401
    assert "key_id" not in access[1]
    assert access[1]["request_id"] == refused.headers["x-request-id"]
    everything = "\n".join(handler.lines)
    for secret in (created.api_secret, "do-not-log-me", "hmac "):
        assert secret not in everything


def test_an_unexpected_error_on_a_panel_page_is_not_a_text_traceback(
    test_client: TestClient[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reseller_api.controlpanel import sessions

    def broken(*args: object) -> None:
        raise RuntimeError("the session store broke")

    monkeypatch.setattr(sessions, "load", broken)
    answer = test_client.get("/controlpanel/signin")
    assert answer.status_code == 500
    assert not answer.headers["content-type"].startswith("text/plain")
    assert "the session store broke" not in answer.text
    assert "Traceback" not in answer.text


def test_an_unexpected_error_in_a_health_check_is_json(
    app: Any, test_client: TestClient[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Any) -> None:
        raise RuntimeError("readiness broke")

    monkeypatch.setattr(type(app), "_readiness", broken)
    _assert_json_500(test_client.get("/readyz"))


def test_the_route_labels_docs_deployment_names_are_the_ones_metrics_use(api: Caller) -> None:
    """docs/deployment.md quotes two route templates as examples: they must be real labels."""
    from pathlib import Path

    documented = Path(__file__).parents[2].joinpath("docs", "deployment.md").read_text()
    quoted = re.search(r"router spells it \(`([^`]+)`,\s*`([^`]+)`\)", documented)
    assert quoted, "docs/deployment.md no longer quotes the route labels"
    order = {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
    api.wait_job(api.post("/v2/accounts", order).headers["Location"])
    account = api.get("/v2/accounts").json()[0]["id"]
    assert api.get(f"/v2/accounts/{account}").status_code == 200
    record = api.post("/v2/dns/example.com/records", {"type": "TXT", "record_name": "x", "content": "y"})
    assert record.status_code == 201, record.text
    assert api.get(record.headers["Location"]).status_code == 200
    metrics = api.client.get("/metrics").text
    for template in quoted.groups():
        assert f'route="{template}",status="200"' in metrics, template
