"""The API documentation page as a reseller reads it: title, descriptions, a worked signature
that really verifies (and code samples that print it), the error catalogue as a table, no CDN."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import update

from reseller_api import documentation
from reseller_api.conventions.hmac import parse_authorization, signature_matches
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox
from reseller_api.errors import CATALOGUE
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import api_keys, credentials_generation
from tests.conftest import FakeClock
from tests.harness import Caller

EXAMPLE = documentation.EXAMPLE


def document(test_client: TestClient[Any]) -> dict[str, Any]:
    response = test_client.get("/v2/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_title_tags_and_every_operation_are_described(test_client: TestClient[Any]) -> None:
    doc = document(test_client)
    assert doc["info"]["title"] == "Reseller Public API"
    tags = {t["name"]: t.get("description", "") for t in doc["tags"]}
    assert all(tags.values()), [name for name, text in tags.items() if not text]
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict):
                assert operation.get("description"), f"{method.upper()} {path}"
                assert set(operation["tags"]) <= set(tags)
    assert "<title>Reseller Public API</title>" in test_client.get("/v2/documentation").text


def test_the_error_catalogue_is_a_table_in_the_page(test_client: TestClient[Any]) -> None:
    text = document(test_client)["info"]["description"]
    assert "| code | status | meaning |" in text
    for error in CATALOGUE.values():
        assert f"| `{error.code}` | {error.status} |" in text


def test_the_worked_signature_verifies(test_client: TestClient[Any]) -> None:
    text = document(test_client)["info"]["description"]
    assert "# Authentication" in text
    for value in (
        EXAMPLE.content,
        EXAMPLE.encoded_target,
        EXAMPLE.message,
        EXAMPLE.signature,
        EXAMPLE.header,
    ):
        assert value in text
    parsed = parse_authorization(EXAMPLE.header)
    assert parsed is not None
    assert signature_matches(
        parsed, EXAMPLE.api_secret.encode(), EXAMPLE.method, EXAMPLE.target, EXAMPLE.body
    )


def test_the_worked_request_is_accepted_by_the_server(
    api: Caller,
    database: Database,
    credentials: CredentialsService,
    settings: Settings,
    clock: FakeClock,
) -> None:
    """The page's exact header and body, sent when the clock reads the page's timestamp: 202."""
    created = credentials.create_key("example-reseller", ["127.0.0.1"])
    with database.transaction() as conn:
        conn.execute(
            update(api_keys)
            .where(api_keys.c.key == created.api_key)
            .values(
                key=EXAMPLE.api_key,
                secret_encrypted=SecretBox.from_settings(settings).encrypt(EXAMPLE.api_secret),
            )
        )
        conn.execute(
            update(credentials_generation).values(generation=credentials_generation.c.generation + 1)
        )
    clock.now = float(EXAMPLE.timestamp)
    response = api.client.request(
        EXAMPLE.method,
        EXAMPLE.target,
        content=EXAMPLE.body,
        headers={"Authorization": EXAMPLE.header, "Content-Type": "application/json"},
    )
    assert response.status_code == 202, response.text


def _first_line(args: list[str], source: str, suffix: str, tmp_path: Any) -> str:
    path = tmp_path / f"sample{suffix}"
    path.write_text(source)
    done = subprocess.run([*args, str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[0]


@pytest.mark.parametrize("language", ["Python", "PHP", "Go", "TypeScript", "Shell"])
def test_each_code_sample_prints_the_signature(language: str, tmp_path: Any) -> None:
    import sys

    source = documentation.code_samples()[language]
    if language == "Python":
        line = _first_line([sys.executable], source, ".py", tmp_path)
    elif language == "PHP":
        if not shutil.which("php"):
            pytest.skip("php is not installed")
        line = _first_line(["php"], source, ".php", tmp_path)
    elif language == "Go":
        if not shutil.which("go"):
            pytest.skip("go is not installed")
        line = _first_line(["go", "run"], source, ".go", tmp_path)
    elif language == "TypeScript":
        if not shutil.which("node"):
            pytest.skip("node is not installed")
        # Node 20 runs JavaScript: the sample's type annotations are its only TypeScript.
        script = re.sub(r": (string|number)(?=[ =);,])", "", source)
        line = _first_line(["node", "--input-type=module", "-e", script, "--"], "", ".txt", tmp_path)
    else:
        if not shutil.which("openssl"):
            pytest.skip("openssl is not installed")
        # Everything before the curl: the signature, not a request to api.example.net.
        line = _first_line(["bash"], source.split("curl ", 1)[0], ".sh", tmp_path)
    assert line == EXAMPLE.signature


def test_nothing_on_the_page_loads_from_another_host(test_client: TestClient[Any]) -> None:
    page = test_client.get("/v2/documentation").text
    script = test_client.get("/v2/documentation/redoc.standalone.js").content
    assert b"cdn.redoc.ly" not in script
    assert b"/v2/documentation/logo.svg" in script
    logo = test_client.get("/v2/documentation/logo.svg")
    assert logo.status_code == 200
    assert logo.headers["content-type"].startswith("image/svg+xml")
    assert not re.findall(r'(?:src|href)="https?://', page)
    assert json.dumps(document(test_client)).count("cdn.") == 0
