"""``/v2/accounts`` and ``/v2/servicepacks``: every rule and error path, in-process."""

from __future__ import annotations

import httpx
import pytest

from tests.harness import Caller, error_codes

HOSTING = {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}


def create(api: Caller, body: dict[str, object]) -> str:
    response = api.post("/v2/accounts", body)
    assert response.status_code == 202, response.text
    done = api.wait_job(response.headers["location"])
    assert done.status_code == 201, done.text
    return str(done.json()["resource_links"][0])


def codes(response: httpx.Response) -> list[str]:
    return error_codes(response)


def test_servicepacks_are_listed_with_paging_headers(api: Caller) -> None:
    response = api.get("/v2/servicepacks")
    assert response.status_code == 200
    packs = response.json()
    assert [p["id"] for p in packs] == [1, 2, 3, 4]
    assert set(packs[0]) == {"id", "name"}
    assert response.headers["x-paging-skipped"] == "0"
    assert response.headers["x-paging-take"] == "4"
    assert response.headers["x-paging-totalresults"] == "4"
    page = api.get("/v2/servicepacks?skip=1&take=2")
    assert [p["id"] for p in page.json()] == [2, 3]
    assert page.headers["x-paging-take"] == "2"
    assert page.headers["x-paging-totalresults"] == "4"


def test_create_answers_202_with_relative_job_location(api: Caller) -> None:
    response = api.post("/v2/accounts", HOSTING)
    assert response.status_code == 202
    assert response.content == b""
    location = response.headers["location"]
    assert location.startswith("/v2/provisioningjobs/")
    job = api.get(location)
    assert job.status_code == 200
    body = job.json()
    assert body["status"] == "ongoing"
    assert body["id"] == location.rsplit("/", 1)[1]
    assert body["completion"]["estimate"].endswith("Z")


def test_finished_job_answers_201_with_links_and_location(api: Caller) -> None:
    response = api.post("/v2/accounts", HOSTING)
    done = api.wait_job(response.headers["location"])
    assert done.status_code == 201
    body = done.json()
    assert set(body) == {"id", "resource_links"}
    assert done.headers["location"] == body["resource_links"][0]
    detail = api.get(body["resource_links"][0])
    assert detail.status_code == 200
    assert detail.json() == {
        "id": int(body["resource_links"][0].rsplit("/", 1)[1]),
        "identifier": "example.com",
        "servicepack": {"id": 1, "name": "Linux hosting Starter"},
        "addons": [],
    }


def test_account_is_invisible_until_provisioned(api: Caller) -> None:
    api.post("/v2/accounts", HOSTING)
    listing = api.get("/v2/accounts")
    assert listing.json() == []
    assert listing.headers["x-paging-totalresults"] == "0"


def test_list_paging_and_filters(api: Caller) -> None:
    for n in range(3):
        create(api, {"identifier": f"site{n}.be", "servicepack_id": 1, "ftp_password": "Secret123x"})
    create(api, {"identifier": "mail.be", "servicepack_id": 3})
    create(api, {"identifier": "domain.be", "servicepack_id": 4})
    everything = api.get("/v2/accounts")
    assert [a["identifier"] for a in everything.json()] == [
        "site0.be",
        "site1.be",
        "site2.be",
        "mail.be",
        "domain.be",
    ]
    assert set(everything.json()[0]) == {"id", "identifier", "servicepack_id"}
    page = api.get("/v2/accounts?skip=1&take=2")
    assert [a["identifier"] for a in page.json()] == ["site1.be", "site2.be"]
    assert (
        page.headers["x-paging-skipped"],
        page.headers["x-paging-take"],
        page.headers["x-paging-totalresults"],
    ) == (
        "1",
        "2",
        "5",
    )
    hostings = api.get("/v2/accounts?asset_type=linux_hosting")
    assert [a["identifier"] for a in hostings.json()] == ["site0.be", "site1.be", "site2.be"]
    assert hostings.headers["x-paging-totalresults"] == "3"
    mailboxes = api.get("/v2/accounts?asset_type=mailbox")
    assert [a["identifier"] for a in mailboxes.json()] == [
        "site0.be",
        "site1.be",
        "site2.be",
        "mail.be",
    ]
    by_identifier = api.get("/v2/accounts?identifier=MAIL.be")
    assert [a["identifier"] for a in by_identifier.json()] == ["mail.be"]
    assert api.get("/v2/accounts?identifier=nothing.be").json() == []


def test_take_above_the_maximum_is_served_as_the_maximum(api: Caller) -> None:
    response = api.get("/v2/servicepacks?take=99999")
    assert response.status_code == 200
    assert response.headers["x-paging-take"] == "4"


@pytest.mark.parametrize("query", ["skip=-1", "take=-5", "skip=abc", "take=1.5", "take="])
def test_bad_paging_values_are_400(api: Caller, query: str) -> None:
    response = api.get(f"/v2/accounts?{query}")
    assert response.status_code == 400, response.text
    assert codes(response) == ["query_parameter_invalid"]


def test_unknown_asset_type_is_400(api: Caller) -> None:
    response = api.get("/v2/accounts?asset_type=spaceship")
    assert response.status_code == 400
    assert codes(response) == ["query_parameter_invalid"]
    assert "asset_type" in response.json()["validation_errors"][0]["error_text"]


def test_idn_identifier_is_stored_canonical(api: Caller) -> None:
    link = create(api, {"identifier": "Bücher.BE", "servicepack_id": 1, "ftp_password": "Secret123x"})
    assert api.get(link).json()["identifier"] == "xn--bcher-kva.be"
    assert len(api.get("/v2/accounts?identifier=bücher.be").json()) == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"servicepack_id": 1, "ftp_password": "Secret123x"}, ["account_identifier_required"]),
        ({"identifier": "example.com", "ftp_password": "Secret123x"}, ["servicepack_id_required"]),
        (
            {"identifier": "example.com", "servicepack_id": 999, "ftp_password": "Secret123x"},
            ["servicepack_not_found"],
        ),
        (
            {"identifier": "not a domain", "servicepack_id": 1, "ftp_password": "Secret123x"},
            ["domain_name_invalid"],
        ),
        (
            {"identifier": "example", "servicepack_id": 1, "ftp_password": "Secret123x"},
            ["domain_name_invalid"],
        ),
        ({"identifier": "example.com", "servicepack_id": 1}, ["ftp_password_required"]),
        (
            {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "short1"},
            ["password_invalid"],
        ),
        (
            {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "nodigitshere"},
            ["password_invalid"],
        ),
        (
            {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "12345678901"},
            ["password_invalid"],
        ),
        (
            {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret 123x"},
            ["password_invalid"],
        ),
        (
            {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123$"},
            ["password_invalid"],
        ),
        (
            {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x" * 3},
            ["password_invalid"],
        ),
        ({}, ["servicepack_id_required", "account_identifier_required"]),
    ],
)
def test_create_validation(api: Caller, body: dict[str, object], expected: list[str]) -> None:
    response = api.post("/v2/accounts", body)
    assert response.status_code == 400, response.text
    assert codes(response) == expected
    assert "location" not in response.headers
    assert api.get("/v2/accounts").json() == []


def test_ftp_password_is_not_needed_without_hosting(api: Caller) -> None:
    assert create(api, {"identifier": "mailonly.be", "servicepack_id": 3}).startswith("/v2/accounts/")


def test_identifier_in_use_is_400_even_for_another_reseller(api: Caller, other_api: Caller) -> None:
    create(api, HOSTING)
    again = api.post("/v2/accounts", HOSTING)
    assert again.status_code == 400
    assert codes(again) == ["account_identifier_in_use"]
    theirs = other_api.post("/v2/accounts", {**HOSTING, "identifier": "EXAMPLE.com"})
    assert theirs.status_code == 400
    assert codes(theirs) == ["account_identifier_in_use"]


def test_identifier_pending_provisioning_is_in_use(api: Caller) -> None:
    assert api.post("/v2/accounts", HOSTING).status_code == 202
    assert codes(api.post("/v2/accounts", HOSTING)) == ["account_identifier_in_use"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"identifier": "example.com", "servicepack_id": "one"}', "request_body_invalid"),
        (b'{"identifier": ', "request_body_invalid_json"),
        (b"[1, 2]", "request_body_invalid"),
    ],
)
def test_malformed_bodies_are_400(api: Caller, raw: bytes, code: str) -> None:
    response = api.post("/v2/accounts", raw=raw)
    assert response.status_code == 400, response.text
    assert codes(response) == [code]


def test_unknown_account_is_404(api: Caller) -> None:
    response = api.get("/v2/accounts/4242")
    assert response.status_code == 404
    assert response.json()["error_code"] == "not_found"


def test_another_resellers_account_and_job_are_404(api: Caller, other_api: Caller) -> None:
    response = api.post("/v2/accounts", HOSTING)
    location = response.headers["location"]
    assert other_api.get(location).status_code == 404
    link = api.wait_job(location).json()["resource_links"][0]
    assert other_api.get(link).status_code == 404
    assert other_api.get("/v2/accounts").json() == []


@pytest.mark.parametrize("job", ["not-a-uuid", "3fa85f64-5717-4562-b3fc-2c963f66afa6"])
def test_unknown_or_malformed_job_is_404(api: Caller, job: str) -> None:
    response = api.get(f"/v2/provisioningjobs/{job}")
    assert response.status_code == 404
    assert response.json()["error_code"] == "not_found"


def test_trailing_slash_is_accepted(api: Caller) -> None:
    assert api.get("/v2/servicepacks/").status_code == 200


def test_unknown_path_and_wrong_method_are_json(api: Caller) -> None:
    missing = api.get("/v2/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "not_found"
    assert missing.headers["x-ratelimit-limit"] == "1000"
    wrong = api.delete("/v2/servicepacks")
    assert wrong.status_code == 405
    assert wrong.json()["error_code"] == "method_not_allowed"
    assert "GET" in wrong.headers["allow"]


def test_every_authenticated_response_carries_rate_limit_headers(api: Caller) -> None:
    first = api.get("/v2/servicepacks")
    second = api.get("/v2/accounts/999")
    for response in (first, second):
        for name in (
            "x-ratelimit-limit",
            "x-ratelimit-usage",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ):
            assert name in response.headers
    assert int(second.headers["x-ratelimit-usage"]) == int(first.headers["x-ratelimit-usage"]) + 1
    assert int(second.headers["x-ratelimit-remaining"]) == 1000 - int(second.headers["x-ratelimit-usage"])


def test_options_lists_every_method_of_the_path(api: Caller) -> None:
    response = api.request("OPTIONS", "/v2/accounts")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, POST"
    assert api.request("OPTIONS", "/v2/accounts/1").headers["allow"] == "GET, OPTIONS"
