"""Input crafted to break things: out-of-range integers, lax types, deep nesting. Always a 400.

Run with ``--db postgresql`` too: PostgreSQL's ``integer`` is 32 bits, SQLite's 64.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reseller_api.conventions.bodies import MAX_DEPTH, too_deep
from tests.api.test_linuxhostings import codes, create_hosting, detail
from tests.harness import Caller

BIG = [2**31, 2**31 + 1, 2**63, 2**64, 10**30, -(2**31) - 1, -(2**63)]
ORDER = {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}


def raw(api: Caller, method: str, target: str, text: str) -> Any:
    return api.request(method, target, raw=text.encode(), headers={"Content-Type": "application/json"})


# -- integers: what the column holds, on both databases --------------------------------------


@pytest.mark.parametrize("value", BIG)
def test_an_integer_out_of_the_columns_range_in_a_body_is_400(api: Caller, value: int) -> None:
    response = api.post("/v2/accounts", {**ORDER, "servicepack_id": value})
    assert response.status_code == 400, response.text
    assert codes(response) == ["request_body_invalid"]
    assert api.get("/v2/accounts").json() == []


@pytest.mark.parametrize("value", [2**31 - 1, -(2**31)])
def test_the_ends_of_the_range_are_ordinary_values(api: Caller, value: int) -> None:
    response = api.post("/v2/accounts", {**ORDER, "servicepack_id": value})
    assert codes(response) == ["servicepack_not_found"]


@pytest.mark.parametrize("value", BIG)
def test_out_of_range_integers_in_other_bodies_are_400(api: Caller, value: int) -> None:
    create_hosting(api)
    orders = [
        (
            "POST",
            "/v2/mailboxes",
            {"email_address": "a@example.com", "account_id": value, "password": "Secret123x"},
        ),
        (
            "POST",
            "/v2/mysqldatabases",
            {"database_name": "shop", "account_id": value, "password": "Secret123x"},
        ),
        (
            "POST",
            "/v2/dns/example.com/records",
            {"type": "A", "record_name": "x", "content": "192.0.2.1", "ttl": value},
        ),
        ("PUT", "/v2/linuxhostings/example.com/phpsettings/memorylimit", {"memory_limit": value}),
        ("PUT", "/v2/linuxhostings/example.com/phpsettings/apcu", {"enabled": True, "apcu_size": value}),
    ]
    for method, target, body in orders:
        response = api.request(method, target, body)
        assert response.status_code == 400, (target, response.text)
        assert codes(response) == ["request_body_invalid"], target


@pytest.mark.parametrize("value", [str(v) for v in BIG if v > 0])
def test_an_out_of_range_id_in_a_path_is_400(api: Caller, value: str) -> None:
    response = api.get(f"/v2/accounts/{value}")
    assert response.status_code == 400, response.text
    assert codes(response) == ["query_parameter_invalid"]


@pytest.mark.parametrize("value", [str(v) for v in BIG])
def test_out_of_range_paging_is_400(api: Caller, value: str) -> None:
    for query in (f"skip={value}", f"take={value}"):
        response = api.get(f"/v2/accounts?{query}")
        assert response.status_code == 400, (query, response.text)


@pytest.mark.parametrize("record_id", ["1-2147483648", "1-9223372036854775808", "1-999999999999999999"])
def test_a_record_id_past_the_columns_range_does_not_exist(api: Caller, record_id: str) -> None:
    create_hosting(api)
    for method in ("GET", "DELETE"):
        response = api.request(method, f"/v2/dns/example.com/records/{record_id}")
        assert response.status_code == 404, response.text
    edited = api.put(
        f"/v2/dns/example.com/records/{record_id}", {"type": "A", "record_name": "x", "content": "192.0.2.1"}
    )
    assert edited.status_code == 404, edited.text


# -- booleans are true or false, integers are integers ---------------------------------------


@pytest.mark.parametrize("value", ['"false"', '"true"', '"0"', '"1"', "0", "1", "null", '"yes"'])
def test_only_json_true_and_false_are_booleans(api: Caller, value: str) -> None:
    create_hosting(api)
    before = detail(api)["ftp_enabled"]
    for target in ("settings/gzipcompression", "ssh/configuration", "ftp/configuration"):
        response = raw(api, "PUT", f"/v2/linuxhostings/example.com/{target}", f'{{"enabled": {value}}}')
        assert response.status_code == 400, (target, response.text)
        assert codes(response) == ["request_body_invalid"], target
    assert detail(api)["ftp_enabled"] == before


@pytest.mark.parametrize("value", ["1e0", "1.0", "1E3", '"1"', "true", "1.5"])
def test_only_integers_are_integers(api: Caller, value: str) -> None:
    body = json.dumps({**ORDER, "servicepack_id": 0}).replace(
        '"servicepack_id": 0', f'"servicepack_id": {value}'
    )
    response = raw(api, "POST", "/v2/accounts", body)
    assert response.status_code == 400, response.text
    assert codes(response) == ["request_body_invalid"]
    assert api.get("/v2/accounts").json() == []


def test_strict_values_still_work(api: Caller) -> None:
    create_hosting(api)
    response = raw(api, "PUT", "/v2/linuxhostings/example.com/ftp/configuration", '{"enabled": false}')
    assert response.status_code == 204, response.text
    assert detail(api)["ftp_enabled"] is False


# -- nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000 + "]" * 1000,
        "{" + '"a":{' * 1000 + "}" * 1001,
        '{"identifier": ' + "[" * 1000 + "]" * 1000 + "}",
        '{"unknown_field": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "[" * 200_000,
    ],
    ids=["array", "object", "in-a-field", "in-an-unknown-field", "unclosed"],
)
def test_deeply_nested_bodies_are_400(api: Caller, body: str) -> None:
    response = raw(api, "POST", "/v2/accounts", body)
    assert response.status_code == 400, response.text
    assert codes(response) == ["request_body_too_deep"]


def test_nesting_up_to_the_limit_is_an_ordinary_body(api: Caller) -> None:
    body = '{"identifier": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    response = raw(api, "POST", "/v2/accounts", body)
    assert codes(response) == ["request_body_invalid"]


def test_brackets_inside_strings_are_not_nesting() -> None:
    assert not too_deep(json.dumps({"text": "[" * 1000, "q": '\\"[[[' * 100}).encode())
    assert too_deep(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    assert not too_deep(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert not too_deep(json.dumps([[1]] * 10_000).encode())
