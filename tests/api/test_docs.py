"""Documentation endpoints: served without authentication and without internet."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from reseller_api.controlpanel import words
from reseller_api.errors import CATALOGUE


def test_every_operation_describes_itself(test_client: TestClient[Any]) -> None:
    # Each route carries its one-line description (description= or its docstring): no list
    # outside the resource's package fills them in.
    document = test_client.get("/v2/openapi.json").json()
    undescribed = [
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op and not op.get("description")
    ]
    assert undescribed == []


def test_a_201_without_a_body_documents_no_content(test_client: TestClient[Any]) -> None:
    # As the vendor's YAML: a creation answers Location and no body, so the document must not
    # promise one (a client or schemathesis would then expect a body and its Content-Type).
    document = test_client.get("/v2/openapi.json").json()
    created = {
        (method.upper(), path): op["responses"]["201"].get("content")
        for path, item in document["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and method == "post" and "201" in op.get("responses", {})
    }
    assert created[("POST", "/v2/mailboxes")] is None
    assert created[("POST", "/v2/dns/{domain_name}/records")] is None
    # Ours with a body keeps it: a new webhook's secret is shown once, in the 201.
    assert created[("POST", "/v2/webhooks")] is not None
    assert all(
        "Location" in document["paths"][path]["post"]["responses"]["201"]["headers"] for _, path in created
    )


# Writes the audit log still shows as recorded (method and path), with no sentence of their own.
UNSAID: set[tuple[str, str]] = set()


def test_every_write_has_its_audit_sentence(test_client: TestClient[Any]) -> None:
    # The sentences are the resources' (Resource.audit): a new write without one fails here.
    document = test_client.get("/v2/openapi.json").json()
    unsaid = set()
    for path, item in document["paths"].items():
        for method in item:
            sample = re.sub(r"\{[^}]+\}", "x", path)
            if method.upper() in {"POST", "PUT", "DELETE", "PATCH"} and not any(
                said_method == method.upper() and pattern.match(sample)
                for said_method, pattern, _ in words.API_ROUTES
            ):
                unsaid.add((method.upper(), path))
    assert unsaid == UNSAID


def test_openapi_document(test_client: TestClient[Any]) -> None:
    response = test_client.get("/v2/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    operations = {
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
    }
    assert {"GetAccounts", "CreateAccount", "GetAccount", "Servicepacks"} <= operations
    create = document["paths"]["/v2/accounts"]["post"]
    assert create["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "BadRequestResponse"
    )
    assert "Location" in create["responses"]["202"]["headers"]
    assert create["security"] == [{"hmac": []}]
    listing = document["paths"]["/v2/accounts"]["get"]["responses"]["200"]["headers"]
    assert {
        "X-Paging-Skipped",
        "X-Paging-Take",
        "X-Paging-TotalResults",
        "X-RateLimit-Limit",
    } <= set(listing)


def test_redoc_page_loads_its_script_locally(test_client: TestClient[Any]) -> None:
    page = test_client.get("/v2/documentation")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "/v2/documentation/redoc.standalone.js" in page.text
    assert "cdn." not in page.text
    assert "fonts.googleapis" not in page.text
    script = test_client.get("/v2/documentation/redoc.standalone.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert len(script.content) > 100_000


def test_error_code_catalogue(test_client: TestClient[Any]) -> None:
    response = test_client.get("/v2/documentation/errorcodes")
    assert response.status_code == 200
    codes = {e["error_code"]: e for e in response.json()}
    assert set(codes) == set(CATALOGUE)
    assert codes["auth_authorization_header_invalid_format"]["error_text"] == (
        "The authorization header is in an invalid format."
    )
    assert codes["authorization_hmac_invalid"]["status"] == 401
    assert codes["password_invalid"]["status"] == 400


def test_paths_outside_the_api_are_json_404(test_client: TestClient[Any]) -> None:
    response = test_client.get("/nothing")
    assert response.status_code == 404
    assert response.json()["error_code"] == "not_found"
