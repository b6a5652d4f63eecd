"""Scheduled tasks of a Linux hosting: cron expressions as the API documents them, CRUD, ownership."""

from __future__ import annotations

from typing import Any

import pytest

from reseller_api.store.database import Database
from tests.api.test_linuxhostings import codes, create_hosting, world
from tests.harness import Caller

TASKS = "/v2/linuxhostings/example.com/scheduledtasks"
NIGHTLY = {"cron_expression": "0 3 * * *", "script_location": "/www/cron/nightly.php"}


@pytest.fixture
def hosting(api: Caller) -> str:
    return create_hosting(api)


def create(api: Caller, body: dict[str, Any]) -> str:
    response = api.post(TASKS, body)
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location.startswith(f"{TASKS}/")
    return location.rsplit("/", 1)[1]


def test_create_read_update_delete(api: Caller, hosting: str, database: Database) -> None:
    task_id = create(api, {**NIGHTLY, "id": "ignored"})
    assert task_id != "ignored"
    task = api.get(f"{TASKS}/{task_id}")
    assert task.status_code == 200
    assert task.json() == {"id": task_id, **NIGHTLY, "enabled": True}
    assert api.get(TASKS).json() == [task.json()]
    assert world(database, "hosting_crontab", "example.com")["entries"] == [task.json()]

    updated = api.put(f"{TASKS}/{task_id}", {"cron_expression": "*/15 * * * 1", "enabled": False})
    assert updated.status_code == 204, updated.text
    assert api.get(f"{TASKS}/{task_id}").json() == {
        "id": task_id,
        "cron_expression": "*/15 * * * 1",
        "script_location": "/www/cron/nightly.php",
        "enabled": False,
    }
    assert api.delete(f"{TASKS}/{task_id}").status_code == 204
    assert api.get(f"{TASKS}/{task_id}").status_code == 404
    assert api.get(TASKS).json() == []
    assert world(database, "hosting_crontab", "example.com")["entries"] == []


@pytest.mark.parametrize(
    "expression",
    ["0 3 * * *", "*/5 * * * *", "*/30 23 31 12 7", "59 0 1 1 1", "  15   4 * * 5 "],
)
def test_documented_expressions_are_accepted(api: Caller, hosting: str, expression: str) -> None:
    task_id = create(api, {**NIGHTLY, "cron_expression": expression})
    assert api.get(f"{TASKS}/{task_id}").json()["cron_expression"] == " ".join(expression.split())


@pytest.mark.parametrize(
    "expression",
    [
        "* * * * *",  # every minute is not offered
        "*/7 * * * *",
        "60 * * * *",
        "0 24 * * *",
        "0 0 0 * *",
        "0 0 * 13 *",
        "0 0 * * 0",
        "0 0 * * 8",
        "0 0 31 2 *",  # never happens
        "0 3 * *",
        "0 3 * * * *",
        "@daily",
        "0 3 * * MON",
        "0 1-5 * * *",
        "a b c d e",
    ],
)
def test_other_expressions_are_400(api: Caller, hosting: str, expression: str) -> None:
    response = api.post(TASKS, {**NIGHTLY, "cron_expression": expression})
    assert response.status_code == 400, expression
    assert codes(response) == ["cron_expression_invalid"]
    assert api.get(TASKS).json() == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ["cron_expression_required", "script_location_required"]),
        ({"cron_expression": "0 3 * * *"}, ["script_location_required"]),
        ({**NIGHTLY, "script_location": "cron.php"}, ["script_location_invalid"]),
        ({**NIGHTLY, "script_location": "/www/../../etc/passwd"}, ["script_location_invalid"]),
        ({**NIGHTLY, "script_location": "/www/my script.php"}, ["script_location_invalid"]),
    ],
)
def test_bad_tasks_are_400(api: Caller, hosting: str, body: Any, expected: list[str]) -> None:
    response = api.post(TASKS, body)
    assert response.status_code == 400
    assert codes(response) == expected
    assert api.get(TASKS).json() == []


def test_bad_update_changes_nothing(api: Caller, hosting: str) -> None:
    task_id = create(api, NIGHTLY)
    before = api.get(f"{TASKS}/{task_id}").json()
    response = api.put(f"{TASKS}/{task_id}", {"cron_expression": "61 * * * *"})
    assert codes(response) == ["cron_expression_invalid"]
    assert api.get(f"{TASKS}/{task_id}").json() == before


def test_unknown_or_foreign_tasks_are_404(api: Caller, other_api: Caller, hosting: str) -> None:
    task_id = create(api, NIGHTLY)
    create_hosting(other_api, "bob.be")
    for caller, url in (
        (other_api, f"{TASKS}/{task_id}"),
        (api, f"{TASKS}/not-a-task"),
        (other_api, f"/v2/linuxhostings/bob.be/scheduledtasks/{task_id}"),
    ):
        assert caller.get(url).status_code == 404
        assert caller.put(url, NIGHTLY).status_code == 404
        assert caller.delete(url).status_code == 404
    assert len(api.get(TASKS).json()) == 1
