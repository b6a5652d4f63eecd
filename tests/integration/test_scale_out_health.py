"""/healthz, /readyz and /metrics in-process, and outages of Redis turned into JSON 503."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from reseller_api.app import create_app
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests.harness import Caller, ClientAddress


def test_health_routes_need_no_signature(test_client: TestClient[Any]) -> None:
    assert test_client.get("/healthz").json() == {"status": "ok"}
    ready = test_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["checks"]["database"] == "ok"
    assert "runner" not in ready.json()["checks"]  # workers are not the API's readiness
    assert "x-ratelimit-limit" not in ready.headers


def test_metrics_count_requests_refusals_and_jobs(api: Caller, test_client: TestClient[Any]) -> None:
    api.get("/v2/servicepacks")
    api.get("/v2/accounts/999999")
    test_client.get("/v2/servicepacks")  # unsigned: 401 from the gate, before routing
    order = api.post("/v2/accounts", {"identifier": "metrics.be", "servicepack_id": 3})
    api.wait_job(order.headers["location"])
    metrics = test_client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'reseller_api_requests_total{method="GET",route="/v2/servicepacks",status="200"}' in text
    assert 'route="unmatched",status="401"' in text
    assert "reseller_api_request_duration_seconds_bucket" in text
    assert 'reseller_api_jobs{status="finished"} 1.0' in text
    assert "reseller_api_rate_limit_refusals_total" in text


@pytest.fixture
def redis_down_client(settings: Settings, database: Database) -> Iterator[TestClient[Any]]:
    broken = dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0")
    app = create_app(broken, database=database)
    with TestClient(ClientAddress(app), base_url="http://testserver.local") as client:  # type: ignore[arg-type]
        yield client


def test_a_redis_outage_is_a_json_503_and_unready(redis_down_client: TestClient[Any]) -> None:
    response = redis_down_client.get("/v2/servicepacks", headers={"Authorization": "hmac a:b:c:1"})
    assert response.status_code == 503
    assert response.json()["error_code"] == "service_unavailable"
    assert response.headers["retry-after"] == "5"
    ready = redis_down_client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"].startswith("unavailable")
