"""Property-based runs: no 5xx from anything a client can send.

- against our own OpenAPI document: every response also matches its schema;
- against the vendor's YAML (tests/data/combell-openapi-v2.yaml, a copy of the reference):
  what the vendor's own description of the API leads a client to send, including the
  operations we do not implement (a 404, never a 500).

Both run on the database of the run (``--db postgresql`` too: PostgreSQL's integers are
narrower than SQLite's). The requests are signed by a thin ASGI layer in front of the real
gate (schemathesis builds the final bytes itself), so everything from HMAC verification
down is exercised.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from reseller_api.app import create_app
from reseller_api.client.signing import authorization_header
from reseller_api.credentials.service import CredentialsService, NewCredentials
from reseller_api.crypto import SecretBox
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests import harness
from tests.conftest import TEST_SECRET_KEY
from tests.harness import DatabaseFactory

VENDOR_YAML = Path(__file__).parent.parent / "data" / "combell-openapi-v2.yaml"


class Signer:
    """Signs each request exactly as it arrives, then hands it to the real application."""

    def __init__(self, app: Any, key: NewCredentials) -> None:
        self.app = app
        self.key = key

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
            header = authorization_header(
                self.key.api_key, self.key.api_secret, scope["method"], target, body
            )
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


# Built at import, as schemathesis parametrizes from the loaded documents; on the run's
# engine (conftest sets harness.ENGINE from --db before collection).
TMP = Path(tempfile.mkdtemp(prefix="reseller-api-schemathesis-"))
FACTORY = DatabaseFactory(harness.ENGINE, TMP)
DATABASE = Database(FACTORY.url_for(TMP), pool_size=4)
SETTINGS = Settings.from_env(
    {
        "RESELLER_API_DATA_DIR": str(TMP),
        "RESELLER_API_DATABASE_URL": FACTORY.url_for(TMP).replace("postgresql+psycopg", "postgresql"),
        "RESELLER_API_SECRET_KEY": TEST_SECRET_KEY,
        "RESELLER_API_RATE_LIMIT": "1000000/minute",
        "RESELLER_API_AUTH_FAILURE_LIMIT": "1000000/minute",
        "RESELLER_API_JOB_DURATION": "0",
    }
)
KEY = CredentialsService(DATABASE, SecretBox.from_settings(SETTINGS)).create_key("fuzz", ["127.0.0.1"])
# One application for both documents: schemathesis keeps one lifespan per application.
APP = Signer(create_app(SETTINGS, database=DATABASE, run_jobs=False), KEY)
own = schemathesis.openapi.from_asgi("/v2/openapi.json", APP)
vendor = schemathesis.openapi.from_path(VENDOR_YAML)
vendor.app = APP


@own.parametrize()
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


@vendor.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_vendors_document_leads_to_no_server_error(case: schemathesis.Case) -> None:
    # The YAML declares no security scheme: ask the Signer to sign every request.
    response = case.call(headers={"Authorization": "to be signed"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"


def test_both_documents_have_their_operations() -> None:
    assert len(json.loads(json.dumps(own.raw_schema))["paths"]) >= 40
    assert len(vendor.raw_schema["paths"]) >= 40


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    DATABASE.dispose()
    FACTORY.close()
