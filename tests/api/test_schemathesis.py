"""Property-based run against our own OpenAPI document: no 5xx, every response matches its schema.

The requests are signed by a thin ASGI layer in front of the real gate (schemathesis
builds the final bytes itself), so everything from HMAC verification down is exercised.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from reseller_api.app import create_app
from reseller_api.client.signing import authorization_header
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox
from reseller_api.settings import Settings
from reseller_api.store import migrate
from reseller_api.store.database import Database

TMP = Path(tempfile.mkdtemp(prefix="reseller-api-schemathesis-"))
SETTINGS = Settings.from_env(
    {
        "RESELLER_API_DATA_DIR": str(TMP),
        "RESELLER_API_SECRET_KEY": "N2q0n1XzXb0m2wqJ7b4Zb9Xk7yT6c0fQm3S8d1Lr5aE=",
        "RESELLER_API_RATE_LIMIT": "1000000/minute",
        "RESELLER_API_AUTH_FAILURE_LIMIT": "1000000/minute",
        "RESELLER_API_JOB_DURATION": "0",
    }
)
DATABASE = Database(SETTINGS.database_url)
migrate.upgrade(DATABASE)
KEY = CredentialsService(DATABASE, SecretBox.from_settings(SETTINGS)).create_key("fuzz", ["127.0.0.1"])


class Signer:
    """Signs each request exactly as it arrives, then hands it to the real application."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        raw_path = (scope.get("raw_path") or scope["path"].encode()).split(b"?", 1)[0].decode("latin-1")
        target = raw_path + (
            "?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else ""
        )
        headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
        if len(headers) < len(scope["headers"]):
            # Replace schemathesis's placeholder credentials with a real signature; requests
            # it sends without the header reach the gate without one and must get 401.
            header = authorization_header(KEY.api_key, KEY.api_secret, scope["method"], target, body)
            headers.append((b"authorization", header.encode()))
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return dict(await receive())

        scope = {**scope, "headers": headers, "client": ("127.0.0.1", 50000)}
        await self.app(scope, replay, send)


APP = Signer(create_app(SETTINGS, database=DATABASE, run_jobs=False))
schema = schemathesis.openapi.from_asgi("/v2/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_own_schema(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
    # ignored_auth expects forged credentials to fail, but the Signer above signs every
    # request on purpose (refusals of bad signatures are covered by the HMAC tests).
    # positive_data_acceptance expects every schema-valid body to be accepted, but the
    # vendor's schemas cannot express the API's rules (valid domain names, password
    # rules, existing servicepacks), so a schema-valid order may rightly get 400.
    case.validate_response(
        response,
        excluded_checks=[
            schemathesis.checks.ignored_auth,
            schemathesis.checks.positive_data_acceptance,
        ],
    )


def test_schema_has_operations() -> None:
    document = json.loads(json.dumps(schema.raw_schema))
    assert len(document["paths"]) >= 4


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Any:
    yield
    DATABASE.dispose()
    shutil.rmtree(TMP, ignore_errors=True)
