"""``resellerctl hostings``: a Linux hosting's settings and scheduled tasks."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.integration


def test_hostings(account: dict[str, object], ok: Callable[..., str]) -> None:
    assert json.loads(ok("hostings", "show", "cli.example", "--json"))["domain_name"] == "cli.example"
    version = json.loads(ok("hostings", "php-versions", "cli.example", "--json"))[-1]["version"]
    ok("hostings", "php-version", "cli.example", version)
    ok("hostings", "gzip", "cli.example", "off")
    task = json.loads(ok("hostings", "task-add", "cli.example", "0 3 * * *", "/www/cron.php", "--json"))["id"]
    assert json.loads(ok("hostings", "tasks", "cli.example", "--json"))[0]["id"] == task
    ok("hostings", "task-delete", "cli.example", task)
